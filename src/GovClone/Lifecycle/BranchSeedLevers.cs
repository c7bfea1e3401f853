using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Transport;

namespace GovClone.Lifecycle;

/// <summary><c>seed</c>, <c>reset</c> and <c>verify</c> with <c>--branch NAME</c>: under the branch's own lock, on a complete branch, its use recorded.</summary>
internal sealed class BranchSeedLevers(GovCloneSettings settings, BranchDatabases databases)
{
    /// <summary><c>govclone seed --branch NAME</c> (and <c>reset --branch NAME</c>: the baseline): under the branch's lock, on a complete branch.</summary>
    public async Task<LeverResult> SeedAsync(string name, SeedProfile profile, bool purgeForeign, CancellationToken ct)
    {
        var branch = BranchName.Of(settings, name);
        var on = databases.On(branch);
        var connections = new Connections(on);
        await using var runLock = await RunLock.AcquireAsync(connections, on, profile == SeedProfile.Committed ? "seed" : "reset", ct);
        await databases.RequireCompleteAsync(runLock.Maintenance, branch, ct);
        try
        {
            return await BranchSeeding.SeedAsync(connections, branch.Database, profile, purgeForeign, onlyWhenSuiteDiffers: false, ct);
        }
        finally
        {
            await databases.TouchAsync(runLock.Maintenance, branch, CancellationToken.None);
        }
    }

    /// <summary><c>govclone verify --branch NAME</c>: the suite on a complete branch (read-only; records the use).</summary>
    public async Task<VerifyResult> VerifyAsync(string name, SeedProfile? profile, CancellationToken ct)
    {
        var branch = BranchName.Of(settings, name);
        var on = databases.On(branch);
        var connections = new Connections(on);
        await using var runLock = await RunLock.AcquireAsync(connections, on, "verify", ct);
        await databases.RequireCompleteAsync(runLock.Maintenance, branch, ct);
        var result = await BranchSeeding.SuiteAsync(connections, on, profile ?? settings.SeedProfile, ct);
        await databases.TouchAsync(runLock.Maintenance, branch, ct);
        return result;
    }
}
