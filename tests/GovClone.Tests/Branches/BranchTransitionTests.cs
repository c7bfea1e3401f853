using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Lifecycle;
using GovClone.Tests.Support.Replay;

namespace GovClone.Tests.Branches;

/// <summary>
/// A branch stack (a stack per pull request, govclone:branchOf) replayed against the real server in the engine's
/// order (as tests/GovClone.Tests/Replay/TransitionTests does for the clone's stack): its first <c>pulumi up</c>, a
/// second one, a profile change, and <c>pulumi destroy</c>; the clone and its template untouched throughout.
/// </summary>
public class BranchTransitionTests : BranchTestBase
{
    private const string Stack = "pr-123";
    private DeploymentLab _lab = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _lab = DeploymentLab.Create(Pg);
    }

    public override async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        await base.DisposeAsync();
    }

    private GovCloneSettings BranchStack(params (string Key, string? Value)[] overrides) =>
        Pg.Settings(Clone, new Dictionary<string, string?>(overrides.Select(o => KeyValuePair.Create(o.Key, o.Value))) { ["branchOf"] = Clone, ["cloneDatabase"] = null });

    private string Branch => Clone + "_pr_123";

    [Fact]
    public async Task Transition_create_of_a_branch_stack_makes_the_branch_runs_the_suite_and_destroy_drops_only_it()
    {
        var cloneMarker = await CommentAsync(Clone);
        var templateMarker = await CommentAsync(Kept.TemplateDatabase);
        var s = BranchStack();
        Assert.Equal(Clone, s.CloneDatabase);

        var (plan, result) = await _lab.UpAsync(_lab.Program(s, stack: Stack));
        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.All(plan.Changes.Values, c => Assert.Equal(ChangeKind.Create, c));
        Assert.Equal([(DeployPlan.BranchCommand, "create"), (DeployPlan.BranchSuiteCommand, "create")], _lab.Runner.Actions.Select(a => (a.Resource, a.What)));
        var outputs = BranchOutputs.FromSuite(_lab.Runner.Actions[^1].Stdout)!;
        Assert.Equal((Branch, "pr_123", Clone, true), (outputs.Database, outputs.Branch, outputs.Parent, outputs.Verified));
        Assert.Equal(30, outputs.Metrics["own"]);
        var marker = BranchMarker.Parse(await CommentAsync(Branch))!;
        Assert.True(marker.Complete);
        Assert.Equal(Stack, marker.Owner);

        // Again: only the suite step runs (copies nothing: the branch is complete).
        var (again, second) = await _lab.UpAsync(_lab.Program(s, stack: Stack));
        Assert.True(second.Succeeded, second.Failure?.Message);
        Assert.Equal([DeployPlan.BranchSuiteCommand], again.NamesOf(ChangeKind.Replace));
        Assert.Empty(again.NamesOf(ChangeKind.Update));
        Assert.Contains("\"copied\":false", _lab.Runner.Actions[^1].Stdout, StringComparison.Ordinal);
        Assert.Equal(marker.Created, BranchMarker.Parse(await CommentAsync(Branch))!.Created);

        // A profile change updates the branch step in place: it converges the branch to the new profile.
        var baseline = BranchStack(("seedProfile", "baseline"));
        var (switched, third) = await _lab.UpAsync(_lab.Program(baseline, stack: Stack));
        Assert.True(third.Succeeded, third.Failure?.Message);
        Assert.Equal([DeployPlan.BranchCommand], switched.NamesOf(ChangeKind.Update));
        Assert.True((await Branches.VerifyAsync("pr_123", SeedProfile.Baseline)).Passed);

        // Destroy: the branch's own Delete, govclone branch drop, and nothing else runs.
        var before = _lab.Runner.Actions.Count;
        var (_, destroyed) = await _lab.DestroyAsync();
        Assert.True(destroyed.Succeeded, destroyed.Failure?.Message);
        var drop = Assert.Single(_lab.Runner.Actions.Skip(before));
        Assert.Equal((DeployPlan.BranchCommand, "delete"), (drop.Resource, drop.What));
        Assert.StartsWith("./govclone branch drop --yes", drop.Text, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Branch));
        Assert.Empty(_lab.State.Entries);

        // The clone and its template never moved, and the clone still passes its suite.
        Assert.Equal(cloneMarker, await CommentAsync(Clone));
        Assert.Equal(templateMarker, await CommentAsync(Kept.TemplateDatabase));
        Assert.True((await new CloneLifecycle(Kept).VerifyAsync()).Passed);
    }

    [Fact]
    public async Task Transition_two_pull_requests_stacks_at_once_each_make_their_own_branch()
    {
        var lab2 = DeploymentLab.Create(Pg);
        try
        {
            var s = BranchStack();
            var results = await Task.WhenAll(_lab.UpAsync(_lab.Program(s, stack: "pr-1")), lab2.UpAsync(lab2.Program(s, stack: "pr-2")));
            Assert.All(results, r => Assert.True(r.Result.Succeeded, r.Result.Failure?.Message));
            Assert.Equal(["pr_1", "pr_2"], (await Branches.ListAsync()).Where(b => b.Complete).Select(b => b.Name));
            var (_, gone) = await lab2.DestroyAsync();
            Assert.True(gone.Succeeded);
            Assert.Equal(["pr_1"], (await Branches.ListAsync()).Select(b => b.Name));
        }
        finally
        {
            await lab2.DisposeAsync();
        }
    }
}
