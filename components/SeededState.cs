using System.Collections.Immutable;
using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>The arguments of <see cref="SeededState"/>.</summary>
public sealed class SeededStateArgs : ResourceArgs
{
    /// <summary>The clone it seeds: seeded after the clone lever.</summary>
    public Clone Clone { get; set; } = null!;

    /// <summary>govclone:seedProfile: committed or baseline.</summary>
    [Input("profile", required: true)]
    public Input<string> Profile { get; set; } = null!;

    /// <summary><c>./govclone seed --profile P …</c>.</summary>
    [Input("seed", required: true)]
    public Input<string> Seed { get; set; } = null!;

    /// <summary>govclone:cloneGeneration: a re-clone replaces the step, so the fresh clone is seeded.</summary>
    [Input("cloneGeneration", required: true)]
    public Input<int> CloneGeneration { get; set; } = null!;

    /// <summary>The <c>GOVCLONE_*</c> environment, secrets included: a secret Output.</summary>
    [Input("environment", required: true)]
    public InputMap<string> Environment { get; set; } = null!;
}

/// <summary>
/// The seeded governance state, declaratively: <c>{name}-seed</c> runs <c>govclone seed --profile P</c> under the run
/// lock, converging the clone to govclone:seedProfile (committed: own=30 …; baseline: own=0, gap=210, candidates=0).
/// A profile switch updates it in place; a re-clone replaces it so the fresh clone is seeded. It has no Delete:
/// removing it never resets anything. Its earlier names (governance-committed / governance-baseline) are aliases.
/// </summary>
public sealed class SeededState : ComponentResource
{
    public SeededState(string name, SeededStateArgs args, ComponentResourceOptions? options = null)
        : base(ResourceTypes.SeededState, name, options)
    {
        ArgumentNullException.ThrowIfNull(args);

        Seed = new Local.Command($"{name}-seed", new Local.CommandArgs
        {
            Create = args.Seed,
            Triggers = args.CloneGeneration.Apply(g => ImmutableArray.Create<object>(g)),
            Environment = args.Environment,
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        }, new CustomResourceOptions
        {
            Parent = this,
            DependsOn = { args.Clone.Converge },
            DeleteBeforeReplace = true,
            AdditionalSecretOutputs = { "environment" },
            // Earlier versions named it by profile (with a reset Delete, forgotten by the update), and ran it over
            // Pulumi's own ssh when a key was set.
            Aliases =
            {
                new Alias { Name = "governance-committed" },
                new Alias { Name = "governance-baseline" },
                new Alias { Name = "governance-committed", Type = ResourceTypes.RemoteCommand },
                new Alias { Name = "governance-baseline", Type = ResourceTypes.RemoteCommand },
            },
        });

        Profile = args.Profile;
        RegisterOutputs();
    }

    /// <summary>govclone:seedProfile.</summary>
    [Output("profile")]
    public Output<string> Profile { get; }

    /// <summary><c>govclone seed --profile P</c>.</summary>
    public Local.Command Seed { get; }
}
