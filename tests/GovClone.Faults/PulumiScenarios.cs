using System.Diagnostics;
using System.Globalization;
using GovClone.Configuration;
using GovClone.Deploy;

namespace GovClone.Faults;

/// <summary>
/// The Pulumi program's server-side steps under faults: the exact Command texts the core's <see cref="DeployPlan"/>
/// builds for the lab's settings (what the program registers), run as Pulumi.Command runs them (<c>/bin/sh -c
/// TEXT</c> in the project directory, whose <c>./govclone</c> is the repo's wrapper, with the Command's
/// environment), concurrent with CLI levers and killed mid-clone.
/// </summary>
public static class PulumiScenarios
{
    private static int _generation = 100;

    /// <summary>The project directory: the repo root (Pulumi.yaml, ./govclone).</summary>
    public static string ProjectDirectory => SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory);

    public static async Task RunAsync(FaultLab lab, FaultReport report, bool quick, Action<string> log)
    {
        // The wrapper builds the CLI on first use when its sources are newer than the build; do that untimed.
        var warm = await RunStepAsync(lab, Plan(lab, lab.Settings.CloneGeneration), DeployPlan.CloneCommand);
        log($"pulumi: clone step on the converged clone: exit {warm.ExitCode} ({(warm.Stdout.Contains("\"changed\":false", StringComparison.Ordinal) ? "nothing copied" : "changed")})");

        await StepWithDropAsync(lab, report, log);
        await SeedStepWithResetAsync(lab, report, log);
        if (!quick)
        {
            await StepWithUpAsync(lab, report, log);
        }

        (string Method, bool WholeTree)[] kills = quick
            ? [("dump", false), ("streams", true)]
            : [("dump", false), ("dump", true), ("streams", false), ("streams", true)];
        foreach (var (method, wholeTree) in kills)
        {
            await KillCloneStepAsync(lab, report, method, wholeTree, log);
        }

        await lab.RunCliAsync(["up"]); // back to the lab's own generation for whatever runs next
    }

    /// <summary>The plan for the lab's settings at <paramref name="generation"/> (every setting as the program would pass it).</summary>
    private static DeployPlan Plan(FaultLab lab, int generation, string? method = null)
    {
        var raw = lab.RawSettings();
        raw["cloneGeneration"] = generation.ToString(CultureInfo.InvariantCulture);
        if (method is not null)
        {
            raw["cloneMethod"] = method;
        }

        return DeployPlan.For(SettingsParser.Parse(raw), new DeployInputs("faults-" + Guid.NewGuid().ToString("N")[..8]));
    }

    /// <summary>Starts one Command's text as Pulumi.Command would: /bin/sh -c, in the project directory, its environment added.</summary>
    private static Process StartStep(FaultLab lab, DeployPlan plan, string resource, string which = "create")
    {
        var step = plan[resource].Command!;
        var text = which == "delete" ? step.Delete! : step.Create;
        var psi = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", text },
            WorkingDirectory = ProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Remove("PGPASSWORD");
        foreach (var (k, v) in step.EnvironmentWith(new Dictionary<string, string?> { [SecretInput.Password] = lab.Password }))
        {
            psi.Environment[k] = v;
        }

        return Process.Start(psi)!;
    }

    private static async Task<CliRun> RunStepAsync(FaultLab lab, DeployPlan plan, string resource)
    {
        using var p = StartStep(lab, plan, resource);
        return await FaultLab.CollectAsync(p);
    }

    private static int NextGeneration() => Interlocked.Increment(ref _generation);

    /// <summary>Until a clone's data is streaming: a COPY into the clone (or a database of its family) and that much of the source's size there.</summary>
    private static async Task<bool> CopyingAsync(FaultLab lab, double fraction, long sourceBytes)
    {
        var family = FaultLab.Clone.Replace("_", "\\_", StringComparison.Ordinal) + "%";
        var copying = await lab.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_progress_copy WHERE datname LIKE '{family}'");
        var bytes = await lab.ScalarAsync<decimal>("postgres", $"SELECT coalesce(sum(pg_database_size(oid)), 0) FROM pg_database WHERE datname LIKE '{family}' AND datconnlimit <> -2 AND NOT datistemplate");
        return copying > 0 && (double)bytes >= fraction * sourceBytes;
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, Process step, TimeSpan max)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < max && !step.HasExited)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    /// <summary>A Pulumi clone step (a re-clone) and `govclone drop` at once: drop waits for the lock, then drops; nothing half.</summary>
    private static async Task StepWithDropAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        const string name = "pulumi: clone step + govclone drop";
        var plan = Plan(lab, NextGeneration(), "dump");
        var sourceBytes = await lab.ScalarAsync<long>("postgres", $"SELECT pg_database_size('{FaultLab.Source}')");
        using var step = StartStep(lab, plan, DeployPlan.CloneCommand);
        var stepRun = FaultLab.CollectAsync(step);
        var copying = await WaitAsync(() => CopyingAsync(lab, 0.2, sourceBytes), step, TimeSpan.FromMinutes(3));
        var stepDone = Stopwatch.StartNew();
        var drop = lab.RunCliAsync(["drop", "--yes"]);
        var stepResult = await stepRun;
        var stepElapsed = stepDone.Elapsed;
        var dropResult = await drop;
        var dropElapsed = stepDone.Elapsed;
        var state = await lab.CloneStateAsync();
        var half = state.Exists && !state.Complete;
        // Serialized: the step finished its clone under the lock, then drop took the lock and dropped it.
        var ok = copying && stepResult.ExitCode == 0 && dropResult.ExitCode == 0 && dropElapsed >= stepElapsed && !state.Exists;
        var again = await RunStepAsync(lab, plan, DeployPlan.CloneCommand);
        var converged = again.ExitCode == 0 && (await lab.CloneStateAsync()).Complete;
        await RecordAsync(lab, report, name, ok && converged, half, log,
            $"copying when drop started: {copying}; step exit {stepResult.ExitCode}, drop exit {dropResult.ExitCode} after the step: {dropElapsed >= stepElapsed}; clone exists after: {state.Exists}; the step again: exit {again.ExitCode}, complete {converged}");
    }

    /// <summary>The Pulumi seed step and `govclone reset` at once: one after the other, never interleaved; the suite step converges.</summary>
    private static async Task SeedStepWithResetAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        const string name = "pulumi: seed step + govclone reset";
        var plan = Plan(lab, (await lab.CloneStateAsync()).MarkerGeneration ?? lab.Settings.CloneGeneration);
        using var step = StartStep(lab, plan, DeployPlan.SeedCommand);
        var results = await Task.WhenAll(FaultLab.CollectAsync(step), lab.RunCliAsync(["reset", "--yes"]));
        var committed = (await lab.RunCliAsync(["verify", "--profile", "committed"])).ExitCode == 0;
        var baseline = (await lab.RunCliAsync(["verify", "--profile", "baseline"])).ExitCode == 0;
        var suite = await RunStepAsync(lab, plan, DeployPlan.SuiteCommand);
        var after = (await lab.RunCliAsync(["verify", "--profile", "committed"])).ExitCode == 0;
        var ok = results.All(r => r.ExitCode == 0) && committed != baseline && suite.ExitCode == 0 && after;
        await RecordAsync(lab, report, name, ok, half: false, log,
            $"exits {results[0].ExitCode}/{results[1].ExitCode}; the clone was then exactly {(committed ? "committed" : baseline ? "baseline" : "neither (a mix)")}; suite step exit {suite.ExitCode}, committed after: {after}");
    }

    /// <summary>A Pulumi clone step and `govclone up` of the same new generation at once: one clones, the other copies nothing.</summary>
    private static async Task StepWithUpAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        const string name = "pulumi: clone step + govclone up";
        var generation = NextGeneration();
        var plan = Plan(lab, generation);
        using var step = StartStep(lab, plan, DeployPlan.CloneCommand);
        var results = await Task.WhenAll(FaultLab.CollectAsync(step),
            lab.RunCliAsync(["up", "-c", "cloneGeneration=" + generation.ToString(CultureInfo.InvariantCulture)]));
        var cloned = (results[0].Stdout.Contains("\"changed\":true", StringComparison.Ordinal) ? 1 : 0)
            + (results[1].Stdout.Contains("cloned ", StringComparison.Ordinal) ? 1 : 0);
        var state = await lab.CloneStateAsync();
        var ok = results.All(r => r.ExitCode == 0) && cloned == 1 && state.Complete && state.MarkerGeneration == generation;
        await RecordAsync(lab, report, name, ok, state.Exists && !state.Complete, log, $"exits {results[0].ExitCode}/{results[1].ExitCode}, cloned {cloned}x, generation {state.MarkerGeneration}");
    }

    /// <summary>
    /// A Pulumi clone step killed while the data streams: the step's shell and the CLI (the server-side script goes
    /// on, orphaned, until its holder check stops it), or the whole process tree. Nothing may be left marked complete
    /// unless it is whole; the same step run again converges; the seed and suite steps pass.
    /// </summary>
    private static async Task KillCloneStepAsync(FaultLab lab, FaultReport report, string method, bool wholeTree, Action<string> log)
    {
        var name = $"pulumi: kill the clone step ({method}, {(wholeTree ? "whole process tree" : "shell and govclone")})";
        var plan = Plan(lab, NextGeneration(), method);
        var sourceBytes = await lab.ScalarAsync<long>("postgres", $"SELECT pg_database_size('{FaultLab.Source}')");
        var sourceCounts = await lab.TableCountsAsync(FaultLab.Source, exceptSeeded: true);
        using var step = StartStep(lab, plan, DeployPlan.CloneCommand);
        var stepRun = FaultLab.CollectAsync(step);
        var reached = await WaitAsync(() => CopyingAsync(lab, 0.3, sourceBytes), step, TimeSpan.FromMinutes(3));
        var killed = false;
        if (reached && !step.HasExited)
        {
            var tree = ProcessTree.Descendants(step.Id);
            killed = tree.Any(p => p.Comm == "dotnet");
            Signal(tree.Where(p => wholeTree || p.Comm == "dotnet").Select(p => p.Pid).Prepend(step.Id));
        }

        var killedRun = await stepRun;
        await lab.SettleAsync(TimeSpan.FromSeconds(60));
        var state = await lab.CloneStateAsync();
        var half = state.Complete && await lab.TableCountsAsync(FaultLab.Clone, exceptSeeded: true) != sourceCounts;
        var again = await RunStepAsync(lab, plan, DeployPlan.CloneCommand);
        var current = await lab.CloneStateAsync();
        var seed = await RunStepAsync(lab, plan, DeployPlan.SeedCommand);
        var suite = await RunStepAsync(lab, plan, DeployPlan.SuiteCommand);
        var converged = again.ExitCode == 0 && current.Complete && current.MarkerGeneration == plan.Settings.CloneGeneration
            && seed.ExitCode == 0 && suite.ExitCode == 0;
        report.Add(name, kills: killed ? 1 : 0, converged: killed && converged ? 1 : 0, half: half ? 1 : 0, missed: killed ? 0 : 1,
            distinctPoint: killed ? name : null, failed: !converged);
        await report.CheckProductionAsync(lab, name);
        log($"{name}: {(killed ? "killed" : "missed")} (step exit {killedRun.ExitCode}), complete-after-kill={state.Complete} (generation {state.MarkerGeneration}), half={half}, "
            + $"the step again: exit {again.ExitCode} generation {current.MarkerGeneration}, seed {seed.ExitCode}, suite {suite.ExitCode}: converged={converged}");
        if (!converged)
        {
            report.Problem($"{name}: did not converge: {again.Stderr.Trim()} {seed.Stderr.Trim()} {suite.Stderr.Trim()}");
        }
    }

    /// <summary>SIGKILL to each (one that has exited meanwhile is no matter).</summary>
    private static void Signal(IEnumerable<int> pids)
    {
        using var kill = Process.Start("kill", ["-KILL", .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))])!;
        kill.WaitForExit();
    }

    private static async Task RecordAsync(FaultLab lab, FaultReport report, string name, bool ok, bool half, Action<string> log, string detail)
    {
        report.Add(name, half: half ? 1 : 0, failed: !ok);
        await report.CheckProductionAsync(lab, name);
        log($"{name}: {(ok ? "ok" : "FAILED")} ({detail})");
        if (!ok)
        {
            report.Problem($"{name}: {detail}");
        }
    }
}
