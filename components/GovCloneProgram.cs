using GovClone.Deploy;
using Pulumi;

namespace GovCloneInfra;

/// <summary>
/// The whole stack, as the core's <see cref="DeployPlan"/> describes it: clone database → clone → seeded state →
/// (compaction) → regression suite, every server-side step a govclone lever under the run lock, and the stack
/// outputs from the suite step's JSON; or, on a branch stack (govclone:branchOf), branch → suite on it. Used by
/// Program.cs and by the mock tests.
/// </summary>
public static class GovCloneProgram
{
    /// <param name="stack">The validated settings and secrets.</param>
    /// <param name="options">Options for every component (and, through them, every child): the mock tests pass resource transformations to observe options.</param>
    public static Dictionary<string, object?> Define(StackSettings stack, ComponentResourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var plan = new PlannedResources(stack);
        var s = stack.Settings;
        ComponentResourceOptions Opts() => ComponentResourceOptions.Merge(options, null);
        if (stack.Plan.IsBranch)
        {
            return DefineBranch(plan, Opts);
        }

        var database = new CloneDatabase(plan, Opts());
        _ = new DumpRestore(plan, Opts());
        _ = new SeededState(plan, Opts());
        if (stack.Plan.Contains(DeployPlan.Compaction))
        {
            _ = new Compaction(plan, Opts());
        }

        var suite = new RegressionSuite(plan, Opts());
        var outputs = suite.Outputs;
        return new Dictionary<string, object?>
        {
            ["cloneName"] = database.Name,
            ["cloneSizeBytes"] = outputs.Apply(o => o.CloneSizeBytes),
            ["metrics"] = outputs.Apply(o => o.Metrics),
            ["evidence"] = outputs.Apply(o => o.Evidence),
            ["verified"] = outputs.Apply(o => o.Verified),
            ["decision"] = outputs.Apply(o => o.Decision),
            ["decisionReason"] = outputs.Apply(o => o.DecisionReason),
            ["decisionFactors"] = outputs.Apply(o => o.Factors),
            ["productionUnchanged"] = outputs.Apply(o => o.ProductionUnchanged),
            ["plannedDecision"] = StackOutputs.PlannedDecision(s),
            ["seedProfile"] = s.SeedProfile.ToString().ToLowerInvariant(),
            ["cloneGeneration"] = s.CloneGeneration,
        };
    }

    /// <summary>
    /// A branch stack (govclone:branchOf): the branch instead of the clone, and the suite on it every run; its outputs
    /// name the branch's database (what a pull request's tests connect to).
    /// </summary>
    private static Dictionary<string, object?> DefineBranch(PlannedResources plan, Func<ComponentResourceOptions> options)
    {
        var branch = plan.Plan.BranchName!;
        _ = new Branch(plan, options());
        var suite = new BranchSuite(plan, options());
        var outputs = suite.Outputs;
        return new Dictionary<string, object?>
        {
            ["branchName"] = branch.Database,
            ["branch"] = branch.Name,
            ["parentClone"] = branch.Parent,
            ["seedProfile"] = plan.Stack.Settings.SeedProfile.ToString().ToLowerInvariant(),
            ["sizeBytes"] = outputs.Apply(o => o.SizeBytes),
            ["metrics"] = outputs.Apply(o => o.Metrics),
            ["evidence"] = outputs.Apply(o => o.Evidence),
            ["verified"] = outputs.Apply(o => o.Verified),
        };
    }
}
