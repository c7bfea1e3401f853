using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>
/// A branch stack's branch (govclone:branchOf): <c>govclone branch create NAME</c> under the branch's own lock copies
/// the parent clone's retained template to <c>&lt;parent&gt;_&lt;NAME&gt;</c>, seeds it and runs the suite; its Delete is
/// <c>govclone branch drop NAME</c>. Another parent or template replaces it, the old branch dropped first.
/// </summary>
public sealed class Branch : ComponentResource
{
    public Branch(PlannedResources plan, ComponentResourceOptions? options = null)
        : base(ResourceTypes.Branch, DeployPlan.Branch, options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Add(DeployPlan.Branch, this);
        plan.CreateChildren(this, DeployPlan.Branch);
        Command = plan.Get<Local.Command>(DeployPlan.BranchCommand);
        RegisterOutputs(plan.Plan[DeployPlan.Branch].Outputs.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    public Local.Command Command { get; }
}
