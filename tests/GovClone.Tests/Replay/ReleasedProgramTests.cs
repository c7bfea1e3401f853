using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Tests.Support.Replay;

namespace GovClone.Tests.Replay;

/// <summary>
/// Existing stacks hold what the program released before issue 24 registered (<c>released-program.json</c>, written at
/// 11b7d60). The replay's model of that program is held to it, and the upgrade of such a stack to today's program is
/// computed with the engine's alias rules: every resource is the same one, nothing is created, replaced or deleted.
/// </summary>
public class ReleasedProgramTests
{
    public static TheoryData<string> Shapes => [.. ReleasedProgram.Shapes.Keys];

    private static readonly IReadOnlySet<string> SettingVariables = SettingKeys.All.Select(k => k.EnvironmentVariable).ToHashSet(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_model_of_the_released_program_is_what_it_registered(string shape)
    {
        var snapshot = ReleasedProgram.Snapshot(shape);
        var model = ReleasedProgram.Of(ReleasedProgram.PlanFor(shape), ReleasedProgram.ShapeSecrets);
        Assert.Equal(snapshot.Select(r => r.Urn), model.Select(r => r.Urn));
        foreach (var (was, now) in snapshot.Zip(model))
        {
            Assert.Equal(was.ParentUrn, now.ParentUrn);
            Assert.Equal(was.Dependencies, now.Dependencies);
            Assert.Equal(was.Environment is null, now.Environment is null);
            IReadOnlyDictionary<string, string>? environment = null;
            if (was.Environment is not null)
            {
                // A setting added since the snapshot adds its variable to every lever's environment; that is the new
                // setting's change (its row in the change semantics), not this one's: every other variable is the same.
                var added = now.Environment!.Keys.Except(was.Environment.Keys).ToList();
                Assert.All(added, v => Assert.Contains(v, SettingVariables));
                environment = now.Environment.Where(kv => !added.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            }

            var diff = EngineModel.Diff(was, now with { Environment = environment });
            Assert.True(diff.Kind == ChangeKind.Same, $"{shape}: {now.Name} differs from what the released program registered in {string.Join(", ", diff.ChangedInputs)}");
            Assert.Equal(was.DeleteBeforeReplace, now.DeleteBeforeReplace);
            Assert.Equal(was.RetainOnDelete, now.RetainOnDelete);
            Assert.Equal(was.DeletedWith, now.DeletedWith);
            Assert.Equal(was.Aliases, now.Aliases);
            Assert.Equal(was.ReplaceOnChanges, now.ReplaceOnChanges);
            Assert.Equal(was.AdditionalSecretOutputs, now.AdditionalSecretOutputs);
            Assert.Equal(was.CustomTimeouts, now.CustomTimeouts);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_stack_the_released_program_made_upgrades_keeping_every_resource_with_no_replace_and_no_delete(string shape)
    {
        var plan = ReleasedProgram.PlanFor(shape);
        var state = new StackState(ReleasedProgram.Of(plan, ReleasedProgram.ShapeSecrets).Select(r => new StateEntry(r)));
        var program = PlanResources.Of(plan, ReleasedProgram.ShapeSecrets); // the same run id: the suite unchanged too
        var upgrade = EngineModel.Update(state, program);

        Assert.Equal(program.Select(r => r.Urn).Order(StringComparer.Ordinal), upgrade.Changes.Keys.Order(StringComparer.Ordinal)); // every old resource taken by a registration
        Assert.Empty(upgrade.Of(ChangeKind.Create));
        Assert.Empty(upgrade.Of(ChangeKind.Replace));
        Assert.Empty(upgrade.Of(ChangeKind.Delete));
        // The only input that changed: the retired step's echo (its text named the clone step's released name).
        Assert.Equal(plan.IsBranch ? Array.Empty<string>() : [DeployPlan.RetiredTemplateDrop], upgrade.NamesOf(ChangeKind.Update));
        Assert.All(upgrade.Steps.Where(s => s.Op != StepOp.Same), s => Assert.StartsWith("echo ", s.New!.Create, StringComparison.Ordinal));
        Assert.Equal(program.Select(r => r.Name), upgrade.Steps.Select(s => s.Name)); // in registration order, nothing else

        // Without the aliases the renamed resources would be new ones, and the released ones deleted at the end: the
        // clone step's Delete (govclone drop) would drop the clone.
        if (!plan.IsBranch)
        {
            var unaliased = EngineModel.Update(state, program.Select(r => r with { Aliases = [] }).ToList());
            Assert.Contains("dump-restore-pg-dump-psql", unaliased.NamesOf(ChangeKind.Delete));
            Assert.Contains(unaliased.Steps, s => s.Op == StepOp.Delete && s.Skipped is null && s.Old!.Delete is { } d && d.StartsWith("./govclone drop ", StringComparison.Ordinal));
        }
    }
}
