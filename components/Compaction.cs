using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>
/// compact: <c>govclone compact</c> (VACUUM (FULL, ANALYZE)) under the run lock, once per bump of
/// govclone:compactGeneration (the trigger replaces it, which runs it); any other change runs nothing.
/// </summary>
public sealed class Compaction : ComponentResource
{
    public Compaction(PlannedResources plan, ComponentResourceOptions? options = null)
        : base(ResourceTypes.Compaction, DeployPlan.Compaction, options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Add(DeployPlan.Compaction, this);
        plan.CreateChildren(this, DeployPlan.Compaction);
        Command = plan.Get<Local.Command>(DeployPlan.CompactCommand);
        RegisterOutputs(plan.Plan[DeployPlan.Compaction].Outputs.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    public Local.Command Command { get; }
}
