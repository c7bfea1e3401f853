using GovClone.Transport;
using Pulumi;

namespace GovCloneInfra;

public sealed class ProductionFingerprintArgs
{
    public required StackSettings Stack { get; init; }
}

/// <summary>
/// Reads the production fingerprint (governance tables and catalog, in a read-only session) at the start
/// of every update, so the suite's fingerprint after the run proves production unchanged.
/// </summary>
public sealed class ProductionFingerprint : ComponentResource
{
    public ProductionFingerprint(string name, ProductionFingerprintArgs args, ComponentResourceOptions? options = null)
        : base("govclone:production:Fingerprint", name, options)
    {
        ArgumentNullException.ThrowIfNull(args);
        var s = args.Stack.Settings;
        Script = DeployScripts.Fingerprint(s, args.Stack.Transport);
        Command = ServerCommand.Create($"{name}-read", args.Stack,
            new ServerStep(Script, Triggers: [args.Stack.RunId]),
            new CustomResourceOptions { Parent = this });
        Stdout = ServerCommand.Stdout(Command);
        RegisterOutputs();
    }

    public string Script { get; }

    public CustomResource Command { get; }

    public Output<string> Stdout { get; }
}
