using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>
/// A branch stack's suite on every <c>pulumi up</c> (a per-run trigger): <c>govclone branch create NAME</c> converges the
/// branch (copies nothing when it is complete; seeds it when the suite drifted) and runs the suite on it (the step
/// fails on drift). Its JSON result is the stack outputs.
/// </summary>
public sealed class BranchSuite : ComponentResource
{
    public BranchSuite(PlannedResources plan, ComponentResourceOptions? options = null)
        : base(ResourceTypes.BranchSuite, DeployPlan.BranchSuite, options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Add(DeployPlan.BranchSuite, this);
        plan.CreateChildren(this, DeployPlan.BranchSuite);
        Command = plan.Get<Local.Command>(DeployPlan.BranchSuiteCommand);
        Outputs = Command.Stdout.Apply(stdout => BranchOutputs.FromSuite(stdout)
            ?? throw new InvalidOperationException("the branch's suite step printed no govclone branch create result"));
        var registered = plan.Plan[DeployPlan.BranchSuite].Outputs.ToDictionary(kv => kv.Key, kv => kv.Value);
        registered["verified"] = Outputs.Apply(o => o.Verified);
        RegisterOutputs(registered);
    }

    public Local.Command Command { get; }

    public Output<BranchOutputs> Outputs { get; }
}
