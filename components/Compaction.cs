using System.Collections.Immutable;
using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>The arguments of <see cref="Compaction"/>.</summary>
public sealed class CompactionArgs : ResourceArgs
{
    /// <summary>The seeded state it compacts after.</summary>
    public SeededState SeededState { get; set; } = null!;

    /// <summary>govclone:compactGeneration: a bump replaces the step, which runs it.</summary>
    [Input("generation", required: true)]
    public Input<int> Generation { get; set; } = null!;

    /// <summary><c>./govclone compact …</c>.</summary>
    [Input("compact", required: true)]
    public Input<string> Compact { get; set; } = null!;

    /// <summary>What an update runs (an <c>echo</c>: VACUUM FULL only once per generation).</summary>
    [Input("onUpdate", required: true)]
    public Input<string> OnUpdate { get; set; } = null!;

    /// <summary>The <c>GOVCLONE_*</c> environment, secrets included: a secret Output.</summary>
    [Input("environment", required: true)]
    public InputMap<string> Environment { get; set; } = null!;
}

/// <summary>
/// <c>{name}-vacuum-full</c> runs <c>govclone compact</c> (VACUUM (FULL, ANALYZE)) under the run lock, once per bump of
/// govclone:compactGeneration (the trigger replaces it, which runs it); any other change runs an echo.
/// </summary>
public sealed class Compaction : ComponentResource
{
    public Compaction(string name, CompactionArgs args, ComponentResourceOptions? options = null)
        : base(ResourceTypes.Compaction, name, options)
    {
        ArgumentNullException.ThrowIfNull(args);

        VacuumFull = new Local.Command($"{name}-vacuum-full", new Local.CommandArgs
        {
            Create = args.Compact,
            Update = args.OnUpdate,
            Triggers = args.Generation.Apply(g => ImmutableArray.Create<object>(g)),
            Environment = args.Environment,
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        }, new CustomResourceOptions
        {
            Parent = this,
            DependsOn = { args.SeededState.Seed },
            AdditionalSecretOutputs = { "environment" },
        });

        Generation = args.Generation;
        RegisterOutputs();
    }

    /// <summary>govclone:compactGeneration.</summary>
    [Output("generation")]
    public Output<int> Generation { get; }

    /// <summary><c>govclone compact</c>.</summary>
    public Local.Command VacuumFull { get; }
}
