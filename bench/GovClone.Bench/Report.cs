using System.Globalization;
using Spectre.Console;

namespace GovClone.Bench;

/// <summary>A target the bench checks: met, missed, or (Met null) not applicable to this run's sizes.</summary>
public sealed record Target(string Name, bool? Met, string Have)
{
    public override string ToString() => $"target {(Met switch { true => "met   ", false => "MISSED", null => "n/a   " })} {Name}: {Have}";
}

/// <summary>The bench's tables, targets and last line, from what <see cref="CloneBench"/> measured.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Sizes from this one up carry the target against the fastest peer (production is 1.2 GB today).</summary>
    public const long PeerTargetFromBytes = 1_200_000_000;

    public static Table SizeTable(SizeRun run, int rounds, Ways ways)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ways);
        var table = new Table()
            .Title(string.Create(Inv, $"{run.Label}: fresh clone of a {run.SourceBytes / (1024 * 1024)} MB source, {rounds} round(s), wall seconds incl. govclone's process start"))
            .AddColumns("way", "median s", "min-max s", "s/GB", "vs plain", "CPU-s srv+tools", "cores", "peak RSS", "clone = source", "suite");
        var plain = run[ways.Plain].Median;
        foreach (var way in ways.All)
        {
            var stats = run[way];
            if (!stats.Measured)
            {
                table.AddRow(Markup.Escape(way.Name), "skipped", "-", "-", "-", "-", "-", "-", "-", "-");
                continue;
            }

            var m = stats.Median;
            table.AddRow(Markup.Escape(way.Name), F(m), $"{F(stats.Seconds.Min())}-{F(stats.Seconds.Max())}",
                F(m / run.Gigabytes),
                way == ways.Plain ? "1.00" : (plain / m).ToString("0.00", Inv) + "x",
                Cpu(stats.MedianCpu),
                (stats.MedianCpu.Own / m).ToString("0.00", Inv),
                way.Kind == WayKind.Govclone ? Mb(stats.PeakRssBytes) : "-",
                Markup.Escape(stats.Equal), Markup.Escape(stats.Suite));
        }

        return table;
    }

    /// <summary>Lines under a size's table: skipped ways and why, the fastest peer, the machine's load.</summary>
    public static IEnumerable<string> SizeNotes(SizeRun run, Ways ways)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ways);
        foreach (var (way, stats) in run.Ways.Where(kv => kv.Value.Skipped is not null))
        {
            yield return $"skipped: {way.Name}: {stats.Skipped}";
        }

        if (run.FastestPeer is { } peer)
        {
            yield return string.Create(Inv, $"fastest peer: {peer.Way.PeerName} {F(peer.Seconds)} s; govclone's first clone {peer.Seconds / run[ways.Streams].Median:0.00}x as fast");
        }

        yield return string.Create(Inv, $"CPU-s: median CPU-seconds of the way's own processes: the server's backends and workers (srv) + the tools the way ran (govclone, psql, pg_dump, pg_restore, pgcopydb); cores: those CPU-seconds per wall second ({Environment.ProcessorCount} cores: at most {Environment.ProcessorCount}.00)");
        yield return string.Create(Inv, $"other work on the machine kept {run.OthersShare:P0} of its cores busy while the ways ran; load average (1 min) {run.LoadAverage}");
    }

    public static Table LeverTable(SizeRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var table = new Table().Title($"{run.Label}: levers on a converged clone (wall s incl. process start)").AddColumns("lever", "median s", "max s");
        foreach (var (lever, list) in run.Levers)
        {
            table.AddRow(lever, F(Stats.Median(list)), F(list.Max()));
        }

        return table;
    }

    /// <summary>How each way's seconds per GB change from the smallest size to the largest (1.00: linear).</summary>
    public static Table GrowthTable(IReadOnlyList<SizeRun> runs, Ways ways)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(ways);
        var (small, large) = (runs[0], runs[^1]);
        var table = new Table()
            .Title($"how each way's cost grows: seconds per GB at {large.Label} / at {small.Label} (1.00 = linear)")
            .AddColumns("way", $"s/GB at {small.Label}", $"s/GB at {large.Label}", "growth", "peak RSS");
        foreach (var way in ways.All.Where(w => small[w].Measured && large[w].Measured))
        {
            var (a, b) = (small[way].Median / small.Gigabytes, large[way].Median / large.Gigabytes);
            table.AddRow(Markup.Escape(way.Name), F(a), F(b), (b / a).ToString("0.00", Inv),
                way.Kind == WayKind.Govclone ? $"{Mb(small[way].PeakRssBytes)} -> {Mb(large[way].PeakRssBytes)}" : "-");
        }

        return table;
    }

    public static Table SortTable(SortProbe probe, SizeRun run, int rounds, string maintenanceWorkMem)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(run);
        var lanes = string.Join(", ", probe.Indexes.DistinctBy(i => i.Table).Select(i => string.Create(Inv, $"{i.Table} {i.LaneKilobytes / 1024} MB")));
        var cap = Stats.Median(probe.Cap.Seconds);
        return new Table()
            .Title(string.Create(Inv, $"{run.Label}: the big tables' {probe.Indexes.Count} index builds, as a lane runs them (no parallel workers), {rounds} round(s)"))
            .AddColumns("sort memory", "median s", "CPU-s", "vs maintenance_work_mem")
            .AddRow(Markup.Escape($"maintenance_work_mem ({maintenanceWorkMem})"), F(cap), Stats.Median(probe.Cap.Cpu).ToString("0.0", Inv), "1.00")
            .AddRow(Markup.Escape($"the lane's: {lanes}"), F(Stats.Median(probe.Lane.Seconds)), Stats.Median(probe.Lane.Cpu).ToString("0.0", Inv),
                (cap / Stats.Median(probe.Lane.Seconds)).ToString("0.00", Inv) + "x");
    }

    /// <summary>The copy path's probe: the engine's psql relays against a server-side FIFO, on one big table.</summary>
    public static Table CopyPathTable(CopyPathProbe probe, SizeRun run, int rounds)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(run);
        var relaysCpu = Stats.Median(probe.Relays.Cpu);
        var fifoCpu = Stats.Median(probe.Fifo.Cpu);
        return new Table()
            .Title(string.Create(Inv, $"{run.Label}: {probe.Table}'s {probe.SourceRows:N0} rows, source to a scratch database, {rounds} round(s) (the FIFO is not a way govclone uses: docs/benchmark.md)"))
            .AddColumns("path", "median s", "CPU-s srv+tools", "CPU vs relays")
            .AddRow("the engine's: COPY TO STDOUT | psql relays (stdbuf 64 kB) | COPY FROM STDIN", F(Stats.Median(probe.Relays.Seconds)), relaysCpu.ToString("0.00", Inv), "1.00")
            .AddRow(Markup.Escape("server-side FIFO: COPY … TO and COPY … FROM the same file"), F(Stats.Median(probe.Fifo.Seconds)), fifoCpu.ToString("0.00", Inv),
                (fifoCpu / relaysCpu).ToString("0.00", Inv));
    }

    /// <summary>
    /// The targets: those of one size on the headline size (the one nearest production's 1.2 GB); the ones issue
    /// 15 sets per size at every size they apply to.
    /// </summary>
    public static IEnumerable<Target> Targets(IReadOnlyList<SizeRun> runs, SizeRun headline, Ways ways)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(headline);
        ArgumentNullException.ThrowIfNull(ways);
        var h = $"[{headline.Label}]";
        var firstClone = VsPlain(headline, ways.Streams, ways);
        var reClone = VsPlain(headline, ways.Template, ways);
        yield return new($"{h} first clone >= 1.50x plain", firstClone >= 1.5, X(firstClone));
        yield return new($"{h} re-clone >= 5.00x plain", reClone >= 5, X(reClone));
        foreach (var (lever, limit) in new[] { ("noop up", 2.0), ("reset", 1.0), ("suite (verify)", 1.0) })
        {
            var seconds = Stats.Median(headline.Levers[lever]);
            yield return new(string.Create(Inv, $"{h} {lever} < {limit:0} s"), seconds < limit, F(seconds) + " s");
        }

        foreach (var run in runs)
        {
            var r = $"[{run.Label}]";
            if (run.RequestedBytes >= PeerTargetFromBytes)
            {
                yield return VsPeer(run, ways);
            }

            var vsLimit = run[ways.Template].Median / run[ways.FileCopy].Median;
            var firstUp = VsPlain(run, ways.StreamsTemplate, ways);
            var peak = run.PeakRssBytes / (1024.0 * 1024);
            yield return new($"{r} re-clone within 1.30x of the file-copy limit", vsLimit <= 1.3, X(vsLimit));
            var ready = run[ways.Ready].Median;
            var forceSeed = run[ways.ForceSeed].Median;
            yield return new($"{r} re-clone ready (clone --force to a fresh complete clone) < 1 s", ready < 1, F(ready) + " s, " + X(ready / run[ways.FileCopy].Median) + " of the file-copy limit");
            yield return new($"{r} clone --force && seed < 2 s", forceSeed < 2, F(forceSeed) + " s");
            var branch = run[ways.Branch].Median / run[ways.Template].Median;
            yield return new($"{r} branch create + seed + suite within 1.50x of a template re-clone", branch <= 1.5, X(branch));
            yield return new($"{r} first up (clone + retained template) >= 1.50x plain", firstUp >= 1.5, X(firstUp));
            yield return new($"{r} peak RSS < 150 MB", peak < 150, peak.ToString("0", Inv) + " MB");
            foreach (var (masked, profile) in new[] { (ways.MaskedCredentials, "credentials"), (ways.MaskedPersonal, "personal") })
            {
                var ratio = run[masked].Median / run[ways.Streams].Median;
                yield return new($"{r} first clone masked ({profile}) within 1.15x of unmasked", ratio <= 1.15, X(ratio) + " the unmasked streams clone's time");
            }
        }

        if (!runs.Any(r => r.RequestedBytes >= PeerTargetFromBytes))
        {
            var have = headline.FastestPeer is { } p ? X(p.Seconds / headline[ways.Streams].Median) + $" vs {p.Way.PeerName} at {headline.Label}" : "no peer ran";
            yield return new($"first clone >= 2.00x the fastest peer (at {Stats.SizeLabel(PeerTargetFromBytes)} and up; none in this run)", null, have);
        }
    }

    /// <summary>
    /// The last line, for parsers (.ci/run, tests, the README): every field of the line before issue 15 in its
    /// place, the best peer added after re-clone.
    /// </summary>
    public static string LastLine(IReadOnlyList<SizeRun> runs, SizeRun headline, Ways ways)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(headline);
        ArgumentNullException.ThrowIfNull(ways);
        var peer = headline.FastestPeer is { } p
            ? string.Create(Inv, $"{p.Seconds / headline[ways.Streams].Median:0.00} ({p.Way.PeerName})")
            : "- (none)";
        var peak = runs.Max(r => r.PeakRssBytes) / (1024.0 * 1024);
        return string.Create(Inv,
            $"speedup vs plain: first-clone {VsPlain(headline, ways.Streams, ways):0.00}, re-clone {VsPlain(headline, ways.Template, ways):0.00}; vs best peer {peer}; noop-up {Stats.Median(headline.Levers["noop up"]):0.00} s; reset {Stats.Median(headline.Levers["reset"]):0.00} s; suite {Stats.Median(headline.Levers["suite (verify)"]):0.00} s; peak-rss {peak:0} MB");
    }

    private static Target VsPeer(SizeRun run, Ways ways)
    {
        var name = $"[{run.Label}] first clone >= 2.00x the fastest peer";
        return run.FastestPeer is { } p
            ? new($"{name} ({p.Way.PeerName} {F(p.Seconds)} s)", p.Seconds / run[ways.Streams].Median >= 2, X(p.Seconds / run[ways.Streams].Median))
            : new(name, false, "no peer ran");
    }

    private static double VsPlain(SizeRun run, Way way, Ways ways) => run[ways.Plain].Median / run[way].Median;

    private static string F(double seconds) => seconds.ToString("0.00", Inv);

    private static string Cpu(Cpu cpu) => string.Create(Inv, $"{cpu.Own:0.0} ({cpu.Server:0.0}+{cpu.Tools:0.0})");

    private static string X(double ratio) => ratio.ToString("0.00", Inv) + "x";

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("0", Inv) + " MB";
}
