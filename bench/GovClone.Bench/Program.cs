using System.Diagnostics;
using System.Globalization;
using GovClone.Bench;
using GovClone.Sandbox;
using GovClone.Tests.Support;
using Npgsql;
using Spectre.Console;

// bench/clone [--size 1.2GB] [--rounds N] [--smoke]
// Every round runs each way once, in the same order, so drift of the machine touches all ways alike.
var inv = CultureInfo.InvariantCulture;
long size;
int rounds;
try
{
    size = SourceGenerator.ParseSize(Arg("--size") ?? "1.2GB");
    rounds = int.Parse(Arg("--rounds") ?? "3", NumberStyles.None, inv);
    if (rounds is < 1 or > 50 || size < 16L * 1024 * 1024)
    {
        throw new FormatException();
    }
}
catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
{
    Console.Error.WriteLine("bench/clone: --size takes a size of at least 16MB (e.g. 1.2GB) and --rounds a whole number from 1 to 50");
    return 2;
}

var smoke = args.Contains("--smoke");
var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
console.Profile.Width = 150;
var total = Stopwatch.StartNew();
void Log(string line) => Console.WriteLine(string.Create(inv, $"[{total.Elapsed.TotalSeconds,6:0.0}s] {line}"));

const string PlainWay = "plain: pg_dump | psql, then ANALYZE (the runbook)";
const string StreamsWay = "govclone first clone: streams (clone --clone-method streams)";
const string StreamsTemplateWay = "govclone first clone + retained template (what `up` does first)";
const string TemplateWay = "govclone re-clone from the retained template (clone --force)";
const string SourceTemplateWay = "govclone source-template (explicit; idle source only)";
const string FileCopyWay = "file-copy limit: cp of the database's files + sync";
string[] ways = [PlainWay, StreamsWay, StreamsTemplateWay, TemplateWay, SourceTemplateWay, FileCopyWay];
var times = ways.ToDictionary(w => w, _ => new List<double>());
var cpuTimes = ways.ToDictionary(w => w, _ => new List<double>());
var equal = new Dictionary<string, string>();
var suite = new Dictionary<string, string>();
var levers = new Dictionary<string, List<double>> { ["noop up"] = [], ["reset"] = [], ["suite (verify)"] = [] };
var failures = new List<string>();
long peakRss = 0;

Log($"clone benchmark: source ~{size / (1024 * 1024)} MB, {rounds} round(s)");
await using var lab = await BenchLab.StartAsync(size, Log);
var sourceBytes = await lab.DatabaseSizeAsync(BenchLab.Source);
var machine = await lab.ScalarAsync<string>("postgres", """
    SELECT format('PostgreSQL %s, fsync %s, synchronous_commit %s, full_page_writes %s, wal_level %s, shared_buffers %s',
                  current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
                  current_setting('full_page_writes'), current_setting('wal_level'), current_setting('shared_buffers'))
    """);
var memGb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
machine = string.Create(inv, $"{Environment.ProcessorCount} cores, {long.Parse(memGb, inv) / (1024 * 1024)} GiB RAM, {machine}");
var rows = await lab.ScalarAsync<long>(BenchLab.Source, "SELECT (SELECT count(*) FROM directus_activity) + (SELECT count(*) FROM directus_revisions)");
Log(string.Create(inv, $"source {BenchLab.Source}: {sourceBytes / (1024 * 1024)} MB, {rows:N0} activity + revision rows; {machine}"));
Log("reading every source table's row count and checksum");
var sourceDigests = await lab.TableDigestsAsync(BenchLab.Source);

for (var round = 1; round <= rounds; round++)
{
    var first = round == 1;
    Log($"round {round}/{rounds}");
    await lab.SettleAsync();
    var plainRun = await lab.TimePlainAsync();
    Record(PlainWay, plainRun.Seconds, plainRun.CpuSeconds);

    await Cli("drop", "--yes");
    await lab.SettleAsync();
    var streams = await Cli("clone", "--clone-method", "streams", "--retain-template", "false");
    Expect(streams, "by streams");
    Record(StreamsWay, streams.Seconds, streams.CpuSeconds);
    if (first)
    {
        await CheckCloneAsync(StreamsWay);
    }

    await Cli("drop", "--yes");
    await lab.SettleAsync();
    var withTemplate = await Cli("clone", "--clone-method", "streams", "--retain-template", "true");
    Expect(withTemplate, "template: retained");
    Record(StreamsTemplateWay, withTemplate.Seconds, withTemplate.CpuSeconds);

    await lab.SettleAsync();
    var fileCopy = await lab.TimeFileCopyAsync(lab.Settings.TemplateDatabase);
    Record(FileCopyWay, fileCopy.Seconds, fileCopy.CpuSeconds);

    await lab.SettleAsync();
    var reclone = await Cli("clone", "--force", "--yes");
    Expect(reclone, "by template");
    Record(TemplateWay, reclone.Seconds, reclone.CpuSeconds);
    if (first)
    {
        await CheckCloneAsync(TemplateWay);
    }
    else
    {
        await Cli("up");
    }

    var noop = await Cli("up");
    Expect(noop, "nothing copied");
    levers["noop up"].Add(noop.Seconds);
    levers["reset"].Add((await Cli("reset", "--yes")).Seconds);
    await Cli("up");
    levers["suite (verify)"].Add((await Cli("verify")).Seconds);

    await lab.SettleAsync();
    NpgsqlConnection.ClearAllPools(); // the bench's own sessions on the source would (rightly) block source-template
    var sourceTemplate = await Cli("clone", "--force", "--yes", "--clone-method", "source-template");
    Expect(sourceTemplate, "by source-template");
    Record(SourceTemplateWay, sourceTemplate.Seconds, sourceTemplate.CpuSeconds);
    if (first)
    {
        await CheckCloneAsync(SourceTemplateWay);
    }
}

