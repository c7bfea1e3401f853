using GovClone.Transport;
using Pulumi;

namespace GovCloneInfra;

public sealed class DumpRestoreArgs
{
    public required StackSettings Stack { get; init; }

    public required CloneDatabase Database { get; init; }

    /// <summary>Resources that must finish first (the production fingerprint taken before the run).</summary>
    public IReadOnlyList<Resource> After { get; init; } = [];
}

/// <summary>
/// The clone step: the core's clone script (govclone:cloneMethod: from the retained template, or one
/// snapshot of the source streamed table by table, or the plain pg_dump | psql; ANALYZE; complete marker
/// last) run over the stack's transport. Bumping
/// <c>govclone:cloneGeneration</c> replaces it; the script sees the older generation's marker and
/// re-clones. DeleteBeforeReplace so no old delete ever runs after the fresh clone; DeletedWith the
/// database, whose own delete drops everything on destroy.
/// </summary>
public sealed class DumpRestore : ComponentResource
{
    public DumpRestore(string name, DumpRestoreArgs args, ComponentResourceOptions? options = null)
        : base("govclone:clone:DumpRestore", name, options)
    {
        ArgumentNullException.ThrowIfNull(args);
        var s = args.Stack.Settings;
        Script = GovClone.Engine.EngineScript.Clone(s, args.Stack.Transport);
        Command = ServerCommand.Create($"{name}-pg-dump-psql", args.Stack,
            new ServerStep(Script, Triggers: [s.CloneGeneration]),
            new CustomResourceOptions
            {
                Parent = this,
                DependsOn = [args.Database.Database, args.Database.PublicRevoked, .. args.After],
                DeleteBeforeReplace = true,
                DeletedWith = args.Database.Database,
                CustomTimeouts = new CustomTimeouts { Create = TimeSpan.FromHours(2), Update = TimeSpan.FromHours(2) },
            });
        // The clone script may keep a FILE_COPY template of the fresh clone (govclone:retainTemplate) for fast
        // re-clones. Dropping the clone database does not remove it, so this Command's Delete does, on destroy.
        // Not DeletedWith the database: its Delete must run even though the database is deleted too.
        RetainedTemplate = ServerCommand.Create($"{name}-retained-template", args.Stack,
            new ServerStep("exit 0\n", DeleteScript: DeployScripts.DropTemplate(s, args.Stack.Transport)),
            new CustomResourceOptions { Parent = this, DependsOn = [args.Database.Database] });
        RegisterOutputs(new Dictionary<string, object?> { ["generation"] = s.CloneGeneration, ["templateDatabase"] = s.TemplateDatabase });
    }

    /// <summary>Exactly what runs at the server (also shown by <c>govclone script</c>).</summary>
    public string Script { get; }

    public CustomResource Command { get; }

    /// <summary>Holds the Delete that drops the retained template on destroy.</summary>
    public CustomResource RetainedTemplate { get; }
}
