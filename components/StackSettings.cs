using System.Collections.Immutable;
using GovClone;
using GovClone.Configuration;
using GovClone.Deploy;
using Pulumi;

namespace GovCloneInfra;

/// <summary>
/// The stack's configuration, read once at the top into the core's typed settings. The same
/// <c>govclone:*</c> keys and the same <see cref="SettingsParser"/> as the CLI, so a bad value fails
/// <c>pulumi preview</c> with the message <c>govclone</c> gives, before any resource exists. The secrets stay
/// secret Outputs; the plan only knows whether they are set.
/// </summary>
/// <param name="StackName">The stack's name: a branch stack (govclone:branchOf) names its branch after it.</param>
public sealed record StackSettings(GovCloneSettings Settings, Output<string>? Password, Output<string>? SshPrivateKey, string RunId, string? StackName = null)
{
    /// <summary>The whole deployment, from the core: each component's typed inputs (and every resource, for the tests).</summary>
    public DeployPlan Plan { get; } = DeployPlan.For(Settings, new DeployInputs(RunId, HasPassword: Password is not null, HasSshPrivateKey: SshPrivateKey is not null, StackName: StackName));

    public static StackSettings Load(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
        {
            if (config.Get(key.Name) is { } value)
            {
                raw[key.Name] = value;
            }
        }

        try
        {
            var sshKey = config.GetSecret(SettingKeys.SshPrivateKey.Name);
            // The parser checks the key's rules (the ssh transport) without its value, which stays a secret Output.
            var settings = SettingsParser.Parse(raw, sshPrivateKey: sshKey is null ? null : new Secret("[pulumi secret]")) with { SshPrivateKey = null };
            // A password is required unless a pgpass file serves it; it stays a secret Output throughout.
            var password = settings.PgpassFile is null
                ? config.RequireSecret(SettingKeys.Password.Name)
                : config.GetSecret(SettingKeys.Password.Name);
            var runId = Environment.GetEnvironmentVariable("GOVCLONE_RUN_ID") is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
            var stack = new StackSettings(settings, password, sshKey, runId, Deployment.Instance.StackName);
            _ = stack.Plan; // a branch stack whose name gives no branch fails here, before any resource
            return stack;
        }
        catch (GovCloneException ex)
        {
            // RunException: Pulumi prints the message alone (key and fix), without a stack trace.
            throw new RunException(ex.Message);
        }
    }

    /// <summary>
    /// A lever Command's environment: the plan's plain <c>GOVCLONE_*</c> values with the step's secret variables
    /// filled in from secret config. The whole map is a secret Output, so the engine stores and shows it encrypted
    /// (and the Command's <c>additionalSecretOutputs</c> keeps the provider's echo of it secret too).
    /// </summary>
    public Output<ImmutableDictionary<string, string>> EnvironmentOf(CommandStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var env = Output.Create(step.Environment.ToImmutableDictionary(StringComparer.Ordinal));
        foreach (var (variable, secret) in step.SecretEnvironment)
        {
            env = Output.Tuple(env, SecretOf(secret)).Apply(t => t.Item1.SetItem(variable, t.Item2));
        }

        return Output.CreateSecret(env);
    }

    /// <summary>The secret config a plan's placeholder stands for (a secret Output).</summary>
    public Output<string> SecretOf(SecretInput secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return secret.Name switch
        {
            SecretInput.Password => Password ?? throw new InvalidOperationException("the plan uses a password the stack does not have"),
            SecretInput.SshPrivateKey => SshPrivateKey ?? throw new InvalidOperationException("the plan uses an ssh key the stack does not have"),
            _ => throw new InvalidOperationException("unknown secret " + secret.Name),
        };
    }
}