// One snapshot under a live writer: activity + revision pairs, streamed as separate tables.
Log("consistency: a streams clone while a writer inserts activity+revision pairs into the source");
var consistency = await ConsistencyUnderWriterAsync();
Log(consistency);

// The lanes' sort memory against maintenance_work_mem, on the same index builds, alternately.
Log("sort memory: the big tables' index builds as a lane runs them, in maintenance_work_mem and in the lane's sort memory");
var probeIndexes = await lab.BigTableIndexesAsync();
var capKb = lab.Settings.MaintenanceWorkMemInKilobytes();
var sortTimes = new Dictionary<string, (List<double> Seconds, List<double> Cpu)> { ["cap"] = ([], []), ["lane"] = ([], []) };
for (var round = 1; round <= rounds && probeIndexes.Count > 0; round++)
{
    foreach (var key in new[] { "cap", "lane" })
    {
        double seconds = 0, cpu = 0;
        foreach (var group in probeIndexes.GroupBy(i => i.LaneKilobytes))
        {
            var timed = await lab.TimeIndexBuildsAsync(group.Select(i => i.Definition), key == "cap" ? capKb : group.Key);
            seconds += timed.Seconds;
            cpu += timed.CpuSeconds;
        }

        sortTimes[key].Seconds.Add(seconds);
        sortTimes[key].Cpu.Add(cpu);
    }
}

Console.WriteLine();
var table = new Table().Title(string.Create(inv, $"fresh clone of a {sourceBytes / (1024 * 1024)} MB source, {rounds} round(s), wall seconds incl. govclone's process start"))
    .AddColumns("way", "median s", "min s", "max s", "MB/s", "vs plain", "CPU-s", "clone = source", "suite");
var plain = Median(times[PlainWay]);
foreach (var way in ways)
{
    var m = Median(times[way]);
    table.AddRow(Markup.Escape(way), F(m), F(times[way].Min()), F(times[way].Max()),
        (sourceBytes / (1024.0 * 1024) / m).ToString("0", inv),
        way == PlainWay ? "1.00" : (plain / m).ToString("0.00", inv) + "x",
        Median(cpuTimes[way]).ToString("0.0", inv),
        Markup.Escape(equal.GetValueOrDefault(way, "-")), Markup.Escape(suite.GetValueOrDefault(way, "-")));
}

console.Write(table);
Console.WriteLine(string.Create(inv, $"CPU-s: median CPU-seconds the whole machine was busy while the way ran ({Environment.ProcessorCount} cores: at most {Environment.ProcessorCount}x its wall time)"));
var leverTable = new Table().Title("levers on a converged clone (wall s incl. process start)").AddColumns("lever", "median s", "max s");
foreach (var (lever, list) in levers)
{
    leverTable.AddRow(lever, F(Median(list)), F(list.Max()));
}

console.Write(leverTable);

if (probeIndexes.Count > 0)
{
    var lanes = string.Join(", ", probeIndexes.DistinctBy(i => i.Table).Select(i => string.Create(inv, $"{i.Table} {i.LaneKilobytes / 1024} MB")));
    var sortTable = new Table()
        .Title(string.Create(inv, $"the big tables' {probeIndexes.Count} index builds, as a lane runs them (no parallel workers), {rounds} round(s)"))
        .AddColumns("sort memory", "median s", "CPU-s", "vs maintenance_work_mem");
    var capSeconds = Median(sortTimes["cap"].Seconds);
    sortTable.AddRow(Markup.Escape($"maintenance_work_mem ({lab.Settings.MaintenanceWorkMem})"), F(capSeconds), Median(sortTimes["cap"].Cpu).ToString("0.0", inv), "1.00");
    sortTable.AddRow(Markup.Escape($"the lane's: {lanes}"), F(Median(sortTimes["lane"].Seconds)), Median(sortTimes["lane"].Cpu).ToString("0.0", inv),
        (capSeconds / Median(sortTimes["lane"].Seconds)).ToString("0.00", inv) + "x");
    console.Write(sortTable);
}

