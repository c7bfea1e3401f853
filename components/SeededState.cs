using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>
/// The seeded governance state, declaratively: <c>govclone seed --profile P</c> under the run lock converges the
/// clone to govclone:seedProfile (committed: own=30 …; baseline: own=0, gap=210, candidates=0). A profile switch
/// updates this one resource in place; a re-clone replaces it so the fresh clone is seeded. It has no Delete:
/// removing it never resets anything. Earlier names (governance-committed / governance-baseline) are aliases.
/// </summary>
public sealed class SeededState : ComponentResource
{
    public SeededState(PlannedResources plan, ComponentResourceOptions? options = null)
        : base(ResourceTypes.SeededState, DeployPlan.Governance, options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Add(DeployPlan.Governance, this);
        plan.CreateChildren(this, DeployPlan.Governance);
        Command = plan.Get<Local.Command>(DeployPlan.SeedCommand);
        RegisterOutputs(plan.Plan[DeployPlan.Governance].Outputs.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    public Local.Command Command { get; }
}
