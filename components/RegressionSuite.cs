using System.Collections.Immutable;
using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>The arguments of <see cref="RegressionSuite"/>.</summary>
public sealed class RegressionSuiteArgs : ResourceArgs
{
    /// <summary>The seeded state the suite checks: it runs after the seed.</summary>
    public SeededState SeededState { get; set; } = null!;

    /// <summary>The compaction, when there is one: the suite runs after it too.</summary>
    public Compaction? Compaction { get; set; }

    /// <summary>govclone:seedProfile.</summary>
    [Input("profile", required: true)]
    public Input<string> Profile { get; set; } = null!;

    /// <summary>The clone the results name.</summary>
    [Input("cloneDatabase", required: true)]
    public Input<string> CloneDatabase { get; set; } = null!;

    /// <summary><c>./govclone up … &amp;&amp; ./govclone status …</c>.</summary>
    [Input("up", required: true)]
    public Input<string> Up { get; set; } = null!;

    /// <summary>A fresh value per <c>pulumi up</c>: the step's trigger, so it runs every time.</summary>
    [Input("runId", required: true)]
    public Input<string> RunId { get; set; } = null!;

    /// <summary>The <c>GOVCLONE_*</c> environment, secrets included: a secret Output.</summary>
    [Input("environment", required: true)]
    public InputMap<string> Environment { get; set; } = null!;
}

/// <summary>
/// The regression suite on every <c>pulumi up</c> (a per-run trigger): <c>{name}-up</c> runs <c>govclone up</c>, which
/// converges whatever drifted and runs the suite (the step fails on drift), fingerprinting production before and
/// after; then <c>govclone status</c>. Their JSON results are <see cref="Result"/>, the stack outputs.
/// </summary>
public sealed class RegressionSuite : ComponentResource
{
    public RegressionSuite(string name, RegressionSuiteArgs args, ComponentResourceOptions? options = null)
        : base(ResourceTypes.RegressionSuite, name, options)
    {
        ArgumentNullException.ThrowIfNull(args);

        var after = new InputList<Resource> { args.SeededState.Seed };
        if (args.Compaction is { } compaction)
        {
            after.Add(compaction.VacuumFull);
        }

        Up = new Local.Command($"{name}-up", new Local.CommandArgs
        {
            Create = args.Up,
            Triggers = args.RunId.Apply(id => ImmutableArray.Create<object>(id)),
            Environment = args.Environment,
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        }, new CustomResourceOptions
        {
            Parent = this,
            DependsOn = after,
            AdditionalSecretOutputs = { "environment" },
            Aliases = { new Alias { Name = "regression-suite-run" } }, // its name before issue 24
        });

        Output<string> cloneDatabase = args.CloneDatabase;
        Result = Output.Tuple(cloneDatabase, Up.Stdout).Apply(t => StackOutputs.FromSuite(t.Item1, t.Item2)
            ?? throw new InvalidOperationException("the regression suite step printed no govclone up and status results"));
        Profile = args.Profile;
        Verified = Result.Apply(r => r.Verified);
        ProductionUnchanged = Result.Apply(r => r.ProductionUnchanged);
        RegisterOutputs();
    }

    /// <summary>govclone:seedProfile.</summary>
    [Output("profile")]
    public Output<string> Profile { get; }

    /// <summary>The suite passed.</summary>
    [Output("verified")]
    public Output<bool> Verified { get; }

    /// <summary>Production's fingerprint was the same before and after.</summary>
    [Output("productionUnchanged")]
    public Output<bool> ProductionUnchanged { get; }

    /// <summary><c>govclone up &amp;&amp; govclone status</c>.</summary>
    public Local.Command Up { get; }

    /// <summary>The step's results: the stack outputs.</summary>
    public Output<StackOutputs> Result { get; }
}
