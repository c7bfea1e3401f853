namespace GovClone.Configuration;

/// <summary>Where the CLI's settings come from, lowest to highest precedence: defaults, stack file, environment, flags.</summary>
public sealed record SettingsSources
{
    public string StackName { get; init; } = "nonprod";

    /// <summary>Explicit stack file; otherwise <c>Pulumi.&lt;StackName&gt;.yaml</c> in <see cref="ProjectDirectory"/>.</summary>
    public string? StackFilePath { get; init; }

    public string ProjectDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Flag values by short key name.</summary>
    public IReadOnlyDictionary<string, string> Flags { get; init; } = new Dictionary<string, string>();

    /// <summary>The environment (injectable for tests).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = ReadEnvironment();

    public static IReadOnlyDictionary<string, string> ReadEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = (string?)e.Value ?? string.Empty;
        }

        return env;
    }
}

/// <summary>Loads the CLI's settings from a stack file plus environment and flag overrides, then validates them.</summary>
public static class SettingsLoader
{
    /// <summary>Environment variables that carry the password (in this order). Never a flag.</summary>
    public static readonly string[] PasswordVariables = ["GOVCLONE_PASSWORD", "PGPASSWORD"];

    public static GovCloneSettings Load(SettingsSources sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        var path = sources.StackFilePath ?? Path.Combine(sources.ProjectDirectory, $"Pulumi.{sources.StackName}.yaml");
        if (File.Exists(path))
        {
            var stack = StackFile.Read(path);
            foreach (var (key, value) in stack.Values)
            {
                if (key.StartsWith(SettingKeys.Namespace + ":", StringComparison.Ordinal))
                {
                    raw[key[(SettingKeys.Namespace.Length + 1)..]] = value;
                }
            }
        }
        else if (sources.StackFilePath is not null || !string.Equals(sources.StackName, "nonprod", StringComparison.Ordinal))
        {
            throw new ConfigurationException("--stack", $"stack file '{path}' does not exist",
                sources.StackName == "sandbox" ? "run `govclone sandbox up` first, which writes Pulumi.sandbox.yaml" : "create it with `pulumi stack init` / `pulumi config set`, or pick an existing stack");
        }

        foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
        {
            if (sources.Environment.TryGetValue(key.EnvironmentVariable, out var v) && v.Length > 0)
            {
                raw[key.Name] = v;
            }
        }

        foreach (var (name, value) in sources.Flags)
        {
            raw[name] = value;
        }

        Secret? password = null;
        foreach (var variable in PasswordVariables)
        {
            if (sources.Environment.TryGetValue(variable, out var p) && p.Length > 0)
            {
                password = new Secret(p);
                break;
            }
        }

        Secret? sshKey = null;
        if (sources.Environment.TryGetValue(SettingKeys.SshPrivateKey.EnvironmentVariable, out var k) && k.Length > 0)
        {
            sshKey = new Secret(k);
        }

        return SettingsParser.Parse(raw, password, sshKey);
    }

    /// <summary>The folder holding Pulumi.yaml at or above <paramref name="start"/>, else <paramref name="start"/>.</summary>
    public static string FindProjectDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml")))
            {
                return dir.FullName;
            }
        }

        return start;
    }
}
