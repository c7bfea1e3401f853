using System.Collections.Immutable;
using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>The arguments of <see cref="Clone"/>: the clone lever's lines and environment, and what it reports.</summary>
public sealed class CloneArgs : ResourceArgs
{
    /// <summary>The clone database the lever fills: its Database and PUBLIC revoke are made before the lever runs.</summary>
    public CloneDatabase Database { get; set; } = null!;

    /// <summary><c>./govclone clone …</c>: what runs on create and on every update.</summary>
    [Input("converge", required: true)]
    public Input<string> Converge { get; set; } = null!;

    /// <summary><c>./govclone drop …</c>: what runs on delete (with the inputs stored last).</summary>
    [Input("drop", required: true)]
    public Input<string> Drop { get; set; } = null!;

    /// <summary>The clone family's identity (<c>cloneDatabase=…</c>, <c>templateDatabase=…</c>, <c>sourceDatabase=…</c>, and <c>masking=…</c> unless the default's): a change replaces the step, the old family dropped first.</summary>
    [Input("family", required: true)]
    public InputList<string> Family { get; set; } = null!;

    /// <summary>The <c>GOVCLONE_*</c> environment, secrets included: a secret Output.</summary>
    [Input("environment", required: true)]
    public InputMap<string> Environment { get; set; } = null!;

    /// <summary>What the retired template-drop step runs (an <c>echo</c>).</summary>
    [Input("retiredTemplateDrop", required: true)]
    public Input<string> RetiredTemplateDrop { get; set; } = null!;

    [Input("generation", required: true)]
    public Input<int> Generation { get; set; } = null!;

    [Input("templateDatabase", required: true)]
    public Input<string> TemplateDatabase { get; set; } = null!;

    [Input("cloneMethod", required: true)]
    public Input<string> CloneMethod { get; set; } = null!;

    [Input("retainTemplate", required: true)]
    public Input<string> RetainTemplate { get; set; } = null!;

    /// <summary>govclone:masking's identity, as the clone's marker carries it.</summary>
    [Input("masking", required: true)]
    public Input<string> Masking { get; set; } = null!;
}

/// <summary>
/// The clone: <c>{name}-converge</c> runs <c>govclone clone</c> under the run lock, converging to a complete clone of
/// the configured generation (copies nothing when current; swaps in the ready spare, FILE_COPYs the retained template
/// or streams from the source otherwise; keeps or drops the template as govclone:retainTemplate says). Its Delete is
/// <c>govclone drop</c> (the clone family, under the lock). A different clone, template, source or masking replaces
/// it, the old family dropped first. <c>govclone script</c> prints what runs at the server.
/// </summary>
public sealed class Clone : ComponentResource
{
    public Clone(string name, CloneArgs args, ComponentResourceOptions? options = null)
        : base(ResourceTypes.Clone, name, options)
    {
        ArgumentNullException.ThrowIfNull(args);

        Converge = new Local.Command($"{name}-converge", new Local.CommandArgs
        {
            Create = args.Converge,
            Delete = args.Drop,
            Triggers = args.Family.Apply(family => family.Cast<object>().ToImmutableArray()),
            Environment = args.Environment,
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        }, new CustomResourceOptions
        {
            Parent = this,
            DependsOn = { args.Database.Database, args.Database.PublicRevoked },
            // A replaced clone family is dropped before the new one is made: the old Delete never drops what the new config made.
            DeleteBeforeReplace = true,
            CustomTimeouts = new CustomTimeouts { Create = TimeSpan.FromHours(2), Update = TimeSpan.FromHours(2), Delete = TimeSpan.FromMinutes(30) },
            AdditionalSecretOutputs = { "environment" },
            Aliases = { new Alias { Name = "dump-restore-pg-dump-psql" } }, // its name before issue 24
        });

        // Kept so stacks made before the levers (whose template Command's Delete dropped the template outside the run
        // lock) update it in place and forget that Delete: removing it would run it. Runs an echo; never deletes.
        RetiredTemplateDrop = new Local.Command($"{name}-template-drop-retired", new Local.CommandArgs
        {
            Create = args.RetiredTemplateDrop,
            Triggers = new InputList<object>(), // empty, as released
            Environment = Output.CreateSecret(ImmutableDictionary<string, string>.Empty), // empty, and secret like every Command's (as released)
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        }, new CustomResourceOptions
        {
            Parent = this,
            DependsOn = { args.Database.Database },
            RetainOnDelete = true,
            AdditionalSecretOutputs = { "environment" },
            Aliases =
            {
                new Alias { Name = "dump-restore-retained-template" },
                new Alias { Name = "dump-restore-retained-template", Type = ResourceTypes.RemoteCommand }, // over Pulumi's own ssh, once
            },
        });

        Generation = args.Generation;
        TemplateDatabase = args.TemplateDatabase;
        CloneMethod = args.CloneMethod;
        RetainTemplate = args.RetainTemplate;
        Masking = args.Masking;
        RegisterOutputs();
    }

    /// <summary>govclone:cloneGeneration.</summary>
    [Output("generation")]
    public Output<int> Generation { get; }

    [Output("templateDatabase")]
    public Output<string> TemplateDatabase { get; }

    [Output("cloneMethod")]
    public Output<string> CloneMethod { get; }

    [Output("retainTemplate")]
    public Output<string> RetainTemplate { get; }

    /// <summary>govclone:masking's identity (docs/masking.md).</summary>
    [Output("masking")]
    public Output<string> Masking { get; }

    /// <summary><c>govclone clone</c> (create, update), <c>govclone drop</c> (delete).</summary>
    public Local.Command Converge { get; }

    /// <summary>The retired template-drop step: an <c>echo</c>.</summary>
    public Local.Command RetiredTemplateDrop { get; }
}
