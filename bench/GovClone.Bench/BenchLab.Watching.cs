using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace GovClone.Bench;

public sealed partial class BenchLab
{
    private static readonly int[] MachineBusyFields = [1, 2, 3, 6, 7, 8]; // cpu user nice system idle iowait irq softirq steal

    /// <summary>Runs govclone like <see cref="RunCliAsync(string[])"/>, handing each stdout line to <paramref name="onLine"/> as it arrives.</summary>
    public Task<TimedRun> RunCliWatchingAsync(Action<string> onLine, params string[] args) => RunCliAsync(onLine, args);

    /// <summary>
    /// Issue 26.1: one streams clone with --json (after dropping the clone), its events and the machine's busy ticks every
    /// 100 ms, as a timeline; with <paramref name="retainTemplate"/>, the clone keeps its retained template, as a first
    /// <c>up</c> does.
    /// </summary>
    public async Task<(CloneTimeline Timeline, TimedRun Run)> RecordTimelineAsync(bool retainTemplate = false)
    {
        await RunCliAsync("drop", "--yes");
        await SettleAsync();
        var events = new ConcurrentQueue<(double Arrived, string Json)>();
        var samples = new ConcurrentQueue<(double At, long BusyTicks)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                samples.Enqueue((clock.Elapsed.TotalSeconds, MachineBusyTicks()));
                try
                {
                    await Task.Delay(100, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        var run = await RunCliWatchingAsync(
            line =>
            {
                if (line.StartsWith('{'))
                {
                    events.Enqueue((clock.Elapsed.TotalSeconds, line));
                }
            },
            "clone", "--clone-method", "streams", "--retain-template", retainTemplate ? "true" : "false", "--json");
        await stop.CancelAsync();
        await sampler;
        return (CloneTimeline.FromEvents(events.ToList(), samples.ToList()), run);
    }

    private static long MachineBusyTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return MachineBusyFields.Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
    }
}
