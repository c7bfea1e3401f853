using System.Collections.Immutable;
using GovClone.Configuration;
using GovClone.Transport;
using Pulumi;
using Local = Pulumi.Command.Local;
using Remote = Pulumi.Command.Remote;

namespace GovCloneInfra;

/// <summary>What one server-side step runs: a bash script (fed on stdin) and, optionally, a delete script.</summary>
public sealed record ServerStep(string Script, string? DeleteScript = null, object[]? Triggers = null);

/// <summary>
/// Creates the Command that runs a server-side step over the stack's transport: a local Command running
/// the runbook's own command line (<c>bash -s</c>, <c>docker exec -i postgres bash -s</c>, or
/// <c>ssh contabo "docker exec -i postgres bash -s"</c> with your ssh config and agent), or, when
/// <c>govclone:sshPrivateKey</c> is set, a remote Command over Pulumi's own ssh. The password only ever
/// travels in the environment, as a secret.
/// </summary>
public static class ServerCommand
{
    private static readonly string[] Shell = ["/bin/sh", "-c"];

    public static CustomResource Create(string name, StackSettings stack, ServerStep step, CustomResourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(step);
        var transport = stack.Transport;
        var env = EnvironmentFor(stack);
        options.AdditionalSecretOutputs = ["environment"];
        if (stack.SshPrivateKey is not null)
        {
            var s = stack.Settings;
            var remoteArgs = new Remote.CommandArgs
            {
                Connection = new Remote.Inputs.ConnectionArgs
                {
                    Host = s.SshHost!,
                    User = s.SshUser!,
                    Port = s.SshPort ?? 22,
                    PrivateKey = stack.SshPrivateKey,
                },
                Create = transport.RemoteBashCommandLine,
                Stdin = step.Script,
                Environment = env,
                Triggers = step.Triggers ?? [],
                AddPreviousOutputInEnv = false,
                Logging = Remote.Logging.StdoutAndStderr,
            };
            if (step.DeleteScript is not null)
            {
                remoteArgs.Delete = ShellQuote.Join(transport.ServerSideArgv("bash", "-c", step.DeleteScript));
            }

            return new Remote.Command(name, remoteArgs, options);
        }

        var localArgs = new Local.CommandArgs
        {
            Create = transport.BashCommandLine,
            Stdin = step.Script,
            Environment = env,
            Triggers = step.Triggers ?? [],
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
            Interpreter = Shell,
        };
        if (step.DeleteScript is not null)
        {
            localArgs.Delete = ShellQuote.Join(transport.Argv("bash", "-c", step.DeleteScript));
        }

        return new Local.Command(name, localArgs, options);
    }

    /// <summary>
    /// The Command's environment: PGAPPNAME, PSQLRC, connect timeout and, when the stack has one, PGPASSWORD.
    /// The whole map is a secret Output, so the engine stores and shows it encrypted (and
    /// <c>AdditionalSecretOutputs</c> keeps the provider's echo of it secret too).
    /// </summary>
    public static Output<ImmutableDictionary<string, string>> EnvironmentFor(StackSettings stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var plain = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in stack.Transport.Environment("govclone-pulumi"))
        {
            if (value is not null && key != "PGPASSWORD")
            {
                plain[key] = value;
            }
        }

        var env = plain.ToImmutable();
        return stack.Password is null
            ? Output.CreateSecret(env)
            : Output.CreateSecret(stack.Password.Apply(p => env.SetItem("PGPASSWORD", p)));
    }

    /// <summary>The stdout of either kind of Command.</summary>
    public static Output<string> Stdout(CustomResource command) => command switch
    {
        Local.Command l => l.Stdout,
        Remote.Command r => r.Stdout,
        _ => throw new ArgumentException("not a command", nameof(command)),
    };
}
