using System.Diagnostics;
using System.Globalization;
using GovClone.Lifecycle;

namespace GovClone.Faults;

/// <summary>
/// Kills a real <c>govclone branch create</c> at its steps (budget, copy, mark, seed, suite; the tool, or the server
/// crashed), then checks that no branch is marked complete unless every table's row count equals the source's (a half
/// branch), and that one <c>branch create</c> of the same name converges (copy again if needed, seed, suite). Also
/// two creates at once, and creates while a re-clone from the source rebuilds the template they copy.
/// </summary>
public static class BranchScenarios
{
    public const string Name = "fb";

    /// <summary>The step a kill waits for ("N/5 name": the tool prints it when the step starts) and what is killed.</summary>
    public sealed record Point(string Step, KillTarget Target)
    {
        public override string ToString() => $"branch: {Target.ToString().ToLowerInvariant()} @ {Step}";
    }

    public static IEnumerable<Point> AllPoints() =>
    [
        new("1/5 budget", KillTarget.Tool), new("2/5 copy", KillTarget.Tool), new("3/5 mark", KillTarget.Tool),
        new("4/5 seed", KillTarget.Tool), new("5/5 suite", KillTarget.Tool), new("2/5 copy", KillTarget.Server), new("3/5 mark", KillTarget.Server),
    ];

    /// <summary>CI's bounded set (--quick): the tool killed mid-copy, the server crashed at the mark.</summary>
    public static IEnumerable<Point> QuickPoints() =>
        [new("2/5 copy", KillTarget.Tool), new("3/5 mark", KillTarget.Server)];

