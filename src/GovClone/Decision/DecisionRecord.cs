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

/// <summary>The runbook's levers rendered for a stack's transport. The by-hand forms are executed in tests through stand-in docker/ssh, so their quoting is proven.</summary>
public static class LeverCommands
{
    public static IReadOnlyList<LeverCommand> For(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var t = new ServerTransport(s);
        var clone = s.CloneDatabase;
        var cloneIdent = DatabaseNameGuard.QuoteIdentifier(clone);
        return
        [
            new("Re-run the regression suite (no state change)", "verify",
                "pulumi up (the suite runs on every update)",
                t.HumanPsqlFile("sql/A_coverage_regression_suite_clone.sql", clone)),
            new("Reset-in-place to the clean F-6 baseline (keep the DB, wipe only the governance test data; result own=0, gap=210, candidates=0)", "reset",
                "pulumi config set govclone:seedProfile baseline && pulumi up",
                t.HumanPsqlFile("sql/reset_in_place.sql", clone)),
            new("Compact (VACUUM (FULL, ANALYZE))", "compact",
                "pulumi config set govclone:compactGeneration <n+1> && pulumi up",
                t.HumanPsqlFile("sql/compact.sql", clone)),
            new("Drop / teardown (idempotent)", "drop",
                "pulumi destroy --yes",
                t.HumanPsqlCommand(s.MaintenanceDatabase, $"DROP DATABASE IF EXISTS {cloneIdent} WITH (FORCE);")),
            new("Re-clone from scratch", "clone --force",
                "pulumi config set govclone:cloneGeneration <n+1> && pulumi up",
                ReCloneByHand(s, t)),
        ];
    }

    /// <summary>The runbook's one-line re-clone (drop, create, pg_dump | psql) inside one bash -c at the server.</summary>
    public static string ReCloneByHand(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        var clone = DatabaseNameGuard.QuoteIdentifier(s.CloneDatabase);
        string Psql(string db, string sql) => ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql]);
        var inner = string.Join(" && ",
            Psql(s.MaintenanceDatabase, $"DROP DATABASE IF EXISTS {clone} WITH (FORCE);"),
            Psql(s.MaintenanceDatabase, $"CREATE DATABASE {clone};"),
            // COMMIT only after pg_dump exits 0: a dump cut short is rolled back, never committed half-way.
            "set -o pipefail; { echo 'BEGIN;'; " + ShellQuote.Join([t.Tool("pg_dump"), .. t.ConnectionArgs, "--no-owner", "--no-privileges", "-d", s.SourceDatabase])
                + " && echo 'COMMIT;'; } | " + ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-d", s.CloneDatabase]));
        return ShellQuote.Join(t.Argv("bash", "-c", inner));
    }
}
