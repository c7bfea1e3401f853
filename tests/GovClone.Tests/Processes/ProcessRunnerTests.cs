using System.Globalization;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Tests.Support;

namespace GovClone.Tests.Processes;

/// <summary>Waiting ends in a kill: a cancelled or timed-out child leaves nothing running behind it.</summary>
public class ProcessRunnerTests
{
    /// <summary>bash that starts a long sleep, prints "pid N" for it, then waits: a stand-in for a tool that hangs.</summary>
    private static ProcessSpec Hanging(Action<int> onPid) =>
        new("bash", ["-c", "sleep 600 & echo \"pid $!\"; wait"])
        {
            OnOutputLine = line =>
            {
                if (line.StartsWith("pid ", StringComparison.Ordinal))
                {
                    onPid(int.Parse(line[4..], CultureInfo.InvariantCulture));
                }
            },
        };

    /// <summary>Gone, or dead and waiting only to be reaped (a zombie).</summary>
    private static bool IsDead(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    [LinuxFact]
    public async Task Cancelling_a_run_kills_the_whole_process_tree()
    {
        using var cts = new CancellationTokenSource();
        var grandchild = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ProcessRunner.RunAsync(Hanging(pid =>
        {
            grandchild.TrySetResult(pid);
            cts.Cancel();
        }), cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var pid = await grandchild.Task;
        await Eventually.HoldsAsync(() => IsDead(pid), $"the child's own child (sleep, pid {pid}) still runs after the cancel");
    }

    [LinuxFact]
    public async Task A_disk_measurement_that_times_out_kills_df_and_goes_without()
    {
        int? pid = null;
        var (free, total) = await HostDisk.DiskFreeAsync(Hanging(p => pid = p), TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Null(free);
        Assert.Null(total);
        Assert.True(pid is not null, "the stand-in df did not start within the timeout");
        await Eventually.HoldsAsync(() => IsDead(pid!.Value), $"the timed-out df's child (sleep, pid {pid}) still runs");
    }

    [Fact]
    public async Task A_disk_measurement_reads_df_s_total_and_free_bytes()
    {
        var df = new ProcessSpec("bash", ["-c", "echo '/dev/sda1 1000 400 600 40% /var/lib/postgresql'"]);
        Assert.Equal((600L, 1000L), await HostDisk.DiskFreeAsync(df, TimeSpan.FromMinutes(2), CancellationToken.None));
    }
}
