using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Sql;

namespace GovClone.Transport;

/// <summary>
/// Small bash and SQL texts that reach the server through the transport: a SQL text run with psql, and the
/// release and drop of the retained template (<c>govclone drop</c> and <c>pulumi destroy</c>). The clone engine
/// itself is <see cref="EngineScript"/>. No text here holds a secret: psql reads PGPASSWORD / PGPASSFILE from
/// the environment.
/// </summary>
public static class ServerScripts
{
    private const string HereDoc = "GOVCLONE_SQL";

    /// <summary>
    /// Makes the retained template droppable, behind the prefix guard: its settings, then
    /// sql/engine/prefix_guard.sql and sql/engine/release_template.sql (unmark, clear IS_TEMPLATE). One text for
    /// the engine, <c>drop</c> and <c>pulumi destroy</c>; run <see cref="DropTemplateSql"/> after it.
    /// </summary>
    public static string ReleaseTemplateSql(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        return EngineFiles.Settings(("clone", s.CloneDatabase), ("template", s.TemplateDatabase))
            + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("release_template.sql");
    }

    /// <summary>
    /// A DO block for the maintenance database: raises unless <paramref name="database"/> has the clone prefix, then
    /// runs <paramref name="body"/> (PL/pgSQL) in the same block. The SQL-side twin of
    /// <see cref="DatabaseNameGuard.RequireClone"/>, in front of every text that marks, re-creates or drops a database.
    /// </summary>
    public static string PrefixGuardBlock(string database, string action, string body = "")
    {
        ArgumentNullException.ThrowIfNull(database);
        var lit = DatabaseNameGuard.QuoteLiteral(database);
        var pattern = DatabaseNameGuard.QuoteLiteral(SettingKeys.ClonePrefix.Replace("_", "\\_", StringComparison.Ordinal) + "%");
        return $"""
            DO $guard$
            BEGIN
              IF {lit} NOT LIKE {pattern} THEN
                RAISE EXCEPTION 'govclone guard: refusing to {action} %: no {SettingKeys.ClonePrefix} prefix', {lit};
              END IF;
              IF {lit} ~ '[^a-z0-9_]' OR {lit} = {DatabaseNameGuard.QuoteLiteral(SettingKeys.ClonePrefix)} THEN
                RAISE EXCEPTION 'govclone guard: refusing to {action} %: not {SettingKeys.ClonePrefix} and then only a-z, 0-9 and _', to_json({lit}::text);
              END IF;
            {body}
            END
            $guard$;
            """;
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
