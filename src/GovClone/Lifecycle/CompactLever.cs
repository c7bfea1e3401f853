using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Sql;
using GovClone.Transport;

namespace GovClone.Lifecycle;

/// <summary>compact: VACUUM (FULL, ANALYZE) of the clone's own tables (never a shared catalog), after the guard block of sql/compact.sql, under the run lock.</summary>
internal sealed class CompactLever(GovCloneSettings settings, Connections connections, CloneStates states, FamilyPreparation family)
{
    public async Task<LeverResult> CompactAsync(CancellationToken ct)
    {
        await using var runLock = await RunLock.AcquireAsync(connections, settings, "compact", ct);
        await states.RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await family.PrepareLockedAsync(runLock, adopt: false, ct);
        var before = (await states.RequireCompleteCloneAsync(runLock.Maintenance, ct)).SizeBytes ?? 0;

        await using (var clone = await connections.OpenCloneAsync(ct))
        {
            // VACUUM cannot run inside a transaction block, and Npgsql sends a multi-statement text as one implicit
            // transaction: so the file's guard block, the query its psql \if runs with \gexec (the VACUUM of the clone's
            // own tables, never a shared catalog) and that VACUUM go as three commands.
            var (guard, vacuumStatementQuery) = SqlScripts.CompactParts();
            await GuardedSql.ExecuteAsync(clone, guard, ct);
            if (await GuardedSql.ScalarAsync<string>(clone, vacuumStatementQuery, ct) is { } vacuum)
            {
                await GuardedSql.ExecuteAsync(clone, vacuum, ct);
            }
        }

        var after = (await states.ReadStateAsync(runLock.Maintenance, ct)).SizeBytes ?? 0;
        return FamilyPreparation.WithNote(new LeverResult("compact", before != after,
            $"VACUUM (FULL, ANALYZE) done: {LifecycleDecider.FormatBytes(before)} -> {LifecycleDecider.FormatBytes(after)}"), leftovers);
    }
}
