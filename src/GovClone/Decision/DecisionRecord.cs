using System.Globalization;
using System.Text;
using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Transport;

namespace GovClone.Decision;

/// <summary>
/// Renders the decision record in the seed's own shape (decision, rationale table, committed-state
/// evidence, exact lever commands for this stack's transport, recommendation) from live facts, so the
/// record people read is never stale.
/// </summary>
public static class DecisionRecord
{
    public static string RenderMarkdown(GovCloneSettings settings, LifecycleFacts facts, LifecycleDecision decision)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(decision);
        var levers = LeverCommands.For(settings);
        var clone = settings.CloneDatabase;
        var sb = new StringBuilder();
        sb.AppendLine("# Objective G: Clone Lifecycle Decision");
        sb.AppendLine();
        if (decision.Verdict == LifecycleVerdict.RETAIN)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"Decision: **RETAIN** the clone `{clone}` as the governance regression harness host. Drop/reset/compact are all one command away and documented below.");
        }
        else
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"Decision: **DROP** the clone `{clone}`: {decision.Reason}.");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Why: {decision.Reason}.");
        sb.AppendLine();
        sb.AppendLine("## Rationale");
        sb.AppendLine();
        sb.AppendLine("| factor | assessment |");
        sb.AppendLine("|---|---|");
        foreach (var f in decision.Factors)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {f.Factor} | {f.Assessment.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        sb.AppendLine();
        sb.AppendLine("Retention does not affect production: govclone only ever reads it (pg_dump and read-only transactions), and the fault suite proves its fingerprint unchanged.");
        sb.AppendLine();
        sb.AppendLine("## Committed clone state (the evidence to preserve)");
        sb.AppendLine();
        sb.AppendLine(facts.Evidence is null ? "_No clone to measure._" : "`" + facts.Evidence + "`");
        sb.AppendLine();
        sb.AppendLine("## Lifecycle levers (exact commands)");
        foreach (var lever in levers)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"{lever.Title}:");
            sb.AppendLine();
            sb.AppendLine("```sh");
            sb.AppendLine(CultureInfo.InvariantCulture, $"govclone {lever.Govclone}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"# Pulumi: {lever.Pulumi}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"# by hand: {lever.ByHand}");
            sb.AppendLine("```");
        }

        sb.AppendLine();
        sb.AppendLine("## Recommendation");
        sb.AppendLine();
        sb.AppendLine(decision.Verdict == LifecycleVerdict.RETAIN
            ? "Keep until the production rollout (the human gate) lands and the production seed + verify are run. At that point the clone has served its purpose; drop it with the one-liner unless an axis/emit/DOT follow-up is queued."
            : "Tear down now: `pulumi destroy --yes` (or `govclone drop`). A second drop is a no-op.");
        return sb.ToString();
    }
}

/// <summary>One lever of the runbook in its three forms.</summary>
public sealed record LeverCommand(string Title, string Govclone, string Pulumi, string ByHand);

/// <summary>
/// The runbook's levers rendered for a stack's transport. The by-hand forms are run in tests through the local
/// transport and the stand-in docker/ssh, and their result is checked with status and verify: a by-hand re-clone
/// leaves a clone marked complete for this generation and closed to PUBLIC, as govclone's own does; a by-hand drop
/// leaves nothing of the clone's family.
/// </summary>
public static class LeverCommands
{
    public static IReadOnlyList<LeverCommand> For(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var t = new ServerTransport(s);
        var clone = s.CloneDatabase;
        var nextGeneration = (s.CloneGeneration + 1).ToString(CultureInfo.InvariantCulture);
        var nextCompaction = (s.CompactGeneration + 1).ToString(CultureInfo.InvariantCulture);
        var companions = string.Join(", ", CloneFamily.Companions(clone));
        return
        [
            new("Re-run the regression suite (no state change)", "verify",
                "pulumi up (the suite runs on every update)",
                t.HumanPsqlFile("sql/A_coverage_regression_suite_clone.sql", clone)),
            new("Reset-in-place to the clean F-6 baseline (keep the DB, wipe only the governance test data; result own=0, gap=210, candidates=0; refuses, naming them, while rows the seed did not write exist: reset --purge-foreign removes them)", "reset",
                "pulumi config set govclone:seedProfile baseline && pulumi up",
                t.HumanPsqlFile("sql/reset_in_place.sql", clone)),
            new("Compact (VACUUM (FULL, ANALYZE))", "compact",
                $"pulumi config set govclone:compactGeneration {nextCompaction} && pulumi up",
                t.HumanPsqlFile("sql/compact.sql", clone)),
            new($"Drop / teardown (idempotent): the clone, its retained template {s.TemplateDatabase} and any companion ({companions})", "drop",
                "pulumi destroy --yes",
                DropByHand(s, t)),
            new($"Re-clone: back to the fresh clone, a FILE_COPY of the retained template {s.TemplateDatabase} when it is current (production not read; without one, govclone copies production afresh and the by-hand line refuses, changing nothing)", "clone --force",
                "none: pulumi up re-clones only a missing, incomplete or other-generation clone",
                TemplateReCloneByHand(s, t)),
            new($"Re-clone from scratch: a fresh copy of production and, on govclone's next clone, a new template (first set govclone:cloneGeneration to {nextGeneration} in the stack file: pulumi config set govclone:cloneGeneration {nextGeneration})", "up",
                $"pulumi config set govclone:cloneGeneration {nextGeneration} && pulumi up",
                FromScratchByHand(s, t)),
        ];
    }