var firstClone = plain / Median(times[StreamsWay]);
var reCloneRatio = plain / Median(times[TemplateWay]);
var vsLimit = Median(times[TemplateWay]) / Median(times[FileCopyWay]);
var noopUp = Median(levers["noop up"]);
var reset = Median(levers["reset"]);
var suiteSeconds = Median(levers["suite (verify)"]);
var peakMb = peakRss / (1024.0 * 1024);
var targets = new (string Name, bool Met, string Have)[]
{
    ("first clone >= 1.50x plain", firstClone >= 1.5, firstClone.ToString("0.00", inv)),
    ("re-clone >= 5.00x plain", reCloneRatio >= 5, reCloneRatio.ToString("0.00", inv)),
    ("re-clone within 1.30x of the file-copy limit", vsLimit <= 1.3, vsLimit.ToString("0.00", inv) + "x"),
    ("no-op up < 2 s", noopUp < 2, F(noopUp) + " s"),
    ("reset < 1 s", reset < 1, F(reset) + " s"),
    ("suite < 1 s", suiteSeconds < 1, F(suiteSeconds) + " s"),
    ("peak RSS < 150 MB", peakMb < 150, peakMb.ToString("0", inv) + " MB"),
};
foreach (var t in targets)
{
    Console.WriteLine($"target {(t.Met ? "met   " : "MISSED")} {t.Name}: {t.Have}");
}

foreach (var f in failures)
{
    Console.WriteLine("FAILED: " + f);
}

Console.WriteLine(string.Create(inv, $"machine: {machine}; source {sourceBytes / (1024 * 1024)} MB; {total.Elapsed.TotalSeconds:0} s in all"));
Console.WriteLine(string.Create(inv, $"speedup vs plain: first-clone {firstClone:0.00}, re-clone {reCloneRatio:0.00}; noop-up {noopUp:0.00} s; reset {reset:0.00} s; suite {suiteSeconds:0.00} s; peak-rss {peakMb:0} MB"));
return failures.Count > 0 ? 1 : smoke || targets.All(t => t.Met) ? 0 : 3;

async Task<TimedRun> Cli(params string[] cliArgs)
{
    var run = await lab.RunCliAsync(cliArgs);
    peakRss = Math.Max(peakRss, run.PeakRssBytes);
    if (!run.Succeeded)
    {
        throw new InvalidOperationException($"govclone {run.Command} failed (exit {run.ExitCode}):\n{run.Output}");
    }

    return run;
}

void Record(string way, double seconds, double cpuSeconds)
{
    times[way].Add(seconds);
    cpuTimes[way].Add(cpuSeconds);
    Log(string.Create(inv, $"  {way}: {seconds:0.00} s, {cpuSeconds:0.0} CPU-s"));
}

void Expect(TimedRun run, string text)
{
    if (!run.Output.Contains(text, StringComparison.Ordinal))
    {
        failures.Add($"govclone {run.Command}: expected '{text}' in its output:\n{run.Output}");
    }
}

// The fresh clone against the source, table by table; then seeded and put through the regression suite.
async Task CheckCloneAsync(string way)
{
    var digests = await lab.TableDigestsAsync(BenchLab.Clone);
    var differ = sourceDigests.Keys.Union(digests.Keys)
        .Where(t => sourceDigests.GetValueOrDefault(t) != digests.GetValueOrDefault(t)).ToList();
    equal[way] = differ.Count == 0 ? $"yes, {digests.Count} tables" : $"NO: {string.Join(", ", differ.Take(3))}";
    if (differ.Count > 0)
    {
        failures.Add($"{way}: tables differ from the source: {string.Join(", ", differ)}");
    }

    var up = await lab.RunCliAsync("up");
    var verify = await lab.RunCliAsync("verify");
    suite[way] = up.Succeeded && verify.Succeeded ? "passes" : "FAILS";
    if (!verify.Succeeded)
    {
        failures.Add($"{way}: the regression suite fails on its clone:\n{up.Output}\n{verify.Output}");
    }

    Log($"  {way}: clone = source: {equal[way]}; suite: {suite[way]}");
}

async Task<string> ConsistencyUnderWriterAsync()
{
    await Cli("drop", "--yes");
    var clock = Stopwatch.StartNew();
    TimedRun clone;
    long duringClone;
    (long Activity, long Revisions, long Orphans) counts;
    await using (var writer = await PairWriter.StartAsync(lab.Server.ConnectionString(BenchLab.Source), "bench_writer", warmup: 100))
    {
        clone = await Cli("clone", "--clone-method", "streams", "--retain-template", "false");
        duringClone = writer.Written;
        await using var conn = await lab.OpenAsync(BenchLab.Clone);
        counts = await writer.CountAsync(conn);
    }

    var tps = duringClone / Math.Max(0.001, clock.Elapsed.TotalSeconds);
    var ok = clone.Output.Contains("by streams", StringComparison.Ordinal) && counts.Activity == counts.Revisions && counts.Orphans == 0
        && counts.Activity >= 100 && counts.Activity < duringClone;
    var line = string.Create(inv, $"writer at ~{tps:0} tps wrote {duringClone:N0} pairs by the clone's end; the clone holds {counts.Activity:N0} activity and {counts.Revisions:N0} revision rows of them, {counts.Orphans} orphans: {(ok ? "consistent at one snapshot" : "INCONSISTENT")}");
    if (!ok)
    {
        failures.Add("consistency under a writer: " + line);
    }

    return line;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

string F(double seconds) => seconds.ToString("0.00", inv);

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
