using GovClone;
using GovClone.Configuration;
using GovClone.Transport;
using Pulumi;

namespace GovCloneInfra;

/// <summary>
/// The stack's configuration, read once at the top into the core's typed settings. The same
/// <c>govclone:*</c> keys and the same <see cref="SettingsParser"/> as the CLI, so a bad value fails
/// <c>pulumi preview</c> with the message <c>govclone</c> gives, before any resource exists.
/// </summary>
public sealed record StackSettings(GovCloneSettings Settings, Output<string>? Password, Output<string>? SshPrivateKey, string RunId)
{
    /// <summary>
    /// The stack's transport. The password is a secret Output, not in <see cref="Settings"/>, so the
    /// transport is told it will be in the environment (forwarded by name: <c>-e PGPASSWORD</c>, <c>SendEnv</c>).
    /// </summary>
    public ServerTransport Transport => new(Settings, passwordInEnvironment: Password is not null);

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
            var settings = SettingsParser.Parse(raw);
            // A password is required unless a pgpass file serves it; it stays a secret Output throughout.
            var password = settings.PgpassFile is null
                ? config.RequireSecret(SettingKeys.Password.Name)
                : config.GetSecret(SettingKeys.Password.Name);
            var sshKey = config.GetSecret(SettingKeys.SshPrivateKey.Name);
            if (sshKey is not null && settings.Transport != TransportKind.Ssh)
            {
                throw new ConfigurationException(SettingKeys.SshPrivateKey.ConfigKey, "is set but govclone:transport is not ssh", "remove it, or set govclone:transport ssh");
            }

            if (sshKey is not null && settings.SshUser is null)
            {
                throw new ConfigurationException(SettingKeys.SshUser.ConfigKey, "is required with govclone:sshPrivateKey (Pulumi's ssh does not read ~/.ssh/config)", "set govclone:sshUser");
            }

            var runId = Environment.GetEnvironmentVariable("GOVCLONE_RUN_ID") is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
            return new StackSettings(settings, password, sshKey, runId);
        }
        catch (GovCloneException ex)
        {
            // RunException: Pulumi prints the message alone (key and fix), without a stack trace.
            throw new RunException(ex.Message);
        }
    }
}
