using System.Globalization;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Transport;

namespace GovClone.Deploy;

/// <summary>
/// The scripts the Pulumi Commands run that report back (the regression suite with its facts, the
/// production fingerprint), and the parser of what they print. Pulumi-free, so their text and their
/// parsing are tested against a real server here; the Pulumi layer only wires them.
/// </summary>
public static class DeployScripts
{
    public const string ReportPrefix = "govclone-report ";
    public const string FingerprintPrefix = "govclone-fingerprint ";

    /// <summary>Prints <c>govclone-fingerprint GOVERNANCE CATALOG</c> for the source, read in a read-only session.</summary>
    public static string Fingerprint(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        var psql = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-tA", "-F", " ", "-v", "ON_ERROR_STOP=1", "-d", s.SourceDatabase]);
        return $"""
            set -euo pipefail
            fp="$(PGOPTIONS='-c default_transaction_read_only=on' {psql} <<'GOVCLONE_SQL'
            {SqlScripts.Get(SqlScripts.Fingerprint).TrimEnd()}
            GOVCLONE_SQL
            )"
            echo "{FingerprintPrefix}$fp"

            """;
    }

    /// <summary>
    /// The post-deploy regression suite for the profile (exit 3 and the have/want table on drift), then one
    /// line of facts for the stack outputs, then the production fingerprint after the run.
    /// </summary>
    public static string SuiteAndReport(GovCloneSettings s, ServerTransport t, SeedProfile profile)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        var psql = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", s.CloneDatabase]);
        var report = $"""
            SELECT json_build_object(
              'sizeBytes', pg_database_size(current_database()),
              'templateSizeBytes', (SELECT pg_database_size(oid) FROM pg_database WHERE datname = {DatabaseNameGuard.QuoteLiteral(s.TemplateDatabase)}),
              'appConnections', (SELECT count(*) FROM pg_stat_activity
                                 WHERE datname = current_database() AND pid <> pg_backend_pid()
                                   AND coalesce(application_name, '') NOT LIKE 'govclone%'),
              'workerLeases', (SELECT active_leases FROM ({SqlScripts.AsSubquery(SqlScripts.WorkerLeases)}) l),
              'metrics', (SELECT json_agg(json_build_object('metric', metric, 'value', value, 'detail', detail) ORDER BY ord)
                          FROM ({SqlScripts.AsSubquery(SqlScripts.Metrics)}) m));
            """;
        return ServerScripts.Psql(t, s.CloneDatabase, RegressionSuite.Render(profile), expectDatabase: false)
            + $"""
            report="$({psql} <<'GOVCLONE_SQL'
            {report}
            GOVCLONE_SQL
            )"
            echo "{ReportPrefix}$report"

            """
            + Fingerprint(s, t);
    }

    /// <summary>
    /// Drops the retained template (govclone:retainTemplate), for <c>pulumi destroy</c>: guarded by the clone
    /// prefix, un-templated first (PostgreSQL refuses to drop a database that IS_TEMPLATE). A no-op when absent.
    /// </summary>
    public static string DropTemplate(GovCloneSettings s, ServerTransport t)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        return ServerScripts.Psql(t, s.MaintenanceDatabase, ServerScripts.ReleaseTemplateSql(s) + "\n" + ServerScripts.DropTemplateSql(s), expectDatabase: false);
    }

    /// <summary>Reads the <c>govclone-fingerprint</c> line of a command's stdout.</summary>
    public static SourceFingerprint? ParseFingerprint(string? stdout)
    {
        var line = Lines(stdout).LastOrDefault(l => l.StartsWith(FingerprintPrefix, StringComparison.Ordinal));
        var parts = line?[FingerprintPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: 2 } ? new SourceFingerprint(parts[0], parts[1]) : null;
    }

    /// <summary>Reads the <c>govclone-report</c> line of the suite's stdout; null when absent (preview, failed run).</summary>
    public static DeployReport? ParseReport(string? stdout)
    {
        var line = Lines(stdout).LastOrDefault(l => l.StartsWith(ReportPrefix, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(line[ReportPrefix.Length..]);
        var root = doc.RootElement;
        var metrics = root.GetProperty("metrics").EnumerateArray()
            .Select(m => new MetricValue(
                m.GetProperty("metric").GetString()!,
                m.GetProperty("value").GetInt64(),
                m.GetProperty("detail").ValueKind == JsonValueKind.Null ? null : m.GetProperty("detail").GetString()))
            .ToArray();
        long? templateBytes = root.TryGetProperty("templateSizeBytes", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : null;
        return new DeployReport(root.GetProperty("sizeBytes").GetInt64(), metrics,
            root.GetProperty("appConnections").GetInt32(), root.GetProperty("workerLeases").GetInt32(), ParseFingerprint(stdout))
        {
            TemplateSizeBytes = templateBytes,
        };
    }

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? string.Empty).Split('\n').Select(l => l.TrimEnd('\r'));
}

/// <summary>What the post-deploy suite reports: the clone's size and metrics as verified, isolation counts, production's fingerprint after.</summary>
public sealed record DeployReport(long SizeBytes, IReadOnlyList<MetricValue> Metrics, int AppConnections, int WorkerLeases, SourceFingerprint? FingerprintAfter)
{
    /// <summary>The retained template's size, when one exists (it counts in the disk factor).</summary>
    public long? TemplateSizeBytes { get; init; }
}

/// <summary>The stack outputs, computed from the report and the settings by the same decision code the CLI uses.</summary>
public sealed record DeployOutputs(
    string CloneName,
    long CloneSizeBytes,
    IReadOnlyDictionary<string, long> Metrics,
    string Evidence,
    bool Verified,
    string Decision,
    string DecisionReason,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Factors,
    bool ProductionUnchanged)
{
    public static DeployOutputs From(GovCloneSettings settings, DeployReport report, SourceFingerprint? fingerprintBefore)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        var checks = ExpectedState.Compare(ExpectedState.For(settings.SeedProfile), report.Metrics);
        var evidence = ExpectedState.EvidenceLine(report.Metrics);
        var facts = new LifecycleFacts
        {
            CloneDatabase = settings.CloneDatabase,
            CloneExists = true,
            CloneComplete = true,
            CloneSizeBytes = report.SizeBytes,
            TemplateSizeBytes = report.TemplateSizeBytes,
            HostFreeBytes = settings.HostFreeBytes,
            AppConnections = report.AppConnections,
            WorkerLeases = report.WorkerLeases,
            ConnectRevokedFromPublic = true,
            InAppDatabaseSetting = settings.CloneDatabase == settings.AppDatabase,
            InQueryAllowlist = settings.QueryAllowlist.Contains(settings.CloneDatabase),
            StateMatchesProfile = checks.All(c => c.Ok),
            Evidence = evidence,
            NameHasPrefix = DatabaseNameGuard.HasClonePrefix(settings.CloneDatabase),
            ProductionRolloutLanded = settings.ProductionRolloutLanded,
            ProductionSeedVerified = settings.ProductionSeedVerified,
            FollowUps = settings.FollowUps,
        };
        var decision = LifecycleDecider.Decide(facts);
        return new DeployOutputs(
            settings.CloneDatabase,
            report.SizeBytes,
            report.Metrics.ToDictionary(m => m.Name, m => m.Value),
            evidence,
            checks.All(c => c.Ok),
            decision.Verdict.ToString(),
            decision.Reason,
            decision.Factors.Select(f => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
            {
                ["factor"] = f.Factor,
                ["assessment"] = f.Assessment,
                ["status"] = f.Status.ToString().ToLowerInvariant(),
            }).ToArray(),
            fingerprintBefore is not null && report.FingerprintAfter is not null && fingerprintBefore == report.FingerprintAfter);
    }

    /// <summary>The decision alone, from settings (for preview, before any report exists).</summary>
    public static string PlannedDecision(GovCloneSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return LifecycleDecider.Decide(new LifecycleFacts
        {
            CloneDatabase = settings.CloneDatabase,
            CloneExists = false,
            CloneComplete = false,
            InAppDatabaseSetting = false,
            InQueryAllowlist = false,
            NameHasPrefix = true,
            ProductionRolloutLanded = settings.ProductionRolloutLanded,
            ProductionSeedVerified = settings.ProductionSeedVerified,
            FollowUps = settings.FollowUps,
        }).Verdict.ToString();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CloneName}: {Decision}, verified={Verified}");
}
