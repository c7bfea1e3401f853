using GovClone.Configuration;
using GovClone.Sql;
using GovClone.Transport;

namespace GovClone.Lifecycle;

/// <summary>
/// seed and reset: the profile's state exactly (<c>sql/seed_committed_state.sql</c>, or <c>sql/reset_in_place.sql</c> for
/// the baseline), optionally after <c>sql/purge_foreign_rows.sql</c>, then the suite; anything but a passing suite is a
/// <see cref="StateNotReachedException"/>.
/// </summary>
internal sealed class SeedLever(GovCloneSettings settings, Connections connections, CloneStates states, FamilyPreparation family, CloneSuite suite)
{
    /// <summary>The lever (<c>seed</c> or <c>reset</c>): under the run lock, after the source's and the family's checks.</summary>
    public async Task<LeverResult> SeedAsync(string lever, SeedProfile profile, bool purgeForeign, CancellationToken ct)
    {
        await using var runLock = await RunLock.AcquireAsync(connections, settings, lever, ct);
        await states.RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await family.PrepareLockedAsync(runLock, adopt: false, ct);
        return FamilyPreparation.WithNote(await SeedLockedAsync(profile, purgeForeign, runLock, ct), leftovers);
    }

    public async Task<LeverResult> SeedLockedAsync(SeedProfile profile, bool purgeForeign, RunLock runLock, CancellationToken ct)
    {
        await states.RequireSourceAsync(runLock.Maintenance, ct);
        await states.RequireCompleteCloneAsync(runLock.Maintenance, ct);
        var file = profile == SeedProfile.Committed ? SqlScripts.SeedCommitted : SqlScripts.ResetInPlace;
        var lever = profile == SeedProfile.Committed ? "seed" : "reset";
        IReadOnlyList<MetricValue> before;
        IReadOnlyList<ForeignRowGroup> purged = [];
        var refused = false;
        await using (var clone = await connections.OpenCloneAsync(ct))
        {
            before = await GovernanceMetrics.ReadAsync(clone, ct);
            if (purgeForeign)
            {
                purged = await ForeignRows.ReadAsync(clone, ct);
                if (purged.Count > 0)
                {
                    await GuardedSql.ExecuteAsync(clone, SqlScripts.Get(SqlScripts.PurgeForeignRows), ct);
                }
            }

            try
            {
                await GuardedSql.ExecuteAsync(clone, SqlScripts.Get(file), ct);
            }
            catch (Npgsql.PostgresException ex) when (ex.SqlState == ForeignRows.RefusedSqlState)
            {
                refused = true; // the file's own check: nothing was changed (its transaction is dropped with this session)
            }
        }

        if (refused)
        {
            IReadOnlyList<ForeignRowGroup> foreign;
            await using (var clone = await connections.OpenCloneAsync(ct))
            {
                foreign = await ForeignRows.ReadAsync(clone, ct);
            }

            var now = await suite.VerifyCompleteCloneAsync(profile, ct);
            throw new StateNotReachedException(
                $"{lever}: {settings.CloneDatabase} cannot reach the {Name(profile)} state: it holds rows the seed did not write, and the seed and the reset delete only their own:\n"
                + string.Join('\n', foreign.Select(f => "  " + f)) + "\n"
                + $"Nothing was changed. Suite now: {Describe(now.Drift)}.\n"
                + $"Fix: if those rows may go, `govclone {lever} --purge-foreign` deletes them (every row of the governance tables that is not the seed's, and axis_* tables), then runs the {lever}; "
                + $"by hand: sql/{SqlScripts.PurgeForeignRows}, then sql/{file}. Or re-clone: `govclone clone --force`.",
                profile, now.Drift.ToArray(), foreign);
        }

        var verify = await suite.VerifyCompleteCloneAsync(profile, ct);
        if (!verify.Passed)
        {
            throw new StateNotReachedException(
                $"{lever}: ran sql/{file}, but the regression suite fails for the {Name(profile)} profile: {Describe(verify.Drift)}.\n"
                + "Fix: that drift is in what the seed does not write (production's own data, e.g. dot_tools or the governed collections behind gap): "
                + "re-clone (`govclone clone --force`, or bump govclone:cloneGeneration for a fresh copy of production), then seed.",
                profile, verify.Drift.ToArray(), []);
        }

        var after = verify.Checks.Select(c => c.Have!).ToArray();
        var changed = purged.Count > 0 || !before.SequenceEqual(after);
        var purgedNote = purged.Count == 0 ? string.Empty : $"deleted first (--purge-foreign): {string.Join("; ", purged)}; ";
        return new LeverResult(lever, changed, $"{lever} ({file}): {purgedNote}{ExpectedState.EvidenceLine(after)}; suite PASS");
    }

    private static string Name(SeedProfile profile) => profile.ToString().ToLowerInvariant();

    private static string Describe(IEnumerable<MetricCheck> drift)
    {
        var text = string.Join("; ", drift.Select(d => d.Describe()));
        return text.Length == 0 ? "PASS" : text;
    }
}
