using GovClone.Configuration;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// The seed, the reset and the regression suite on a branch: the very files the clone's levers send
/// (<c>sql/seed_committed_state.sql</c>, <c>sql/reset_in_place.sql</c>, <c>sql/metrics.sql</c>), through a connection
/// that proved <c>current_database()</c> is the branch and pinned <c>govclone.expected_database</c> to it, so the files'
/// own guard block refuses any other database. As the clone's seed: it refuses, changing nothing, while the branch
/// holds rows the seed did not write (unless asked to purge them), and it returns only when the suite passes.
/// </summary>
internal static class BranchSeeding
{
    public static async Task<VerifyResult> VerifyAsync(Connections branch, SeedProfile profile, CancellationToken ct)
    {
        await using var conn = await branch.OpenCloneAsync(ct);
        return await VerifyAsync(conn, profile, ct);
    }

    /// <summary>
    /// The suite on the branch with its masking proof (issue 25.3), over one connection to it: what <c>branch create</c>'s
    /// suite step and <c>verify --branch</c> report. The proof is of the masking in force (<paramref name="on"/>'s
    /// govclone:masking, which the branch's parent clone was made under): per masked column, the branch's values that are
    /// production's. The branch is a copy of the masked template, and its seed may write: the proof reads what it holds now.
    /// </summary>
    public static async Task<VerifyResult> SuiteAsync(Connections branch, GovCloneSettings on, SeedProfile profile, CancellationToken ct)
    {
        await using var conn = await branch.OpenCloneAsync(ct);
        var suite = await VerifyAsync(conn, profile, ct);
        return suite with { Masking = await Masking.MaskingProof.ReadAsync(branch, on, conn, ct) };
    }

    private static async Task<VerifyResult> VerifyAsync(NpgsqlConnection conn, SeedProfile profile, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var ro = new NpgsqlCommand("SET TRANSACTION READ ONLY", conn, tx))
        {
            await ro.ExecuteNonQueryAsync(ct);
        }

        var metrics = await GovernanceMetrics.ReadAsync(conn, ct);
        await tx.CommitAsync(ct);
        return new VerifyResult(profile, ExpectedState.Compare(ExpectedState.For(profile), metrics));
    }

    /// <summary>
    /// Seeds the branch <paramref name="database"/> to <paramref name="profile"/>; throws <see cref="StateNotReachedException"/>
    /// (exit 1) unless the suite then passes. With <paramref name="onlyWhenSuiteDiffers"/> (<c>branch create</c>), a branch
    /// whose suite passes for the profile already is left as it is (changed: false), read in the same look as the seed's
    /// own "before".
    /// </summary>
    public static async Task<LeverResult> SeedAsync(Connections branch, string database, SeedProfile profile, bool purgeForeign, bool onlyWhenSuiteDiffers, CancellationToken ct)
    {
        var file = profile == SeedProfile.Committed ? SqlScripts.SeedCommitted : SqlScripts.ResetInPlace;
        var lever = profile == SeedProfile.Committed ? "seed" : "reset";
        var name = profile.ToString().ToLowerInvariant();
        IReadOnlyList<MetricValue> before;
        IReadOnlyList<ForeignRowGroup> purged = [];
        var refused = false;
        VerifyResult? verify = null;
        await using (var conn = await branch.OpenCloneAsync(ct))
        {
            before = await GovernanceMetrics.ReadAsync(conn, ct);
            if (onlyWhenSuiteDiffers && new VerifyResult(profile, ExpectedState.Compare(ExpectedState.For(profile), before)).Passed)
            {
                return new LeverResult(lever, false, $"the branch is at the {name} profile already; nothing written");
            }

            if (purgeForeign)
            {
                purged = await ForeignRows.ReadAsync(conn, ct);
                if (purged.Count > 0)
                {
                    await BranchGuardedSql.ExecuteAsync(conn, SqlScripts.Get(SqlScripts.PurgeForeignRows), ct);
                }
            }

            try
            {
                await BranchGuardedSql.ExecuteAsync(conn, SqlScripts.Get(file), ct);
                // The suite after the seed, in this same session (the file committed; a new read-only transaction sees it).
                verify = await VerifyAsync(conn, profile, ct);
            }
            catch (PostgresException ex) when (ex.SqlState == ForeignRows.RefusedSqlState)
            {
                refused = true; // the file's own check: nothing was changed (its session aborted: read again in a new one)
            }
        }

        if (refused)
        {
            IReadOnlyList<ForeignRowGroup> foreign;
            await using (var conn = await branch.OpenCloneAsync(ct))
            {
                foreign = await ForeignRows.ReadAsync(conn, ct);
            }

            var now = await VerifyAsync(branch, profile, ct);
            throw new StateNotReachedException(
                $"{lever}: the branch {database} cannot reach the {name} state: it holds rows the seed did not write, and the seed and the reset delete only their own:\n"
                + string.Join('\n', foreign.Select(f => "  " + f)) + "\n"
                + $"Nothing was changed. Fix: if those rows may go, `govclone {lever} --branch NAME --purge-foreign`; or drop the branch and create it again.",
                profile, now.Drift.ToArray(), foreign);
        }

        // Not refused: the try above ran the seed and then the suite, in the seed's session.
        if (!verify!.Passed)
        {
            throw new StateNotReachedException(
                $"{lever}: ran sql/{file} on the branch {database}, but the regression suite fails for the {name} profile: "
                + string.Join("; ", verify.Drift.Select(d => d.Describe())) + ".",
                profile, verify.Drift.ToArray(), []);
        }

        var after = verify.Checks.Select(c => c.Have!).ToArray();
        var changed = purged.Count > 0 || !before.SequenceEqual(after);
        var purgedNote = purged.Count == 0 ? string.Empty : $"deleted first (--purge-foreign): {string.Join("; ", purged)}; ";
        return new LeverResult(lever, changed, $"{lever} ({file}) on the branch {database}: {purgedNote}{ExpectedState.EvidenceLine(after)}; suite PASS");
    }
}
