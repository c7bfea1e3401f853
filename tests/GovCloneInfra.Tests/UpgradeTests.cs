using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Tests.Support.Replay;

namespace GovCloneInfra.Tests;

/// <summary>
/// Existing stacks under this program: what the program registers under mocks (options off the SDK's requests), over
/// the state the released program (before issue 24) and the legacy program (before the levers) left, with the
/// engine's alias rules (pulumi v3.258.0 step_generator.go, modelled in EngineModel). The core's
/// <c>ReleasedProgramTests</c> hold the released program's model to what it really registered.
/// </summary>
public class UpgradeTests
{
    public static TheoryData<string> Shapes => [.. ReleasedProgram.Shapes.Keys];

    private static Dictionary<string, object> ConfigOf(string shape)
    {
        var (overrides, sshKey, _) = ReleasedProgram.Shapes[shape];
        var config = GovCloneStackTests.Nonprod(("password", ReleasedProgram.ShapeSecrets[SecretInput.Password]));
        foreach (var (key, value) in overrides)
        {
            if (value is null)
            {
                config.Remove(key);
            }
            else
            {
                config[key] = value;
            }
        }

        if (sshKey)
        {
            config["sshPrivateKey"] = ReleasedProgram.ShapeSecrets[SecretInput.SshPrivateKey]!;
        }

        return config;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_stack_the_released_program_made_keeps_every_resource_no_replace_no_delete(string shape)
    {
        var run = await StackRun.RunAsync(ConfigOf(shape), stack: ReleasedProgram.Shapes[shape].Stack ?? PlanResources.Stack); // run id run-1, as released
        var program = await run.EngineResourcesAsync();
        var plan = ReleasedProgram.PlanFor(shape);
        var state = new StackState(ReleasedProgram.Of(plan, ReleasedProgram.ShapeSecrets).Select(r => new StateEntry(r)));
        var upgrade = EngineModel.Update(state, program);

        Assert.Equal(program.Select(r => r.Urn).Order(StringComparer.Ordinal), upgrade.Changes.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(upgrade.Of(ChangeKind.Create));
        Assert.Empty(upgrade.Of(ChangeKind.Replace));
        Assert.Empty(upgrade.Of(ChangeKind.Delete));
        Assert.Equal(plan.IsBranch ? Array.Empty<string>() : [DeployPlan.RetiredTemplateDrop], upgrade.NamesOf(ChangeKind.Update));
        Assert.All(upgrade.Steps.Where(s => s.Op != StepOp.Same), s => Assert.StartsWith("echo ", s.New!.Create, StringComparison.Ordinal));
        Assert.DoesNotContain(upgrade.Steps, s => s.Op is StepOp.Delete or StepOp.DeleteReplaced);

        // A later run (a new run id) replaces the suite step, as every run does: its released half has no Delete.
        var later = ConfigOf(shape);
        later["runId"] = "run-2";
        var next = await (await StackRun.RunAsync(later, stack: ReleasedProgram.Shapes[shape].Stack ?? PlanResources.Stack)).EngineResourcesAsync();
        var again = EngineModel.Update(state, next);
        Assert.Equal(new[] { plan.IsBranch ? DeployPlan.BranchSuiteCommand : DeployPlan.SuiteCommand }, again.NamesOf(ChangeKind.Replace));
        Assert.All(again.Steps.Where(s => s.Op is StepOp.Delete or StepOp.DeleteReplaced), s => Assert.Null(s.Old!.Delete));
    }

    [Theory]
    [InlineData("committed")]
    [InlineData("baseline")]
    public async Task A_stack_the_legacy_program_made_upgrades_running_none_of_its_deletes(string oldProfile)
    {
        var config = GovCloneStackTests.Nonprod(("retainTemplate", "true"));
        var legacySettings = SettingsParser.Parse(new Dictionary<string, string?>
        {
            ["transport"] = "ssh",
            ["sshHost"] = "contabo",
            ["host"] = "127.0.0.1",
            ["port"] = "15432",
            ["sslMode"] = "disable",
            ["retainTemplate"] = "true",
            ["seedProfile"] = oldProfile,
        });
        var state = new StackState(LegacyProgram.Of(legacySettings, GovCloneStackTests.Password, "legacy-run").Select(r => new StateEntry(r)));
        var program = await (await StackRun.RunAsync(config)).EngineResourcesAsync();
        var upgrade = EngineModel.Update(state, program);

        Assert.Equal([DeployPlan.RetiredTemplateDrop, DeployPlan.SeedCommand], upgrade.NamesOf(ChangeKind.Update));
        Assert.Equal([DeployPlan.CloneCommand, DeployPlan.SuiteCommand], upgrade.NamesOf(ChangeKind.Replace));
        Assert.Empty(upgrade.NamesOf(ChangeKind.Create));
        Assert.Equal(["production", "production-read"], upgrade.NamesOf(ChangeKind.Delete));
        // No delete runs anything: the old template drop and the old seed's reset are updated away (aliases), the
        // replaced clone step had no Delete, the removed fingerprint step has none.
        Assert.All(upgrade.Steps.Where(s => s.Op is StepOp.Delete or StepOp.DeleteReplaced), s => Assert.True(s.Skipped is not null || s.Old!.Delete is null, s.ToString()));
        Assert.Contains(upgrade.Steps, s => s.Op == StepOp.Update && s.Old!.Name == "dump-restore-retained-template" && s.Old.Delete is not null);
        Assert.Contains(upgrade.Steps, s => s.Op == StepOp.Update && s.Old!.Name == "governance-" + oldProfile && s.Old.Delete is not null);
    }
}
