using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Transport;

namespace GovClone.Tests.Support.Replay;

/// <summary>
/// The scripts the legacy Pulumi program's Commands ran (the regression suite with its facts, the production
/// fingerprint, the template's drop), for <see cref="LegacyProgram"/>'s replay and the tests. The Pulumi program
/// now runs CLI levers (DeployPlan), so these live with the tests, not in the core.
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
}
