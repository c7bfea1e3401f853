using System.Collections.Immutable;
using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>The arguments of <see cref="BranchSuite"/>.</summary>
public sealed class BranchSuiteArgs : ResourceArgs
{
    /// <summary>The branch it checks: it runs after the branch's create.</summary>
    public Branch Branch { get; set; } = null!;

    /// <summary>govclone:seedProfile.</summary>
    [Input("profile", required: true)]
    public Input<string> Profile { get; set; } = null!;

    /// <summary>The branch's <c>./govclone branch create NAME …</c> line.</summary>
    [Input("create", required: true)]
    public Input<string> Create { get; set; } = null!;

    /// <summary>A fresh value per <c>pulumi up</c>: the step's trigger, so it runs every time.</summary>
    [Input("runId", required: true)]
    public Input<string> RunId { get; set; } = null!;

    /// <summary>The <c>GOVCLONE_*</c> environment, secrets included: a secret Output.</summary>
    [Input("environment", required: true)]
    public InputMap<string> Environment { get; set; } = null!;
}

/// <summary>
/// A branch stack's suite on every <c>pulumi up</c> (a per-run trigger): <c>{name}-run</c> runs <c>govclone branch
/// create NAME</c> again, which converges the branch (copies nothing when it is complete; seeds it when the suite
/// drifted) and runs the suite on it (the step fails on drift). Its JSON result is <see cref="Result"/>, the stack outputs.
/// </summary>
public sealed class BranchSuite : ComponentResource
{
    public BranchSuite(string name, BranchSuiteArgs args, ComponentResourceOptions? options = null)
        : base(ResourceTypes.BranchSuite, name, options)
    {
        ArgumentNullException.ThrowIfNull(args);

        Run = new Local.Command($"{name}-run", new Local.CommandArgs
        {
            Create = args.Create,
            Triggers = args.RunId.Apply(id => ImmutableArray.Create<object>(id)),
            Environment = args.Environment,
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        }, new CustomResourceOptions
        {
            Parent = this,
            DependsOn = { args.Branch.Create },
            AdditionalSecretOutputs = { "environment" },
        });

        Result = Run.Stdout.Apply(stdout => BranchOutputs.FromSuite(stdout)
            ?? throw new InvalidOperationException("the branch's suite step printed no govclone branch create result"));
        Profile = args.Profile;
        Verified = Result.Apply(r => r.Verified);
        RegisterOutputs();
    }

    /// <summary>govclone:seedProfile.</summary>
    [Output("profile")]
    public Output<string> Profile { get; }

    /// <summary>The suite passed on the branch.</summary>
    [Output("verified")]
    public Output<bool> Verified { get; }

    /// <summary><c>govclone branch create</c>, every run.</summary>
    public Local.Command Run { get; }

    /// <summary>The step's result: the stack outputs.</summary>
    public Output<BranchOutputs> Result { get; }
}
