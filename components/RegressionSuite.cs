using GovClone.Transport;
using Pulumi;

namespace GovCloneInfra;

public sealed class RegressionSuiteArgs
{
    public required StackSettings Stack { get; init; }

    /// <summary>Everything the suite must run after.</summary>
    public required IReadOnlyList<Resource> After { get; init; }
}

/// <summary>
/// The post-deploy regression suite: runs on every <c>pulumi up</c> (a per-run trigger), prints the
/// have/want table, fails the update on any drift (psql exits 3), and reports the facts the stack
/// outputs are computed from.
/// </summary>
public sealed class RegressionSuite : ComponentResource
{
    public RegressionSuite(string name, RegressionSuiteArgs args, ComponentResourceOptions? options = null)
        : base("govclone:governance:RegressionSuite", name, options)
    {
        ArgumentNullException.ThrowIfNull(args);
        var s = args.Stack.Settings;
        Script = DeployScripts.SuiteAndReport(s, args.Stack.Transport, s.SeedProfile);
        Command = ServerCommand.Create($"{name}-run", args.Stack,
            new ServerStep(Script, Triggers: [args.Stack.RunId]),
            new CustomResourceOptions { Parent = this, DependsOn = [.. args.After] });
        Stdout = ServerCommand.Stdout(Command);
        RegisterOutputs();
    }

    public string Script { get; }

    public CustomResource Command { get; }

    public Output<string> Stdout { get; }
}
