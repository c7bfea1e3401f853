using System.Globalization;
using System.Text;
using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Processes;
using GovClone.Transport;

namespace GovClone.Decision;

/// <summary>
/// Renders the decision record in the seed's own shape (decision, rationale table, committed-state
/// evidence, exact lever commands for this stack's transport, recommendation) from live facts, so the
/// record people read is never stale.
/// </summary>
public static class DecisionRecord
{
    /// <param name="settings">The stack's settings.</param>
    /// <param name="facts">Live facts.</param>
    /// <param name="decision">The decision from them.</param>
    /// <param name="stack">The stack it was run with, when not the default: its <c>govclone</c> and <c>pulumi</c> lines get <c>-s STACK</c>.</param>
    /// <param name="govcloneOptions">Further options it was run with (<c>--stack-file PATH</c>, <c>-c KEY=VALUE</c>): its <c>govclone</c> lines repeat them.</param>
    public static string RenderMarkdown(GovCloneSettings settings, LifecycleFacts facts, LifecycleDecision decision, string? stack = null, IReadOnlyList<string>? govcloneOptions = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(decision);
        var levers = LeverCommands.For(settings, stack);
        var options = (stack is null ? [] : new[] { "-s", stack }).Concat(govcloneOptions ?? []).ToList();
        var suffix = options.Count == 0 ? string.Empty : " " + ShellQuote.Join(options);
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
            sb.AppendLine(CultureInfo.InvariantCulture, $"{LeverCommands.Cli} {lever.Govclone}{suffix}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"# Pulumi: {lever.Pulumi}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"# by hand: {lever.ByHand}");
            sb.AppendLine("```");
        }

        sb.AppendLine();
        sb.AppendLine("## Recommendation");
        sb.AppendLine();
        sb.AppendLine(decision.Verdict == LifecycleVerdict.RETAIN
            ? "Keep until the production rollout (the human gate) lands and the production seed + verify are run. At that point the clone has served its purpose; drop it with the one-liner unless an axis/emit/DOT follow-up is queued."
            : $"Tear down now: `pulumi destroy --yes{(stack is null ? string.Empty : " -s " + ShellQuote.Word(stack))}` (or `{LeverCommands.Cli} drop --yes{suffix}`). A second drop is a no-op.");
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
    /// <summary>How the record's govclone lines call the CLI: the repo's wrapper, from the repo root (where the by-hand lines' <c>sql/</c> paths resolve too).</summary>
    public const string Cli = "./govclone";

    /// <param name="s">The stack's settings.</param>
    /// <param name="stack">The Pulumi stack, when not the default one: the Pulumi forms get <c>-s STACK</c>.</param>
    public static IReadOnlyList<LeverCommand> For(GovCloneSettings s, string? stack = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        var t = new ServerTransport(s);
        var on = stack is null ? string.Empty : " -s " + ShellQuote.Word(stack);
        var clone = s.CloneDatabase;
        var nextGeneration = (s.CloneGeneration + 1).ToString(CultureInfo.InvariantCulture);
        var nextCompaction = (s.CompactGeneration + 1).ToString(CultureInfo.InvariantCulture);
        var companions = string.Join(", ", CloneFamily.Companions(clone));
        return
        [
            new("Re-run the regression suite (no state change)", "verify",
                $"pulumi up{on} (the suite runs on every update)",
                t.HumanPsqlFile("sql/A_coverage_regression_suite_clone.sql", clone)),
            new("Reset-in-place to the clean F-6 baseline (keep the DB, wipe only the governance test data; result own=0, gap=210, candidates=0; refuses, naming them, while rows the seed did not write exist: reset --purge-foreign removes them)", "reset",
                $"pulumi config set{on} govclone:seedProfile baseline && pulumi up{on}",
                t.HumanPsqlFile("sql/reset_in_place.sql", clone)),
            new("Compact (VACUUM (FULL, ANALYZE))", "compact",
                $"pulumi config set{on} govclone:compactGeneration {nextCompaction} && pulumi up{on}",
                t.HumanPsqlFile("sql/compact.sql", clone)),
            new($"Drop / teardown (idempotent): the clone, its retained template {s.TemplateDatabase} and any companion ({companions})", "drop",
                $"pulumi destroy --yes{on}",
                DropByHand(s, t)),
            new($"Re-clone: back to the fresh clone, a FILE_COPY of the retained template {s.TemplateDatabase} when it is current (production not read; without one, govclone copies production afresh and the by-hand line refuses, changing nothing)", "clone --force",
                "none: pulumi up re-clones only a missing, incomplete or other-generation clone",
                TemplateReCloneByHand(s, t)),
            new($"Re-clone from scratch: a fresh copy of production and, on govclone's next clone, a new template (first set govclone:cloneGeneration to {nextGeneration} in the stack file: pulumi config set{on} govclone:cloneGeneration {nextGeneration})", "up",
                $"pulumi config set{on} govclone:cloneGeneration {nextGeneration} && pulumi up{on}",
                FromScratchByHand(s, t)),
        ];
    }

    /// <summary>
    /// Drops the clone and every database of its family that exists (retained template, <c>_next</c>, <c>_old</c>,
    /// <c>_spare</c>): one psql running the engine's files, behind the prefix guard; all unmarked and un-templated
    /// (release_family.sql) before any DROP (drop_family.sql).
    /// </summary>
    public static string DropByHand(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        s.CloneFamily();
        return FilesByHand(s, t, [("clone", s.CloneDatabase), ("template", s.TemplateDatabase)], "prefix_guard.sql", "family_guard.sql", "release_family.sql", "drop_family.sql");
    }

    /// <summary>
    /// The re-clone govclone makes from a current retained template when no ready spare is there, by hand, with the
    /// engine's files: refuses (changing nothing) unless the template is current for this source, clone and
    /// generation; then the copy is built in <c>&lt;clone&gt;_next</c> (a FILE_COPY, closed to PUBLIC, the template's
    /// database settings), swapped in and marked complete in one transaction, and the old clone dropped.
    /// </summary>
    public static string TemplateReCloneByHand(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        var next = GovClone.Engine.EngineScript.NextDatabase(s);
        return FilesByHand(s, t,
            [
                ("clone", s.CloneDatabase), ("template", s.TemplateDatabase), ("copy_from", s.TemplateDatabase), ("origin", next), ("strategy", "STRATEGY FILE_COPY"),
                ("settings_from", s.TemplateDatabase), ("template_marker", GovClone.Engine.EngineScript.TemplateMarkerFor(s)),
                ("origin_marker", GovClone.Engine.EngineScript.BuildingMarkerFor(s, FamilyRules.Roles.Next)),
                ("marker", FamilyRules.Marker(MarkerKinds.Complete).Text(s.CloneDatabase, s.SourceDatabase, s.CloneGeneration.ToString(CultureInfo.InvariantCulture), s.Masking.Identity)),
                ("marker_tail_from", s.TemplateDatabase),
            ],
            "prefix_guard.sql", "require_template.sql", "family_guard.sql", "drop_leftovers.sql", "copy_next.sql", "database_settings.sql", "family_guard.sql", "swap.sql",
            "family_guard.sql", "drop_leftovers.sql");
    }

    /// <summary>
    /// A fresh copy of production by hand, with the engine's files, as govclone's dump way makes it: the retained
    /// template and the spare (copies of an older moment) are unmarked and dropped; the copy is built in
    /// <c>&lt;clone&gt;_next</c> (a fresh database like the source, closed to PUBLIC): the runbook's pg_dump | psql at the
    /// server in one transaction that commits only when pg_dump exited 0 (owners and privileges as the source has
    /// them), ANALYZE; under govclone:masking the masked columns rewritten in the build (UPDATE, then VACUUM FULL:
    /// sql/engine/mask_converge*.sql, as the engine's dump way); then the source's database settings, the swap that marks it complete for this generation, and
    /// the old clone dropped. The old clone stays usable until the swap. The next govclone clone from the source
    /// keeps a new template.
    /// </summary>
    public static string FromScratchByHand(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        s.CloneFamily();
        var next = GovClone.Engine.EngineScript.NextDatabase(s);
        var stale = new[] { s.TemplateDatabase, GovClone.Engine.EngineScript.SpareDatabase(s) }.Select(database =>
            FilesByHand(s, t, [("clone", s.CloneDatabase), ("template", s.TemplateDatabase), ("database", database)], "prefix_guard.sql", "family_guard.sql", "release_database.sql", "drop_database.sql"));
        var create = FilesByHand(s, t, [("clone", s.CloneDatabase), ("template", s.TemplateDatabase), ("source", s.SourceDatabase)], "prefix_guard.sql", "family_guard.sql", "drop_leftovers.sql", "create_next.sql");
        // COMMIT only after pg_dump exits 0: a dump cut short is rolled back, never committed half-way.
        var copy = "{ echo 'BEGIN;'; " + ShellQuote.Join([t.Tool("pg_dump"), .. t.ConnectionArgs, "-d", s.SourceDatabase])
            + " && echo 'COMMIT;'; } | " + ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-d", next])
            + " && " + ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", next, "-c", "ANALYZE;"]);
        var atServer = ShellQuote.Join(t.Argv("bash", "-c", "set -euo pipefail; " + copy));
        // govclone:masking: the copy held production's values until here; the rewrite (the engine's dump way does the
        // same, with the same files) runs in the build before the swap marks it complete with the masking's identity.
        var mask = s.Masking.EngineText.Length == 0
            ? null
            : FilesByHandIn(s, t, next, [("expected_database", next), ("clone", s.CloneDatabase), ("masking", s.Masking.EngineText)],
                "mask_converge.sql", "mask_rules.sql", "mask_tables.sql", "mask_converge_end.sql");
        var swap = FilesByHand(s, t,
            [
                ("clone", s.CloneDatabase), ("template", s.TemplateDatabase), ("source", s.SourceDatabase), ("origin", next),
                ("origin_marker", GovClone.Engine.EngineScript.BuildingMarkerFor(s, FamilyRules.Roles.Next)),
                ("marker", GovClone.Engine.EngineScript.CompleteMarkerFor(s, "dump", "full")),
            ],
            "prefix_guard.sql", "family_guard.sql", "database_settings.sql", "swap.sql", "family_guard.sql", "drop_leftovers.sql");
        return string.Join(" && ", [.. stale, create, atServer, .. (mask is null ? Array.Empty<string>() : [mask]), swap]);
    }

    /// <summary>
    /// <c>cat sql/engine/FILE… | [ssh HOST "]docker exec -i postgres psql … -d postgres -c "SET govclone.NAME = 'VALUE'"… -f -["]</c>:
    /// the engine's SQL files on stdin, after the settings they read (psql runs the -c and -f in order, in one session).
    /// </summary>
    private static string FilesByHand(GovCloneSettings s, ServerTransport t, IReadOnlyList<(string Name, string Value)> settings, params string[] files) =>
        FilesByHandIn(s, t, s.MaintenanceDatabase, settings, files);

    /// <summary>The same, in <paramref name="database"/> (the build, for the masked columns' rewrite).</summary>
    private static string FilesByHandIn(GovCloneSettings s, ServerTransport t, string database, IReadOnlyList<(string Name, string Value)> settings, params string[] files)
    {
        var set = settings.SelectMany(p => new[] { "-c", $"SET govclone.{p.Name} = {DatabaseNameGuard.QuoteLiteral(p.Value)}" });
        var psql = t.Argv([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, .. set, "-f", "-"]);
        return "cat " + string.Join(' ', files.Select(f => ShellQuote.Word("sql/engine/" + f))) + " | " + ShellQuote.Join(psql);
    }
}
