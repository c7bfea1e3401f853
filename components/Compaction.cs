using GovClone.Sql;
using GovClone.Transport;
using Pulumi;

namespace GovCloneInfra;

public sealed class CompactionArgs
{
    public required StackSettings Stack { get; init; }

    public required SeededState Seed { get; init; }
}

/// <summary>compact: VACUUM (FULL, ANALYZE) of the clone, once per bump of <c>govclone:compactGeneration</c>.</summary>
public sealed class Compaction : ComponentResource
{
    public Compaction(string name, CompactionArgs args, ComponentResourceOptions? options = null)
        : base("govclone:governance:Compaction", name, options)
    {
        ArgumentNullException.ThrowIfNull(args);
        var s = args.Stack.Settings;
        Script = ServerScripts.Psql(args.Stack.Transport, s.CloneDatabase, SqlScripts.Get(SqlScripts.Compact));
        Command = ServerCommand.Create($"{name}-vacuum-full", args.Stack,
            new ServerStep(Script, Triggers: [s.CompactGeneration]),
            new CustomResourceOptions { Parent = this, DependsOn = [args.Seed.Command] });
        RegisterOutputs(new Dictionary<string, object?> { ["generation"] = s.CompactGeneration });
    }

    public string Script { get; }

    public CustomResource Command { get; }
}
