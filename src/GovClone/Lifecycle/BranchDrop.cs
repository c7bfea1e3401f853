using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Transport;

namespace GovClone.Lifecycle;

/// <summary><c>branch drop NAME</c>: under the branch's own lock, behind the branch guard.</summary>
internal sealed class BranchDrop(GovCloneSettings settings, BranchDatabases databases)
{
    /// <summary><c>branch drop NAME</c>: under the branch's lock, behind the branch guard, unmarks and drops it (its sessions ended). A second drop is a no-op.</summary>
    public async Task<LeverResult> DropAsync(string name, CancellationToken ct)
    {
        var branch = BranchName.Of(settings, name);
        var on = databases.On(branch);
        await using var runLock = await RunLock.AcquireAsync(new Connections(on), on, "branch drop", ct);
        var existing = await databases.FindAsync(runLock.Maintenance, branch, ct);
        var exists = await BranchGuardedSql.ScalarAsync<int?>(runLock.Maintenance, $"SELECT 1 FROM pg_database WHERE datname = {Guards.DatabaseNameGuard.QuoteLiteral(branch.Database)}", ct) is not null;
        await databases.DropLockedAsync(runLock.Maintenance, branch, force: true, ct);
        return exists
            ? new LeverResult("branch drop", true, $"dropped the branch {branch.Database}{(existing is null ? string.Empty : $" ({BranchDatabases.Describe(existing.State)}, owner {existing.Owner}, {LifecycleDecider.FormatBytes(existing.SizeBytes ?? 0)})")}; its sessions were ended")
            : new LeverResult("branch drop", false, $"{branch.Database} does not exist; nothing to drop");
    }
}
