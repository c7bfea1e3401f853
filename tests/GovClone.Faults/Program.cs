using System.Diagnostics;
using System.Globalization;
using GovClone.Faults;
using GovClone.Sandbox;
using Spectre.Console;

// scripts/faults [--quick] [--iterations N] [--size 128MB] [--seed N] [--only pulumi]
// Full run: every kill point N times with random jitter; --quick (CI): 12 points once (KillScenarios.QuickPoints).
var quick = args.Contains("--quick");
var iterations = quick ? 1 : int.Parse(Arg("--iterations") ?? "2", CultureInfo.InvariantCulture);
var size = SourceGenerator.ParseSize(Arg("--size") ?? (quick ? "48MB" : "128MB"));
var seed = int.Parse(Arg("--seed") ?? Environment.TickCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
var random = new Random(seed);
// --only pulumi|branch|live|ssh|masking|secrets: just those scenarios (while working on them; its targets are not the suite's).
// Several with commas: --only live,ssh.
var onlyGroups = Arg("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (onlyGroups?.FirstOrDefault(g => g is not ("pulumi" or "branch" or "live" or "ssh" or "masking" or "secrets")) is { } unknown)
{
    Console.Error.WriteLine($"faults: --only takes 'pulumi', 'branch', 'live', 'ssh', 'masking' or 'secrets' (several with commas), not '{unknown}'");
    return 2;
}

bool Runs(string group) => onlyGroups is null || onlyGroups.Contains(group);
var only = onlyGroups is null ? null : string.Join(',', onlyGroups);

var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
console.Profile.Width = 160;
var total = Stopwatch.StartNew();
void Log(string line) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{total.Elapsed.TotalSeconds,6:0.0}s] {line}"));

Log($"fault suite: {(quick ? "quick" : "full")}, {iterations} iteration(s), source ~{size / (1024 * 1024)} MB, seed {seed}");
var report = new FaultReport();
await using (var lab = await FaultLab.StartAsync(size, Log))
{
    await report.StartProductionWatchAsync(lab);
    var up = await lab.RunCliAsync(["up"]);
    if (up.ExitCode != 0)
    {
        Console.Error.WriteLine("the lab's first `govclone up` failed:\n" + up.Output);
        return 1;
    }

    if (only is null)
    {
        var points = quick ? KillScenarios.QuickPoints().ToList() : KillScenarios.AllPoints().ToList();
        await KillScenarios.RunAsync(lab, report, points, iterations, random, Log);
        await BranchScenarios.RunAsync(lab, report, quick, iterations, random, Log);
        await RunScenarios.ConcurrencyAsync(lab, report, quick ? 1 : 3, Log);
        await BadInputScenarios.RunAsync(lab, report, Log);
        await RunScenarios.SecretsAsync(lab, report, RunScenarios.StandInsDirectory(), Log);
        await RunScenarios.DriftAsync(lab, report, Log);
        await RunScenarios.TeardownAsync(lab, report, Log);
    }
    else if (Runs("secrets"))
    {
        await RunScenarios.SecretsAsync(lab, report, RunScenarios.StandInsDirectory(), Log);
    }

    if (Runs("masking"))
    {
        await MaskingScenarios.RunAsync(lab, report, quick, Log);
    }

    if (only is not null && Runs("branch"))
    {
        await BranchScenarios.RunAsync(lab, report, quick, iterations, random, Log);
    }

    if (Runs("pulumi"))
    {
        await PulumiScenarios.RunAsync(lab, report, quick, Log);
    }

    if (Runs("ssh"))
    {
        await SshScenarios.RunAsync(lab, report, Log);
    }

    // Last: they write production on purpose (as its other users do) and take the production watch again after.
    if (Runs("live"))
    {
        await LiveScenarios.RunAsync(lab, report, quick, Log);
    }
}

Console.WriteLine();
report.Render(console);
var met = report.MeetsTargets(out var misses);
foreach (var miss in misses)
{
    Console.WriteLine("target missed: " + miss);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({total.Elapsed.TotalSeconds:0}s, seed {seed}; rerun with --seed {seed} to replay the order and jitter)"));
Console.WriteLine(report.SummaryLine());
return met ? 0 : 1;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
