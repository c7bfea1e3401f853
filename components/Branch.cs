using System.Collections.Immutable;
using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra;

/// <summary>The arguments of <see cref="Branch"/>.</summary>
public sealed class BranchArgs : ResourceArgs
{
    /// <summary>The branch's database (<c>&lt;parent&gt;_&lt;NAME&gt;</c>).</summary>
    [Input("database", required: true)]
    public Input<string> Database { get; set; } = null!;

    /// <summary>NAME (from the stack's name: pr-123 → pr_123).</summary>
    [Input("branch", required: true)]
    public Input<string> BranchName { get; set; } = null!;

    /// <summary>The parent clone (govclone:branchOf).</summary>
    [Input("parent", required: true)]
    public Input<string> Parent { get; set; } = null!;

    /// <summary>The owner label the branch's marker carries.</summary>
    [Input("owner", required: true)]
    public Input<string> Owner { get; set; } = null!;

    /// <summary><c>./govclone branch create NAME …</c>: what runs on create and on every update.</summary>
    [Input("create", required: true)]
    public Input<string> Create { get; set; } = null!;

    /// <summary><c>./govclone branch drop NAME …</c>: what runs on delete.</summary>
    [Input("drop", required: true)]
    public Input<string> Drop { get; set; } = null!;

    /// <summary>The branch's identity (<c>cloneDatabase=…</c>, <c>templateDatabase=…</c>, <c>branch=…</c>): a change replaces it, the old branch dropped first.</summary>
    [Input("identity", required: true)]
    public InputList<string> Identity { get; set; } = null!;

    /// <summary>The <c>GOVCLONE_*</c> environment, secrets included: a secret Output.</summary>
    [Input("environment", required: true)]
    public InputMap<string> Environment { get; set; } = null!;
}

/// <summary>
/// A branch stack's branch (govclone:branchOf): <c>{name}-create</c> runs <c>govclone branch create NAME</c> under the
/// branch's own lock, which copies the parent clone's retained template to <c>&lt;parent&gt;_&lt;NAME&gt;</c>, seeds it and
/// runs the suite; its Delete is <c>govclone branch drop NAME</c>. Another parent or template replaces it, the old
/// branch dropped first.
/// </summary>
public sealed class Branch : ComponentResource
{
    public Branch(string name, BranchArgs args, ComponentResourceOptions? options = null)
        : base(ResourceTypes.Branch, name, options)
    {
        ArgumentNullException.ThrowIfNull(args);

        Create = new Local.Command($"{name}-create", new Local.CommandArgs
        {
            Create = args.Create,
            Delete = args.Drop,
            Triggers = args.Identity.Apply(identity => identity.Cast<object>().ToImmutableArray()),
            Environment = args.Environment,
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        }, new CustomResourceOptions
        {
            Parent = this,
            DeleteBeforeReplace = true,
            CustomTimeouts = new CustomTimeouts { Create = TimeSpan.FromHours(1), Update = TimeSpan.FromHours(1), Delete = TimeSpan.FromMinutes(30) },
            AdditionalSecretOutputs = { "environment" },
        });

        Database = args.Database;
        BranchName = args.BranchName;
        ParentClone = args.Parent;
        Owner = args.Owner;
        RegisterOutputs();
    }

    /// <summary>The branch's database: what a pull request's tests connect to.</summary>
    [Output("name")]
    public Output<string> Database { get; }

    [Output("branch")]
    public Output<string> BranchName { get; }

    [Output("parent")]
    public Output<string> ParentClone { get; }

    [Output("owner")]
    public Output<string> Owner { get; }

    /// <summary><c>govclone branch create</c> (create, update), <c>govclone branch drop</c> (delete).</summary>
    public Local.Command Create { get; }
}
