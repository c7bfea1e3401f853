using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Transport;

namespace GovClone.Engine;

/// <summary>
/// Small bash and SQL texts that reach the server through the transport: a SQL text run with psql, and the
/// release of the retained template and of the clone's family (<c>govclone drop</c> and <c>pulumi destroy</c>), each the
/// engine's SQL files behind a header of settings. The clone engine
/// itself is <see cref="EngineScript"/>. No text here holds a secret: psql reads PGPASSWORD / PGPASSFILE from
/// the environment.
/// </summary>
public static class ServerScripts
{
    private const string HereDoc = "GOVCLONE_SQL";

    /// <summary>
    /// Makes the retained template droppable, behind the prefix and family guards: its settings, then
    /// sql/engine/prefix_guard.sql, family_guard.sql (refuses, GC005, unless the template's marker says it is this
    /// family's template) and release_database.sql (marked dropping, IS_TEMPLATE cleared). One text for the engine,
    /// <c>up</c> and <c>pulumi destroy</c>; run <see cref="DropTemplateSql"/> after it.
    /// </summary>
    public static string ReleaseTemplateSql(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        return EngineFiles.FamilySettings(s, ("database", s.TemplateDatabase))
            + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("family_guard.sql") + EngineFiles.GetSql("release_database.sql");
    }

    /// <summary>
    /// Behind the prefix and family guards (sql/engine/prefix_guard.sql, family_guard.sql: refuses while any name of the
    /// family is another family's or role's, or unmarked): marks every database of the clone's family that exists
    /// (<see cref="CloneFamily"/>) dropping and clears IS_TEMPLATE (sql/engine/release_family.sql). The settings header,
    /// then the files verbatim: what the record's by-hand drop runs with psql. Then <see cref="CloneFamily.DropSql"/> for each.
    /// </summary>
    public static string ReleaseFamilySql(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        s.CloneFamily();
        return EngineFiles.FamilySettings(s)
            + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("family_guard.sql") + EngineFiles.GetSql("release_family.sql");
    }

    /// <summary>Drops the retained template (after <see cref="ReleaseTemplateSql"/>; not inside a transaction block).</summary>
    public static string DropTemplateSql(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return $"DROP DATABASE IF EXISTS {DatabaseNameGuard.QuoteIdentifier(s.TemplateDatabase)} WITH (FORCE);";
    }

    /// <summary>Runs SQL text with psql in <paramref name="database"/>, ON_ERROR_STOP, the guard's expectation pinned first.</summary>
    public static string Psql(ServerTransport t, string database, string sql, bool expectDatabase = true)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(sql);
        if (sql.Split('\n').Any(l => l.Trim() == HereDoc))
        {
            throw new ArgumentException($"SQL text contains the here-document terminator {HereDoc}", nameof(sql));
        }

        var psql = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-v", "ON_ERROR_STOP=1", "-P", "pager=off", "-d", database]);
        var preamble = expectDatabase ? SqlScripts.ExpectDatabase(database) + "\n" : string.Empty;
        return $"""
            set -euo pipefail
            {psql} <<'{HereDoc}'
            {preamble}{sql.TrimEnd()}
            {HereDoc}

            """;
    }

    /// <summary>The guard block that opens every mutating .sql file: sql/engine/clone_guard.sql without its comment lines (one text; a test holds the files to it).</summary>
    public static string GuardBlock { get; } = string.Join('\n',
        EngineFiles.GetSql("clone_guard.sql").Split('\n').SkipWhile(l => l.StartsWith("--", StringComparison.Ordinal))).TrimEnd();
}
