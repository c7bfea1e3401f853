using System.Diagnostics;
using System.Globalization;
using GovClone.Bench;
using GovClone.Sandbox;
using Spectre.Console;

// bench/clone [--size 1.2GB | --sizes 0.3GB,1.2GB,3GB] [--rounds N] [--smoke] [--charts DIR]
// One source, grown from the smallest size to the largest; at each size every way runs once per round.
const string Usage = "usage: bench/clone [--size 1.2GB | --sizes 0.3GB,1.2GB,3GB] [--rounds N] [--smoke] [--charts DIR]";
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage);
    return 0;
}

// An argument it does not know is refused before anything starts (a mistyped option used to start the default 1.2 GB run).
for (var a = 0; a < args.Length; a++)
{
    if (args[a] is "--size" or "--sizes" or "--rounds" or "--charts" && a + 1 < args.Length)
    {
        a++;
    }
    else if (args[a] != "--smoke")
    {
        Console.Error.WriteLine($"bench/clone: '{args[a]}' is not an option here (or lacks its value). {Usage}");
        return 2;
    }
}

var inv = CultureInfo.InvariantCulture;
long[] sizes;
int rounds;
try
{
    sizes = (Arg("--sizes") ?? Arg("--size") ?? "1.2GB").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(SourceGenerator.ParseSize).Distinct().Order().ToArray();
    rounds = int.Parse(Arg("--rounds") ?? "3", NumberStyles.None, inv);
    if (rounds is < 1 or > 50 || sizes.Length is 0 or > 6 || sizes[0] < 16L * 1024 * 1024)
    {
        throw new FormatException();
    }
}
catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or GovClone.GovCloneException)
{
    Console.Error.WriteLine("bench/clone: --size takes a size of at least 16MB (e.g. 1.2GB), --sizes up to six of them separated by commas (e.g. 0.3GB,1.2GB,3GB), and --rounds a whole number from 1 to 50");
    return 2;
}

var smoke = args.Contains("--smoke");
var chartDirectory = Path.GetFullPath(Arg("--charts") ?? Path.Combine("bench", "results"));
var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
console.Profile.Width = 180;
var total = Stopwatch.StartNew();
void Log(string line) => Console.WriteLine(string.Create(inv, $"[{total.Elapsed.TotalSeconds,6:0.0}s] {line}"));

Log($"clone benchmark: source {string.Join(", ", sizes.Select(Stats.SizeLabel))}, {rounds} round(s) each; load average (1 min) {Stats.LoadAverage()}");
await using var lab = await BenchLab.StartAsync(Log);
var ways = new Ways(lab.Settings.CloneJobs);
var bench = new CloneBench(lab, ways, Log);
var machine = await lab.ScalarAsync<string>("postgres", """
    SELECT format('PostgreSQL %s, fsync %s, synchronous_commit %s, full_page_writes %s, wal_level %s, shared_buffers %s',
                  current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
                  current_setting('full_page_writes'), current_setting('wal_level'), current_setting('shared_buffers'))
    """);
var memGb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
machine = string.Create(inv, $"{Environment.ProcessorCount} cores, {long.Parse(memGb, inv) / (1024 * 1024)} GiB RAM, {machine}, cloneJobs {lab.Settings.CloneJobs}");
Log(machine);

var runs = new List<SizeRun>();
string? fixedCosts = null;
string? firstUpCosts = null;
foreach (var size in sizes)
{
    var run = await bench.MeasureAsync(size, rounds);
    runs.Add(run);
    if (runs.Count == 1)
    {
        // Issue 26.2: at the smallest size, where the fixed seconds weigh most, one more streams clone with --json (not
        // timed in the tables): where its seconds went, from the process's start to its exit.
        var (small, smallRun) = await lab.RecordTimelineAsync();
        fixedCosts = smallRun.ExitCode == 0 ? small.FixedCosts(smallRun.Seconds) : null;
        if (fixedCosts is null)
        {
            bench.Failures.Add($"fixed seconds: govclone {smallRun.Command} exited {smallRun.ExitCode} without a ready event:\n{smallRun.Output}");
        }

        Log($"fixed seconds at {run.Label}: {fixedCosts ?? "none (the failure is listed at the end)"}");

        // And the template a first `up` keeps: the same clone again, keeping its retained template (a FILE_COPY after
        // ready), split at its ready and template events.
        var (up, upRun) = await lab.RecordTimelineAsync(retainTemplate: true);
        firstUpCosts = upRun.ExitCode == 0 ? up.FirstUpCosts(upRun.Seconds) : null;
        if (firstUpCosts is null)
        {
            bench.Failures.Add($"first up's template: govclone {upRun.Command} exited {upRun.ExitCode} without a ready event and a kept template:\n{upRun.Output}");
        }

        Log($"first up at {run.Label} (the clone, then its retained template): {firstUpCosts ?? "none (the failure is listed at the end)"}");
    }
    Console.WriteLine();
    console.Write(Report.SizeTable(run, rounds, ways));
    foreach (var note in Report.SizeNotes(run, ways))
    {
        Console.WriteLine(note);
    }

    console.Write(Report.LeverTable(run));
    Console.WriteLine();
}

