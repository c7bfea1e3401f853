using System.Diagnostics;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Decision;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// The branches' budget: govclone:maxBranches and govclone:branchMinFreeBytes (the host's free space by
/// <see cref="HostDisk"/>), checked before a copy and again after it under the clone's short budget lock.
/// </summary>
internal sealed class BranchBudget(GovCloneSettings settings, HostDisk disk)
{
    /// <summary>
    /// govclone:maxBranches and govclone:branchMinFreeBytes. Before the copy: the (marked) branches there are and one more,
    /// and the free space less the template's size. After it, under the budget lock: the branch marks itself incomplete
    /// first, then counts the marked branches, itself among them (of two creates at once the second to count sees the
    /// first's mark), and the free space as it is now. Refused: exit 2, naming the setting.
    /// </summary>
    public async Task CheckAsync(NpgsqlConnection maintenance, BranchName branch, long copyBytes, bool afterCopy, CancellationToken ct)
    {
        await CheckCountAsync(maintenance, branch, afterCopy, ct);
        if (settings.BranchMinFreeBytes <= 0)
        {
            return;
        }

        var (free, _) = await disk.MeasureAsync(maintenance, ct);
        free ??= settings.HostFreeBytes;
        if (free is null)
        {
            throw new GuardException(SettingKeys.BranchMinFreeBytes.ConfigKey,
                $"the host's free space cannot be measured (no df of the data directory through the transport), so a branch's copy cannot be held to the floor of {LifecycleDecider.FormatBytes(settings.BranchMinFreeBytes)}; nothing was changed",
                "set govclone:hostFreeBytes to the host's free bytes, or govclone:branchMinFreeBytes to 0 to copy without a floor");
        }

        var after = free.Value - copyBytes;
        if (after < settings.BranchMinFreeBytes)
        {
            throw new GuardException(SettingKeys.BranchMinFreeBytes.ConfigKey,
                afterCopy
                    ? $"after copying {branch.Database} the host has {LifecycleDecider.FormatBytes(free.Value)} free, under the floor of {LifecycleDecider.FormatBytes(settings.BranchMinFreeBytes)}; the copy was dropped again, nothing was changed"
                    : $"the host has {LifecycleDecider.FormatBytes(free.Value)} free; a copy of the template ({LifecycleDecider.FormatBytes(copyBytes)}) would leave {LifecycleDecider.FormatBytes(Math.Max(0, after))}, under the floor of {LifecycleDecider.FormatBytes(settings.BranchMinFreeBytes)}; nothing was changed",
                "free space on the host (`govclone branch gc --older-than 24h` drops idle branches), or lower govclone:branchMinFreeBytes");
        }
    }

    /// <summary>
    /// govclone:maxBranches alone: the (marked) branches there are, this one among them. After the ready branch spare's
    /// rename this is the whole after-copy check: a rename writes no byte, and the free space was held to the floor before
    /// it (a copy of 0 bytes: the spare is on the host already), so a second df through the transport would prove nothing more.
    /// </summary>
    public async Task CheckCountAsync(NpgsqlConnection maintenance, BranchName branch, bool afterCopy, CancellationToken ct)
    {
        var branches = await BranchCatalog.ReadAsync(maintenance, settings, ct);
        var others = branches.Where(b => b.Database != branch.Database).ToList();
        var count = others.Count + 1;
        if (count > settings.MaxBranches)
        {
            throw new GuardException(SettingKeys.MaxBranches.ConfigKey,
                $"{settings.CloneDatabase} has {others.Count} branch(es) ({string.Join(", ", others.Select(b => b.Name))}) and allows at most {settings.MaxBranches}; {branch.Name} was {(afterCopy ? "dropped again: another create took the last place meanwhile" : "not made")}, nothing was changed",
                "drop one (`govclone branch drop NAME`, or `govclone branch gc --older-than 24h` for idle ones), or raise govclone:maxBranches");
        }
    }

    public async Task WithLockAsync(NpgsqlConnection maintenance, Func<Task> action, CancellationToken ct)
    {
        var key = BranchLifecycle.BudgetKey(settings.CloneDatabase);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            await using (var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", maintenance))
            {
                cmd.Parameters.AddWithValue(key);
                if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
                {
                    break;
                }
            }

            if (waited.Elapsed.TotalSeconds >= settings.LockTimeoutSeconds)
            {
                throw new OperationFailedException($"another branch create holds the branch budget lock of {settings.CloneDatabase}; waited {settings.LockTimeoutSeconds}s. Let it finish, or raise govclone:lockTimeoutSeconds.");
            }

            await Task.Delay(100, ct);
        }

        try
        {
            await action();
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", maintenance);
            unlock.Parameters.AddWithValue(key);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
