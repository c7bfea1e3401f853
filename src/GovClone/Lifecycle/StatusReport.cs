using System.Globalization;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Guards;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// <c>status</c> (and <c>decide</c>): the clone, its template, spare, companions and branches, the metrics, the sessions
/// and leases, the host's disk, and the lifecycle decision from those facts. Read-only: no lock, nothing adopted.
/// </summary>
internal sealed class StatusReport(GovCloneSettings settings, Connections connections, CloneStates states, FamilyPreparation family, HostDisk disk)
{
    public async Task<CloneStatus> ReadAsync(CancellationToken ct)
    {
        await using var maintenance = await connections.OpenMaintenanceAsync(ct);
        await states.RequireSourceAsync(maintenance, ct);
        var census = await family.RequireAsync(maintenance, adopt: false, ct);
        var state = await states.ReadStateAsync(maintenance, ct);
        var template = await states.ReadTemplateAsync(maintenance, ct);
        IReadOnlyList<MetricValue>? metrics = null;
        int? leases = null;
        int? appConnections = null;
        Masking.MaskingProof? masking = null;
        if (state.Exists)
        {
            appConnections = await CountAppConnectionsAsync(maintenance, ct);
            if (state.Complete)
            {
                await using var clone = await connections.OpenCloneAsync(ct);
                metrics = await CloneSuite.ReadMetricsReadOnlyAsync(clone, ct);
                leases = await CountLeasesAsync(clone, ct);
                masking = await Masking.MaskingProof.ReadAsync(connections, settings, clone, ct);
            }
        }

        var spare = await states.ReadSpareAsync(maintenance, ct);
        // The companions that are this family's (a leftover counts: it takes the disk until the next lever drops it).
        var companions = census.Entries.Where(e => e.IsOurs && e.Role is not (FamilyRules.Roles.Clone or FamilyRules.Roles.Template))
            .Select(e => new DatabaseSize(e.Name, e.SizeBytes)).OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();
        var branches = await BranchCatalog.ReadAsync(maintenance, settings, ct);
        var (free, total) = await disk.MeasureAsync(maintenance, ct);
        var want = ExpectedState.For(settings.SeedProfile);
        var checks = metrics is null ? null : ExpectedState.Compare(want, metrics);
        var facts = new LifecycleFacts
        {
            CloneDatabase = settings.CloneDatabase,
            CloneExists = state.Exists,
            CloneComplete = state.Complete,
            CloneSizeBytes = state.SizeBytes,
            TemplateSizeBytes = template.Exists ? template.SizeBytes : null,
            CompanionSizes = companions,
            BranchSizes = branches.Select(b => new DatabaseSize(b.Database, b.SizeBytes)).ToArray(),
            BranchesOpenToPublic = branches.Count(b => !b.ConnectRevokedFromPublic && b.State != BranchState.Invalid),
            HostFreeBytes = free ?? settings.HostFreeBytes,
            HostTotalBytes = total,
            AppConnections = appConnections,
            WorkerLeases = leases,
            ConnectRevokedFromPublic = state.ConnectRevokedFromPublic,
            InAppDatabaseSetting = settings.CloneDatabase == settings.AppDatabase,
            InQueryAllowlist = settings.QueryAllowlist.Contains(settings.CloneDatabase),
            StateMatchesProfile = checks?.All(c => c.Ok),
            Evidence = metrics is null ? null : ExpectedState.EvidenceLine(metrics),
            NameHasPrefix = DatabaseNameGuard.HasClonePrefix(settings.CloneDatabase),
            ProductionRolloutLanded = settings.ProductionRolloutLanded,
            ProductionSeedVerified = settings.ProductionSeedVerified,
            FollowUps = settings.FollowUps,
        };
        return new CloneStatus
        {
            CloneDatabase = settings.CloneDatabase,
            SourceDatabase = settings.SourceDatabase,
            Transport = settings.Transport.ToString().ToLowerInvariant(),
            State = state,
            Current = states.IsCurrent(state),
            ConfiguredGeneration = settings.CloneGeneration,
            Template = template,
            TemplateSummary = template.Describe(settings),
            Spare = spare,
            SpareSummary = spare.Describe(settings),
            Profile = settings.SeedProfile.ToString().ToLowerInvariant(),
            Metrics = metrics,
            Checks = checks,
            AppConnections = appConnections,
            WorkerLeases = leases,
            HostFreeBytes = facts.HostFreeBytes,
            HostTotalBytes = total,
            Branches = branches,
            Leftovers = census.Leftovers.Select(e => new Leftover(e.Name, e.Role, e.Kind, e.SizeBytes)).ToArray(),
            NotCurrentBecause = state.Exists ? states.NotCurrentBecause(state) : null,
            Masking = masking,
            Facts = facts,
            Decision = LifecycleDecider.Decide(facts),
        };
    }

    /// <summary>
    /// Sessions on the clone ($1) that are neither this one, govclone's own, nor an autovacuum worker (the server's own
    /// upkeep, which DROP DATABASE ends itself): the isolation factor's "no app connections".
    /// </summary>
    internal const string AppConnectionsSql =
        "SELECT count(*)::int FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND coalesce(application_name, '') NOT LIKE 'govclone%' AND backend_type IS DISTINCT FROM 'autovacuum worker'";

    private async Task<int> CountAppConnectionsAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(AppConnectionsSql, maintenance);
        cmd.Parameters.AddWithValue(settings.CloneDatabase);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<int> CountLeasesAsync(NpgsqlConnection clone, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SqlScripts.Get(SqlScripts.WorkerLeases), clone);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
