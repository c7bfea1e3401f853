using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>
/// The regression suite on every <c>pulumi up</c> (a per-run trigger): <c>govclone up</c> converges whatever
/// drifted and runs the suite (the step fails on drift), fingerprinting production before and after; then
/// <c>govclone status</c>. Their JSON results are the stack outputs.
/// </summary>
public sealed class RegressionSuite : ComponentResource
{
    public RegressionSuite(PlannedResources plan, ComponentResourceOptions? options = null)
        : base(ResourceTypes.RegressionSuite, DeployPlan.Suite, options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Add(DeployPlan.Suite, this);
        plan.CreateChildren(this, DeployPlan.Suite);
        Command = plan.Get<Local.Command>(DeployPlan.SuiteCommand);
        var settings = plan.Stack.Settings;
        Outputs = Command.Stdout.Apply(stdout => StackOutputs.FromSuite(settings, stdout)
            ?? throw new InvalidOperationException("the regression suite step printed no govclone up and status results"));
        var registered = plan.Plan[DeployPlan.Suite].Outputs.ToDictionary(kv => kv.Key, kv => kv.Value);
        registered["verified"] = Outputs.Apply(o => o.Verified);
        registered["productionUnchanged"] = Outputs.Apply(o => o.ProductionUnchanged);
        RegisterOutputs(registered);
    }

    public Local.Command Command { get; }

    public Output<StackOutputs> Outputs { get; }
}
