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
/// The dump|restore clone step: the core's clone script (pg_dump SOURCE | psql CLONE in one transaction,
/// ON_ERROR_STOP, ANALYZE, complete marker) run over the stack's transport. Bumping
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
        Script = ServerScripts.Clone(s, args.Stack.Transport);
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
        RegisterOutputs(new Dictionary<string, object?> { ["generation"] = s.CloneGeneration });
    }

    /// <summary>Exactly what runs at the server (also shown by <c>govclone script</c>).</summary>
    public string Script { get; }

    public CustomResource Command { get; }
}