// At the largest size, once: one snapshot under a live writer, and the lanes' sort memory on the same index builds.
var largest = runs[^1];
Log($"consistency at {largest.Label}: a streams clone while a writer inserts activity+revision pairs into the source");
var consistency = await bench.ConsistencyUnderWriterAsync(largest);
Log(consistency);
Log("sort memory: the big tables' index builds as a lane runs them, in maintenance_work_mem and in the lane's sort memory");
var probe = await bench.SortMemoryAsync(rounds);
Log("copy path: the largest table's rows through the engine's psql relays and through a server-side FIFO, alternately");
var copyPath = await bench.CopyPathAsync(rounds);

// Issue 26.1: the timeline of one streams clone at the largest size (not timed in the tables).
Log($"timeline at {largest.Label}: one streams clone with --json, the engine's events (ms) and the machine's cores busy every 100 ms");
var (timeline, timelineRun) = await lab.RecordTimelineAsync();
if (timelineRun.ExitCode != 0 || timeline.Spans.Count == 0)
{
    bench.Failures.Add($"timeline: govclone {timelineRun.Command} exited {timelineRun.ExitCode} with {timeline.Spans.Count} span(s):\n{timelineRun.Output}");
}

foreach (var finding in timeline.Findings())
{
    Log("  " + finding);
}

Console.WriteLine();
if (probe.Indexes.Count > 0)
{
    console.Write(Report.SortTable(probe, largest, rounds, lab.Settings.MaintenanceWorkMem));
}

if (copyPath.Skipped is null)
{
    console.Write(Report.CopyPathTable(copyPath, largest, rounds));
}
else
{
    Console.WriteLine($"copy path: skipped, the server-side FIFO did not run ({copyPath.Skipped})");
}

if (runs.Count > 1)
{
    console.Write(Report.GrowthTable(runs, ways));
}

// The headline size: the one nearest production's 1.2 GB (the default), on a log scale.
var headline = runs.MinBy(r => Math.Abs(Math.Log((double)r.RequestedBytes / Report.PeerTargetFromBytes)))!;
var targets = Report.Targets(runs, headline, ways).ToList();
foreach (var t in targets)
{
    Console.WriteLine(t);
}

foreach (var f in bench.Failures)
{
    Console.WriteLine("FAILED: " + f);
}

try
{
    var written = Charts.SizeChart(runs, ways, chartDirectory).Concat(Charts.TimelineChart(timeline, largest.Label, chartDirectory));
    Console.WriteLine("charts: " + string.Join(", ", written.Select(p => Path.GetRelativePath(Environment.CurrentDirectory, p))));
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TypeInitializationException or DllNotFoundException)
{
    bench.Failures.Add($"charts: could not write them to {chartDirectory} ({ex.GetType().Name}: {ex.Message}); --charts DIR names another folder");
}

Console.WriteLine(string.Create(inv, $"machine: {machine}; sources {string.Join(", ", runs.Select(r => $"{r.SourceBytes / (1024 * 1024)} MB"))}; the last line is at {headline.Label}; {total.Elapsed.TotalSeconds:0} s in all"));
if (fixedCosts is not null)
{
    Console.WriteLine($"fixed seconds at {runs[0].Label}, one streams clone: {fixedCosts}");
}

if (firstUpCosts is not null)
{
    Console.WriteLine($"first up at {runs[0].Label}, the same clone keeping its retained template: {firstUpCosts}");
}

foreach (var run in runs)
{
    Console.WriteLine(SummaryLines.For(run, ways));
}

Console.WriteLine(Report.LastLine(runs, headline, ways));
return bench.Failures.Count > 0 ? 1 : smoke || targets.All(t => t.Met != false) ? 0 : 3;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
