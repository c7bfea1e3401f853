using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;

namespace GovClone.Tests.Replay;

/// <summary>
/// The program as it was (profile in the seeded state's name, reset in its Delete), replayed against the real
/// server in the engine's order: its profile switch, the README's "back to committed" lever, ends at the wrong state.
/// </summary>
public class LegacyDesignReplayTests : CloneTestBase
{
    [Fact]
    public async Task Todays_design_switching_seedProfile_baseline_to_committed_ends_at_baseline_while_its_suite_passed()
    {
        var baseline = Pg.Settings(Clone, new Dictionary<string, string?> { ["seedProfile"] = "baseline", ["retainTemplate"] = "false" });
        var committed = Pg.Settings(Clone, new Dictionary<string, string?> { ["seedProfile"] = "committed", ["retainTemplate"] = "false" });
        await using var lab = DeploymentLab.Create(Pg);

        var (_, first) = await lab.UpAsync(LegacyProgram.Of(baseline, Pg.Password, "run-1"));
        Assert.True(first.Succeeded, first.Failure?.Message);
        Assert.True((await new CloneLifecycle(baseline).VerifyAsync(SeedProfile.Baseline)).Passed);

        var (plan, second) = await lab.UpAsync(LegacyProgram.Of(committed, Pg.Password, "run-2"));
        Assert.True(second.Succeeded, second.Failure?.Message);
        // A config value in the name: the switch is a new resource and a removed one, not an update.
        Assert.Equal(["governance-committed"], plan.NamesOf(ChangeKind.Create).Where(n => n.StartsWith("governance", StringComparison.Ordinal)));
        Assert.Equal(["governance-baseline"], plan.NamesOf(ChangeKind.Delete));
        var steps = plan.Steps.ToList();
        Assert.True(steps.FindIndex(s => s.Name == "governance-baseline" && s.Op == StepOp.Delete) > steps.FindIndex(s => s.Name == "regression-suite-run" && s.Op == StepOp.CreateReplacement),
            "removed resources are deleted at the end of the update, after the suite: " + plan);

        // The suite ran after the seed and passed for committed (the stack outputs say committed, verified) ...
        var actions = lab.Runner.Actions.Skip(lab.Runner.Actions.ToList().FindLastIndex(a => a.Resource == "production-read")).ToList();
        var suite = actions.FindIndex(a => a.Resource == "regression-suite-run");
        var reset = actions.FindIndex(a => a.Resource == "governance-baseline" && a.What == "delete");
        Assert.True(suite >= 0 && actions[suite].ExitCode == 0, "the suite passed");
        Assert.Contains("\"own\"", actions[suite].Stdout, StringComparison.Ordinal);
        // ... and then the removed resource's Delete, last of all, reset the clone in place.
        Assert.True(reset > suite, "the old resource's delete ran after the suite");
        Assert.False((await new CloneLifecycle(committed).VerifyAsync(SeedProfile.Committed)).Passed, "the clone should be wrongly at baseline");
        Assert.True((await new CloneLifecycle(committed).VerifyAsync(SeedProfile.Baseline)).Passed);
    }
}
