using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary><c>branch gc --older-than D</c>: idle branches dropped, each under its own lock taken without waiting.</summary>
internal sealed class BranchGc(GovCloneSettings settings, BranchDatabases databases)
{
    /// <summary>
    /// <c>branch gc --older-than D</c>: drops every branch that is idle: no session on it, no lever holding its lock, last
    /// used (or, never completed, created) longer than <paramref name="olderThan"/> ago. Each under its own lock (taken
    /// without waiting: a busy branch is skipped), without FORCE: a session that connects meanwhile keeps it (its marker
    /// is put back). Branches with no marker (no time recorded) are reported, not dropped.
    /// </summary>
    public async Task<BranchGcResult> GcAsync(TimeSpan olderThan, bool dryRun, CancellationToken ct)
    {
        var connections = new Connections(settings);
        await using var maintenance = await connections.OpenMaintenanceAsync(ct);
        await using (var app = new NpgsqlCommand("SET application_name = 'govclone-lock:branch gc'", maintenance))
        {
            await app.ExecuteNonQueryAsync(ct);
        }

        var branches = await BranchCatalog.ReadAsync(maintenance, settings, ct, includeUnmarked: true);
        var dropped = new List<BranchInfo>();
        var skipped = new List<BranchSkipped>();
        var kept = 0;
        foreach (var b in branches)
        {
            if (b.State == BranchState.Unmarked)
            {
                skipped.Add(new BranchSkipped(b.Name, b.Database, "no marker, so no time is recorded (a create cut short): `govclone branch drop " + b.Name + "` removes it"));
                continue;
            }

            if (b.Sessions > 0)
            {
                kept++;
                continue;
            }

            if (b.State != BranchState.Invalid && !(b.Idle is { } idle && idle >= olderThan))
            {
                kept++;
                continue;
            }

            if (dryRun)
            {
                dropped.Add(b);
                continue;
            }

            var branch = BranchName.Of(settings, b.Name);
            var key = BranchLifecycle.LockKey(branch);
            if (!await TryLockAsync(maintenance, key, ct))
            {
                skipped.Add(new BranchSkipped(b.Name, b.Database, "busy: a govclone lever holds its lock"));
                continue;
            }

            try
            {
                var now = await databases.FindAsync(maintenance, branch, ct);
                if (now is null || now.Sessions > 0 || now.Marker?.LastUse != b.Marker?.LastUse)
                {
                    skipped.Add(new BranchSkipped(b.Name, b.Database, "used meanwhile"));
                    continue;
                }

                var statements = databases.DropStatements(b.Name, force: false); // what --dry-run prints
                await BranchGuardedSql.ExecuteAsync(maintenance, statements[0], ct);
                try
                {
                    await BranchGuardedSql.ExecuteAsync(maintenance, statements[1], ct);
                    dropped.Add(b);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse)
                {
                    // A session connected between the check and the drop: the branch stays, marked as it was.
                    await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase), BranchSql.Guard)
                        + $"COMMENT ON DATABASE {Guards.DatabaseNameGuard.QuoteIdentifier(branch.Database)} IS {Guards.DatabaseNameGuard.QuoteLiteral(b.Comment)};", ct);
                    skipped.Add(new BranchSkipped(b.Name, b.Database, "a session connected meanwhile"));
                }
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", maintenance);
                unlock.Parameters.AddWithValue(key);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        return new BranchGcResult(olderThan, dryRun, dropped, skipped, kept) { BranchSpare = await StaleBranchSpareAsync(maintenance, dryRun, ct) };
    }

    /// <summary>
    /// A branch spare that is not ready (stale: the template was re-cloned since; or a leftover of a remake cut short) is
    /// disk no create will take: dropped, under the spare lock (busy: left for the next `govclone spare`). A ready one stays.
    /// </summary>
    private async Task<string?> StaleBranchSpareAsync(NpgsqlConnection maintenance, bool dryRun, CancellationToken ct)
    {
        var spare = new BranchSpare(settings, new HostDisk(new ServerTransport(settings)));
        var state = await spare.ReadAsync(maintenance, ct);
        if (!state.Exists || state.Current)
        {
            return null;
        }

        if (dryRun)
        {
            return $"would drop the branch spare {spare.Name} (not a ready copy of the current template)";
        }

        var key = Guards.LockKeys.Spare(settings.CloneDatabase);
        if (!await TryLockAsync(maintenance, key, ct))
        {
            return $"left the branch spare {spare.Name}: `govclone spare` is making it";
        }

        try
        {
            await spare.DropAsync(maintenance, new LockHolder(maintenance.ProcessID, key), ct);
            return $"dropped the branch spare {spare.Name} (not a ready copy of the current template)";
        }
        catch (GuardException ex)
        {
            return $"left {spare.Name}: {ex.Message}";
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", maintenance);
            unlock.Parameters.AddWithValue(key);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection maintenance, long key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", maintenance);
        cmd.Parameters.AddWithValue(key);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
