using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>drop: the clone's whole family (clone, template, companions) released and dropped under the run lock; a second drop is a no-op.</summary>
internal sealed class DropLever(GovCloneSettings settings, Connections connections, CloneStates states, FamilyPreparation family)
{
    /// <summary>drop: DROP DATABASE IF EXISTS … WITH (FORCE). A second drop is a no-op.</summary>
    public async Task<LeverResult> DropAsync(CancellationToken ct)
    {
        await using var runLock = await RunLock.AcquireAsync(connections, settings, "drop", ct);
        await states.RequireSourceAsync(runLock.Maintenance, ct);
        await family.RequireAsync(runLock.Maintenance, adopt: true, ct);
        return await DropLockedAsync(runLock, ct);
    }

    /// <summary>
    /// What <c>drop</c> sends to the maintenance database, in order (and what <c>govclone drop --dry-run</c> prints):
    /// release (unmark, un-template) every database of the clone family (<see cref="CloneFamily"/>;
    /// sql/engine/release_family.sql behind prefix_guard.sql), then drop each, the clone first.
    /// </summary>
    public static IReadOnlyList<string> Statements(GovCloneSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // All unmarked first: should a DROP be interrupted, nothing left is taken for a complete clone, a current
        // template or a ready spare. Then the clone, then the rest.
        var family = settings.CloneFamily();
        return [ServerScripts.ReleaseFamilySql(settings), .. family.Select(CloneFamily.DropSql)];
    }

    private async Task<LeverResult> DropLockedAsync(RunLock runLock, CancellationToken ct)
    {
        DatabaseNameGuard.RequireClone(settings.CloneDatabase, settings.SourceDatabase);
        await runLock.HoldSpareAsync(ct); // a `govclone spare` still copying would make a spare after the drop
        var family = settings.CloneFamily(); // the clone, its template, its companions: each guarded
        var maintenance = runLock.Maintenance;
        var existed = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname = ANY($1)", maintenance))
        {
            cmd.Parameters.AddWithValue(family.ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                existed.Add(r.GetString(0));
            }
        }

        foreach (var sql in Statements(settings))
        {
            await GuardedSql.ExecuteAsync(maintenance, sql, ct);
        }

        var dropped = family.Where(existed.Contains).ToArray();
        // Branches are copies of their own (issue 17), not part of the family: drop leaves them, and says so, so
        // that their disk is not forgotten (the teardown workflow drops them first).
        var branches = await BranchCatalog.ReadAsync(maintenance, settings, ct);
        var left = branches.Count == 0 ? string.Empty
            : $"; {branches.Count} branch{(branches.Count == 1 ? string.Empty : "es")} of it remain{(branches.Count == 1 ? "s" : string.Empty)} ({string.Join(", ", branches.Select(b => b.Name))}): `govclone branch drop NAME` drops one";
        return new LeverResult("drop", dropped.Length > 0, (dropped.Length > 0
            ? $"dropped {string.Join(" and ", dropped)} (sessions terminated)"
            : $"{settings.CloneDatabase} does not exist; nothing to drop") + left);
    }
}
