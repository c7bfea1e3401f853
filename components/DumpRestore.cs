using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>
/// The clone step: <c>govclone clone</c> under the run lock, converging to a complete clone of the configured
/// generation (copies nothing when current; the retained template's presence follows govclone:retainTemplate).
/// Its Delete is <c>govclone drop</c> (clone and template, under the lock). A different clone, template or source
/// replaces it, the old family dropped first. <c>govclone script</c> prints what runs at the server.
/// </summary>
public sealed class DumpRestore : ComponentResource
{
    public DumpRestore(PlannedResources plan, ComponentResourceOptions? options = null)
        : base(ResourceTypes.DumpRestore, DeployPlan.DumpRestore, options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Add(DeployPlan.DumpRestore, this);
        plan.CreateChildren(this, DeployPlan.DumpRestore);
        Command = plan.Get<Local.Command>(DeployPlan.CloneCommand);
        RetainedTemplate = plan.Get<Local.Command>(DeployPlan.RetainedTemplate);
        RegisterOutputs(plan.Plan[DeployPlan.DumpRestore].Outputs.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    public Local.Command Command { get; }

    /// <summary>Kept under its old name so existing stacks forget its old Delete; runs nothing.</summary>
    public Local.Command RetainedTemplate { get; }
}
