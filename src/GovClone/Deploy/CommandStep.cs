using GovClone.Configuration;

namespace GovClone.Deploy;

/// <summary>
/// A local Command's inputs (<c>Pulumi.Command.Local.Command</c>): what it runs. <see cref="Create"/> (and
/// <see cref="Update"/>, when set) is a short <c>./govclone LEVER …</c> line, run by <c>/bin/sh -c</c> in the Pulumi
/// project directory with <see cref="Environment"/> plus the secret variables; <see cref="Delete"/> runs on delete
/// with the inputs stored by the last create or update. The component that creates it also sets
/// <c>logging: stdoutAndStderr</c> and <c>addPreviousOutputInEnv: false</c> (the replay's registrations say so too).
/// </summary>
public sealed record CommandStep : ResourceInputs
{
    public required string Create { get; init; }

    /// <summary>Run instead of <see cref="Create"/> when other inputs change (Pulumi.Command runs Create again when unset).</summary>
    public string? Update { get; init; }

    public string? Delete { get; init; }

    /// <summary>A change here replaces the Command (Pulumi.Command marks triggers replaceOnChanges). Strings or numbers.</summary>
    public IReadOnlyList<object> Triggers { get; init; } = [];

    /// <summary>
    /// The plain part of the environment: a <c>GOVCLONE_*</c> variable for every non-secret setting, holding the
    /// value for the keys this lever reads (<see cref="Settings"/>) and empty for the rest, so the caller's own
    /// <c>GOVCLONE_*</c> variables never reach the lever (an empty variable counts as unset); the secret variables
    /// this step does not get are empty too.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>Secret variables and the secret that fills each (the whole environment is then a secret Output).</summary>
    public IReadOnlyDictionary<string, SecretInput> SecretEnvironment { get; init; } = new Dictionary<string, SecretInput>();

    /// <summary>The settings this step's lever reads: a change to any of them changes the step's inputs (an update), no other does.</summary>
    public required IReadOnlyList<SettingKey> Settings { get; init; }

    /// <summary>The full environment, with the secrets filled in from <paramref name="secrets"/> (by <see cref="SecretInput.Name"/>; a missing one stays empty).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentWith(IReadOnlyDictionary<string, string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var env = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        foreach (var (variable, secret) in SecretEnvironment)
        {
            env[variable] = secrets.TryGetValue(secret.Name, out var v) && v is not null ? v : string.Empty;
        }

        return env;
    }
}