    /// <summary>
    /// Drops the clone and every database of its family that exists (retained template, <c>_next</c>, <c>_old</c>,
    /// <c>_spare</c>): one psql, each name behind the prefix guard; all unmarked and un-templated before any DROP.
    /// </summary>
    public static string DropByHand(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        var family = CloneFamily.All(s);
        return ShellQuote.Join(t.Argv([.. MaintenancePsql(s, t), .. Commands([.. family.Select(CloneFamily.ReleaseSql), .. family.Select(CloneFamily.DropSql)])]));
    }

    /// <summary>
    /// The re-clone govclone makes from a current retained template, by hand: refuses (changing nothing) unless the
    /// template is current for this source, clone and generation; then unmark, drop, FILE_COPY, close to PUBLIC, mark
    /// complete for this generation, as the clone script does.
    /// </summary>
    public static string TemplateReCloneByHand(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        var clone = DatabaseNameGuard.QuoteLiteral(s.CloneDatabase);
        var template = DatabaseNameGuard.QuoteLiteral(s.TemplateDatabase);
        var marker = DatabaseNameGuard.QuoteLiteral(GovClone.Engine.EngineScript.TemplateMarkerFor(s) + " ");
        var check = ServerScripts.PrefixGuardBlock(s.TemplateDatabase, "copy", $"""
              IF NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = {template} AND datistemplate AND NOT datallowconn AND datconnlimit <> -2
                             AND left(coalesce(shobj_description(oid, 'pg_database'), ''), length({marker})) = {marker}) THEN
                RAISE EXCEPTION 'govclone: % is not a current template of % (generation {s.CloneGeneration.ToString(CultureInfo.InvariantCulture)}); nothing was changed: re-clone from scratch', {template}, {clone};
              END IF;
            """);
        return ShellQuote.Join(t.Argv([.. MaintenancePsql(s, t), .. Commands(
        [
            check,
            CloneFamily.ReleaseSql(s.CloneDatabase),
            CloneFamily.DropSql(s.CloneDatabase),
            $"CREATE DATABASE {DatabaseNameGuard.QuoteIdentifier(s.CloneDatabase)} TEMPLATE {DatabaseNameGuard.QuoteIdentifier(s.TemplateDatabase)} STRATEGY FILE_COPY;",
            Revoke(s),
            MarkComplete(s),
        ])]));
    }

    /// <summary>
    /// A fresh copy of production by hand, inside one bash -c at the server: the retained template and the spare (copies
    /// of an older moment) and the clone are unmarked and dropped; the clone is created closed to PUBLIC; the runbook's
    /// pg_dump | psql runs in one transaction that commits only when pg_dump exited 0; ANALYZE; marked complete for this
    /// generation, last. The next govclone clone from the source keeps a new template.
    /// </summary>
    public static string FromScratchByHand(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        var stale = CloneFamily.All(s).Where(n => n == s.TemplateDatabase || n == s.CloneDatabase + "_spare").ToArray();
        var clone = new[] { s.CloneDatabase };
        var prepare = ShellQuote.Join([.. MaintenancePsql(s, t), .. Commands(
        [
            .. clone.Concat(stale).Select(CloneFamily.ReleaseSql),
            .. stale.Concat(clone).Select(CloneFamily.DropSql),
            $"CREATE DATABASE {DatabaseNameGuard.QuoteIdentifier(s.CloneDatabase)};",
            Revoke(s),
        ])]);
        // COMMIT only after pg_dump exits 0: a dump cut short is rolled back, never committed half-way.
        var copy = "{ echo 'BEGIN;'; " + ShellQuote.Join([t.Tool("pg_dump"), .. t.ConnectionArgs, "--no-owner", "--no-privileges", "-d", s.SourceDatabase])
            + " && echo 'COMMIT;'; } | " + ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-d", s.CloneDatabase]);
        var analyze = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", s.CloneDatabase, "-c", "ANALYZE;"]);
        var mark = ShellQuote.Join([.. MaintenancePsql(s, t), .. Commands([MarkComplete(s)])]);
        return ShellQuote.Join(t.Argv("bash", "-c", $"set -euo pipefail; {prepare}; {copy}; {analyze}; {mark}"));
    }

    private static IReadOnlyList<string> MaintenancePsql(GovCloneSettings s, ServerTransport t) =>
        [t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", s.MaintenanceDatabase];

    /// <summary>One <c>-c</c> per statement (psql runs each on its own, so DROP DATABASE is outside any transaction block), each on one line.</summary>
    private static IEnumerable<string> Commands(IEnumerable<string> statements) =>
        statements.SelectMany(sql => new[] { "-c", OneLine(sql) });

    private static string Revoke(GovCloneSettings s) =>
        $"REVOKE CONNECT, TEMPORARY ON DATABASE {DatabaseNameGuard.QuoteIdentifier(s.CloneDatabase)} FROM PUBLIC;";

    /// <summary>The complete marker of this generation, behind the prefix guard: the same text the clone script writes last.</summary>
    private static string MarkComplete(GovCloneSettings s)
    {
        var lit = DatabaseNameGuard.QuoteLiteral(s.CloneDatabase);
        return ServerScripts.PrefixGuardBlock(s.CloneDatabase, "mark", $$"""
              EXECUTE format('COMMENT ON DATABASE %I IS %L', {{lit}},
                {{DatabaseNameGuard.QuoteLiteral(GovClone.Engine.EngineScript.MarkerFor(s) + " at=")}} || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
            """);
    }

    /// <summary>SQL on one line (the record prints each by-hand command on one line). The texts here carry no -- comment, which this would break.</summary>
    private static string OneLine(string sql)
    {
        if (sql.Contains("--", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("a by-hand SQL text must not carry a -- comment: " + sql);
        }

        return string.Join(' ', sql.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
