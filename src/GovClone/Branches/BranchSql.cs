using GovClone.Engine;
using GovClone.Guards;

namespace GovClone.Branches;

/// <summary>
/// <c>sql/branch/*.sql</c>, embedded: the branch guard, the template's state, the marks and the list. Each file reads
/// its parameters as <c>govclone.*</c> settings, so it runs with psql (<c>SET govclone.branch = …</c> first) and through
/// Npgsql (<see cref="With"/>: <c>set_config</c> first, in the same command). CREATE and DROP DATABASE, which no DO
/// block can run, are built here after the guard passed.
/// </summary>
public static class BranchSql
{
    public const string Guard = "branch_guard.sql";
    public const string TemplateState = "template_state.sql";
    public const string Begin = "branch_begin.sql";
    public const string Mark = "branch_mark.sql";
    public const string Touch = "branch_touch.sql";
    public const string Release = "branch_release.sql";
    public const string List = "branch_list.sql";
    public const string SpareState = "bspare_state.sql";
    public const string SpareMark = "bspare_mark.sql";
    public const string SpareTake = "bspare_take.sql";

    private const string Prefix = "GovClone.BranchSql.";

    /// <summary>The text of sql/branch/<paramref name="name"/>.</summary>
    public static string Get(string name)
    {
        using var stream = typeof(BranchSql).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"sql/branch/{name} is not embedded");
        using var reader = new StreamReader(stream);
        return GovClone.Sql.SqlScripts.ForNpgsql(reader.ReadToEnd());
    }

    /// <summary>Every sql/branch file's name.</summary>
    public static IReadOnlyList<string> All =>
        typeof(BranchSql).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The files <paramref name="files"/>, one after the other, behind <c>set_config</c> of <paramref name="settings"/>
    /// (session-level); in front of the <see cref="Guard"/>, the engine's <c>prefix_guard.sql</c> (the family's names and the
    /// branch's creation fingerprint, <c>govclone.fingerprint_branch</c>, from their one definition).
    /// </summary>
    public static string With((string Name, string Value)[] settings, params string[] files) =>
        EngineFiles.Settings(settings) + (files.Contains(Guard) ? EngineFiles.GetSql("prefix_guard.sql") : string.Empty) + string.Concat(files.Select(Get));

    /// <summary>The parameters every branch file of <paramref name="branch"/> reads: the clone, the branch, the template.</summary>
    public static (string Name, string Value)[] Parameters(BranchName branch, string template, params (string Name, string Value)[] more)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return [("clone", branch.Parent), ("branch", branch.Database), ("template", template), .. more];
    }

    /// <summary>
    /// <c>CREATE DATABASE branch TEMPLATE template CONNECTION LIMIT fingerprint [STRATEGY FILE_COPY]</c> (after <see cref="Guard"/>,
    /// which sets the branch's creation fingerprint; not inside a transaction block).
    /// </summary>
    public static string CreateFrom(BranchName branch, string template, bool fileCopy, long fingerprint)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"CREATE DATABASE {DatabaseNameGuard.QuoteIdentifier(branch.Database)} TEMPLATE {DatabaseNameGuard.QuoteIdentifier(template)} CONNECTION LIMIT {fingerprint}{(fileCopy ? " STRATEGY FILE_COPY" : string.Empty)}");
    }

    /// <summary>
    /// <c>DROP DATABASE IF EXISTS branch</c> (after <see cref="Guard"/> and <see cref="Release"/>): <c>WITH (FORCE)</c> for
    /// <c>branch drop</c>, which ends the branch's sessions; without it for <c>branch gc</c>, which drops only idle branches
    /// and would rather fail than end a session that connected in between.
    /// </summary>
    public static string Drop(BranchName branch, bool force)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return $"DROP DATABASE IF EXISTS {DatabaseNameGuard.QuoteIdentifier(branch.Database)}{(force ? " WITH (FORCE)" : string.Empty)}";
    }
}
