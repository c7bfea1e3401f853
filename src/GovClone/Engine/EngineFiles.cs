using System.Globalization;
using GovClone.Guards;

namespace GovClone.Engine;

/// <summary>
/// The engine's files, embedded at build time: <c>engine/*.sh</c> and <c>sql/engine/*.sql</c>. What a person reads
/// and runs by hand is what govclone sends.
/// </summary>
public static class EngineFiles
{
    private const string ShellPrefix = "GovClone.Engine.";
    private const string SqlPrefix = "GovClone.EngineSql.";

    /// <summary>engine/*.sh by name, main.sh last (every other file only defines functions).</summary>
    public static IReadOnlyList<(string Name, string Text)> Shell { get; } = Load(ShellPrefix)
        .OrderBy(f => f.Name == "main.sh" ? 1 : 0).ThenBy(f => f.Name, StringComparer.Ordinal).ToArray();

    /// <summary>sql/engine/*.sql by name.</summary>
    public static IReadOnlyList<(string Name, string Text)> Sql { get; } = Load(SqlPrefix)
        .OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();

    /// <summary>The text of sql/engine/<paramref name="name"/> as Npgsql is sent it (without psql's <c>\set ON_ERROR_STOP on</c>).</summary>
    public static string GetSql(string name) => GovClone.Sql.SqlScripts.ForNpgsql(RawSql(name));

    /// <summary>The text of sql/engine/<paramref name="name"/> exactly as it is in the repo (what psql runs).</summary>
    public static string RawSql(string name)
    {
        foreach (var (file, text) in Sql)
        {
            if (file == name)
            {
                return text;
            }
        }

        throw new InvalidOperationException($"sql/engine/{name} is not embedded");
    }

    /// <summary>
    /// The header that gives an engine SQL file its parameters in a session opened by Npgsql (psql gets them from
    /// PGOPTIONS): <c>SELECT set_config('govclone.NAME', 'VALUE', false), …;</c>. Session-level, so a following
    /// statement, or command, on the same connection reads them.
    /// </summary>
    public static string Settings(params (string Name, string Value)[] settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return "SELECT " + string.Join(", ", settings.Select(p =>
        {
            if (p.Name.Any(c => c is not (>= 'a' and <= 'z' or '_')))
            {
                throw new ArgumentException($"'{p.Name}' is not a govclone.* setting name", nameof(settings));
            }

            return string.Create(CultureInfo.InvariantCulture, $"set_config('govclone.{p.Name}', {DatabaseNameGuard.QuoteLiteral(p.Value)}, false)");
        })) + ";\n";
    }

    /// <summary>
    /// <see cref="Settings"/> with the family's names of <paramref name="s"/> first (govclone.clone, .template, .next,
    /// .old, .spare, .source; what prefix_guard.sql would set), then <paramref name="more"/>.
    /// </summary>
    public static string FamilySettings(Configuration.GovCloneSettings s, params (string Name, string Value)[] more)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(more);
        return Settings([.. Family(s), .. more]);
    }

    /// <summary>The family's names of <paramref name="s"/> as govclone.* settings.</summary>
    public static IReadOnlyList<(string Name, string Value)> Family(Configuration.GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return [.. CloneFamily.ByRole(s.CloneDatabase, s.TemplateDatabase).Select(r => (r.Role, r.Name)), ("source", s.SourceDatabase)];
    }

    private static IEnumerable<(string Name, string Value)> Load(string prefix)
    {
        var assembly = typeof(EngineFiles).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (resource[prefix.Length..], reader.ReadToEnd());
        }
    }
}