    public static async Task RunAsync(FaultLab lab, FaultReport report, bool quick, int iterations, Random random, Action<string> log)
    {
        var sourceCounts = await lab.TableCountsAsync(FaultLab.Source, exceptSeeded: true);
        var points = (quick ? QuickPoints() : AllPoints()).ToList();
        var run = 0;
        for (var i = 0; i < iterations; i++)
        {
            foreach (var point in points.OrderBy(_ => random.Next()))
            {
                run++;
                await EnsureTemplateAsync(lab);
                await lab.RunCliAsync(["branch", "drop", Name, "--yes"]);
                var outcome = await KillOnceAsync(lab, point, TimeSpan.FromMilliseconds(random.Next(0, 80)));
                await lab.SettleAsync(TimeSpan.FromSeconds(30));

                var half = await HalfBranchesAsync(lab, sourceCounts, log);
                var state = (await Branches(lab).ListAsync()).FirstOrDefault(b => b.Name == Name)?.State.ToString().ToLowerInvariant() ?? "absent";
                var again = await lab.RunCliAsync(["branch", "create", Name]);
                var converged = again.ExitCode == 0 && (await lab.RunCliAsync(["verify", "--branch", Name])).ExitCode == 0;
                half += await HalfBranchesAsync(lab, sourceCounts, log);
                var name = point.ToString();
                report.AddBranch(name, kills: outcome.Killed ? 1 : 0, converged: outcome.Killed && converged ? 1 : 0, half: half, missed: outcome.Killed ? 0 : 1,
                    distinctPoint: outcome.Killed ? name : null, failed: !converged);
                await report.CheckProductionAsync(lab, name);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"[b{run}] {point,-34} {(outcome.Killed ? "killed" : "missed: " + outcome.Note),-40} after-kill={state,-10} half={half} converged={converged}"));
                if (!converged)
                {
                    log("    branch create: " + again.Output.Trim().Replace("\n", "\n    ", StringComparison.Ordinal));
                }
            }
        }

        await ConcurrentAsync(lab, report, sourceCounts, log);
        await DuringRebuildAsync(lab, report, sourceCounts, log);
        await lab.RunCliAsync(["branch", "gc", "--older-than", "0s", "--yes"]);
    }

    private static BranchLifecycle Branches(FaultLab lab) => new(lab.Settings);

    /// <summary>Branches marked complete whose tables are not the source's (each is a half branch), counted and named.</summary>
    public static async Task<int> HalfBranchesAsync(FaultLab lab, string sourceCounts, Action<string> log)
    {
        var half = 0;
        foreach (var b in await Branches(lab).ListAsync())
        {
            if (b.Complete && await lab.TableCountsAsync(b.Database, exceptSeeded: true) != sourceCounts)
            {
                half++;
                log($"    HALF BRANCH: {b.Database} is marked complete but its tables differ from the source's");
            }
        }

        return half;
    }

    private static async Task EnsureTemplateAsync(FaultLab lab)
    {
        if (!(await lab.TemplateStateAsync()).Current)
        {
            await lab.RunCliAsync(["clone", "--force", "--yes", "--clone-method", "streams", "--retain-template", "true"]);
            await lab.RunCliAsync(["up"]);
        }
    }

    private sealed record KillOutcome(bool Killed, string Note);

    private static async Task<KillOutcome> KillOnceAsync(FaultLab lab, Point point, TimeSpan jitter)
    {
        var phase = string.Empty;
        // The copy, not the ready branch spare's rename (issue 26.4, one transaction: nothing to kill half-way), so each
        // point kills what it names; the create that must converge afterwards may rename the branch spare.
        using var tool = lab.StartCli(["branch", "create", Name, "--keep-branch-spare", "false"]);
        var collect = FaultLab.CollectAsync(tool, line =>
        {
            if (line.StartsWith("govclone: branch ", StringComparison.Ordinal))
            {
                Volatile.Write(ref phase, line["govclone: branch ".Length..]);
            }
        });

        var deadline = Stopwatch.StartNew();
        while (!tool.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            var now = Volatile.Read(ref phase);
            if (now.StartsWith(point.Step.Split(' ')[0] + ": " + point.Step.Split(' ')[1], StringComparison.Ordinal))
            {
                if (jitter > TimeSpan.Zero)
                {
                    await Task.Delay(jitter);
                }

                bool killed;
                if (point.Target == KillTarget.Server)
                {
                    await lab.Server.StopAsync("immediate");
                    killed = true;
                }
                else
                {
                    killed = !tool.HasExited && Signal(tool.Id);
                }

                var run = await collect;
                if (point.Target == KillTarget.Server)
                {
                    await lab.Server.RestartAsync();
                }

                return new KillOutcome(killed, killed ? string.Empty : $"the create ended first (exit {run.ExitCode})");
            }

            await Task.Delay(2);
        }

        var done = await collect;
        return new KillOutcome(false, $"the create ended (exit {done.ExitCode}) before the point");
    }

    /// <summary>Two creates at once from the same template (two pull requests): both complete, both whole.</summary>
    private static async Task ConcurrentAsync(FaultLab lab, FaultReport report, string sourceCounts, Action<string> log)
    {
        await EnsureTemplateAsync(lab);
        var runs = await Task.WhenAll(lab.RunCliAsync(["branch", "create", "fc1"]), lab.RunCliAsync(["branch", "create", "fc2"]));
        var list = await Branches(lab).ListAsync();
        var ok = runs.All(r => r.ExitCode == 0) && list.Count(b => b.Name is "fc1" or "fc2" && b.Complete) == 2;
        var half = await HalfBranchesAsync(lab, sourceCounts, log);
        report.AddBranch("branch: two creates at once", half: half, failed: !ok);
        await report.CheckProductionAsync(lab, "branch: two creates at once");
        log($"[b] two creates at once: {(ok ? "both complete" : "FAILED: " + string.Join(" | ", runs.Select(r => r.Output.Trim())))}; half={half}");
        await lab.RunCliAsync(["branch", "drop", "fc1", "--yes"]);
        await lab.RunCliAsync(["branch", "drop", "fc2", "--yes"]);
    }

    /// <summary>Creates while a re-clone from the source rebuilds the template: each waits or copies, none is marked from a vanishing template.</summary>
    private static async Task DuringRebuildAsync(FaultLab lab, FaultReport report, string sourceCounts, Action<string> log)
    {
        await EnsureTemplateAsync(lab);
        var reclone = lab.RunCliAsync(["clone", "--force", "--yes", "--clone-method", "streams", "--retain-template", "true"]);
        var runs = new List<CliRun>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await lab.RunCliAsync(["branch", "create", "fr" + i]));
        }

        var rebuilt = await reclone;
        await lab.RunCliAsync(["up"]);
        var half = await HalfBranchesAsync(lab, sourceCounts, log);
        var ok = rebuilt.ExitCode == 0 && runs.All(r => r.ExitCode == 0);
        report.AddBranch("branch: creates during a template rebuild", half: half, failed: !ok);
        await report.CheckProductionAsync(lab, "branch: creates during a template rebuild");
        log($"[b] three creates during a re-clone that rebuilds the template: {(ok ? "all complete" : "FAILED: " + string.Join(" | ", runs.Append(rebuilt).Select(r => r.Output.Trim())))}; half={half}");
        for (var i = 0; i < 3; i++)
        {
            await lab.RunCliAsync(["branch", "drop", "fr" + i, "--yes"]);
        }
    }

    private static bool Signal(int pid)
    {
        using var kill = Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }
}
