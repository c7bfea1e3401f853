using GovClone.Configuration;
using GovClone.Sql;
using GovClone.Transport;
using Pulumi;

namespace GovCloneInfra;

public sealed class SeededStateArgs
{
    public required StackSettings Stack { get; init; }

    public required CloneDatabase Database { get; init; }

    public required DumpRestore Clone { get; init; }
}

/// <summary>
/// The seeded governance state, declaratively: <c>govclone:seedProfile: committed</c> seeds the committed
/// evidence (own=30 …), <c>baseline</c> resets in place to own=0, gap=210, candidates=0; switching the
/// profile re-runs the step with the other script. Removing the resource resets in place; destroying the
/// whole stack skips that (DeletedWith the database, which is dropped anyway). A re-clone replaces it,
/// delete first, so the fresh clone is seeded.
/// </summary>
public sealed class SeededState : ComponentResource
{
    public SeededState(string name, SeededStateArgs args, ComponentResourceOptions? options = null)
        : base("govclone:governance:SeededState", name, options)
    {
        ArgumentNullException.ThrowIfNull(args);
        var s = args.Stack.Settings;
        var t = args.Stack.Transport;
        var reset = ServerScripts.Psql(t, s.CloneDatabase, SqlScripts.Get(SqlScripts.ResetInPlace));
        Script = s.SeedProfile == SeedProfile.Committed
            ? ServerScripts.Psql(t, s.CloneDatabase, SqlScripts.Get(SqlScripts.SeedCommitted))
            : reset;
        Command = ServerCommand.Create($"{name}-{s.SeedProfile.ToString().ToLowerInvariant()}", args.Stack,
            new ServerStep(Script, DeleteScript: reset, Triggers: [s.CloneGeneration]),
            new CustomResourceOptions
            {
                Parent = this,
                DependsOn = [args.Clone.Command],
                DeleteBeforeReplace = true,
                DeletedWith = args.Database.Database,
            });
        RegisterOutputs(new Dictionary<string, object?> { ["profile"] = s.SeedProfile.ToString().ToLowerInvariant() });
    }

    public string Script { get; }

    public CustomResource Command { get; }
}
