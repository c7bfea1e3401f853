namespace GovClone.Configuration;

/// <summary>Where the CLI's settings come from, lowest to highest precedence: defaults, stack file, environment, flags.</summary>
public sealed record SettingsSources
{
    /// <summary>The environment variable that names the stack file; <see cref="NoStackFileValue"/> means "read none".</summary>
    public const string StackFileVariable = "GOVCLONE_STACK_FILE";

    /// <summary>The value of <see cref="StackFileVariable"/> that means: defaults, environment and flags only.</summary>
    public const string NoStackFileValue = "none";

    public const string DefaultStackName = "nonprod";

    /// <summary>The stack asked for (<c>-s/--stack</c>); null: <see cref="StackFileVariable"/> if set, else <see cref="DefaultStackName"/>.</summary>
    public string? StackName { get; init; }

    /// <summary>An explicit stack file (<c>--stack-file</c>), relative to <see cref="SearchDirectory"/> when not absolute.</summary>
    public string? StackFilePath { get; init; }

    /// <summary>Read no stack file at all (<c>--no-stack-file</c>): what the Pulumi program's Commands run.</summary>
    public bool NoStackFile { get; init; }

    /// <summary>
    /// Where the search for <c>Pulumi.&lt;stack&gt;.yaml</c> starts: this folder, then each parent up to and including the
    /// project root (the first folder holding <c>Pulumi.yaml</c>).
    /// </summary>
    public string SearchDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Flag values by short key name (<c>cloneDatabase</c>).</summary>
    public IReadOnlyDictionary<string, string> Flags { get; init; } = new Dictionary<string, string>();

    /// <summary>How each flag value was given (<c>--clone-database</c>, <c>-c cloneDatabase=…</c>), by short key name; for <c>govclone config</c>.</summary>
    public IReadOnlyDictionary<string, string> FlagNames { get; init; } = new Dictionary<string, string>();

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

/// <summary>Where a setting's current value came from.</summary>
public enum SettingOrigin
{
    Default,
    StackFile,
    Environment,
    Flag,
}

/// <summary>One setting's current raw value and where it came from. A secret's value is never held here: only whether it is set.</summary>
/// <param name="Value">The raw text (null when unset, and always null for a secret).</param>
/// <param name="From">e.g. the stack file's path, <c>GOVCLONE_PORT</c>, <c>--port</c>, <c>-c port=…</c>; null for a default.</param>
public sealed record SettingValue(SettingKey Key, string? Value, SettingOrigin Origin, string? From, bool IsSet);

/// <summary>The settings before validation: each key's raw value with its origin, the stack file read (if any) and the password.</summary>
public sealed class ResolvedSettings
{
    internal ResolvedSettings(string? stackFile, IReadOnlyList<SettingValue> values, IReadOnlyDictionary<string, string?> raw, Secret? password)
    {
        StackFile = stackFile;
        Values = values;
        Raw = raw;
        Password = password;
    }

    /// <summary>The stack file that was read; null when none was (<c>--no-stack-file</c>).</summary>
    public string? StackFile { get; }

    /// <summary>Every known key, in <see cref="SettingKeys.All"/>'s order.</summary>
    public IReadOnlyList<SettingValue> Values { get; }

    /// <summary>What <see cref="SettingsParser.Parse"/> gets: every value that is not a default, by short name (unknown keys of a stack file included, so the parser names them).</summary>
    public IReadOnlyDictionary<string, string?> Raw { get; }

    public Secret? Password { get; }

    /// <summary>The ssh private key (<see cref="SettingsLoader.SshPrivateKeyVariable"/>), for the ssh transport.</summary>
    public Secret? SshPrivateKey { get; init; }

    /// <summary>The ssh client configuration file (<see cref="SettingsLoader.SshConfigFileVariable"/>), if one is given.</summary>
    public string? SshConfigFile { get; init; }

    /// <summary>Validates: <see cref="ConfigurationException"/> or <see cref="GuardException"/> naming the key and the fix.</summary>
    public GovCloneSettings Parse()
    {
        if (SshConfigFile is not null && !File.Exists(SshConfigFile))
        {
            throw new ConfigurationException(SettingsLoader.SshConfigFileVariable, $"names '{SshConfigFile}', which does not exist",
                "point it at the ssh client configuration govclone's ssh runs should use (ssh -F FILE), or unset it to use ~/.ssh/config");
        }

        return SettingsParser.Parse(Raw, Password, SshPrivateKey) with { SshConfigFile = SshConfigFile };
    }
}

/// <summary>Loads the CLI's settings from a stack file plus environment and flag overrides, then validates them.</summary>
public static class SettingsLoader
{
    /// <summary>Environment variables that carry the password (in this order). Never a flag.</summary>
    public static readonly string[] PasswordVariables = ["GOVCLONE_PASSWORD", "PGPASSWORD"];

    /// <summary>The environment variable the private ssh key may come in (secret; never a flag or a file in the repo).</summary>
    public const string SshPrivateKeyVariable = "GOVCLONE_SSH_PRIVATE_KEY";

    /// <summary>The environment variable naming an ssh client configuration file for govclone's own ssh runs (<c>ssh -F</c>).</summary>
    public const string SshConfigFileVariable = "GOVCLONE_SSH_CONFIG_FILE";

    public static GovCloneSettings Load(SettingsSources sources) => Resolve(sources).Parse();

    /// <summary>Every key's raw value and origin, without validating them (<c>govclone config</c> shows them even when one is wrong).</summary>
    public static ResolvedSettings Resolve(SettingsSources sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        var origins = new Dictionary<string, (SettingOrigin Origin, string? From)>(StringComparer.Ordinal);
        var path = FindStackFile(sources);
        if (path is not null)
        {
            var stack = StackFile.Read(path);
            foreach (var (key, value) in stack.Values)
            {
                if (key.StartsWith(SettingKeys.Namespace + ":", StringComparison.Ordinal))
                {
                    var name = key[(SettingKeys.Namespace.Length + 1)..];
                    raw[name] = value;
                    origins[name] = (SettingOrigin.StackFile, path);
                }
            }

            foreach (var key in stack.SecureKeys.Where(k => k.StartsWith(SettingKeys.Namespace + ":", StringComparison.Ordinal)))
            {
                origins[key[(SettingKeys.Namespace.Length + 1)..]] = (SettingOrigin.StackFile, path + " (a Pulumi secret: only Pulumi can read it)");
            }
        }

        foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
        {
            if (sources.Environment.TryGetValue(key.EnvironmentVariable, out var v) && v.Length > 0)
            {
                raw[key.Name] = v;
                origins[key.Name] = (SettingOrigin.Environment, key.EnvironmentVariable);
            }
        }

        foreach (var (name, value) in sources.Flags)
        {
            raw[name] = value;
            origins[name] = (SettingOrigin.Flag, sources.FlagNames.GetValueOrDefault(name) ?? SettingKeys.Find(name)?.Flag ?? name);
        }

        Secret? password = null;
        string? passwordFrom = null;
        foreach (var variable in PasswordVariables)
        {
            if (sources.Environment.TryGetValue(variable, out var p) && p.Length > 0)
            {
                password = new Secret(p);
                passwordFrom = variable;
                break;
            }
        }

        var values = new List<SettingValue>();
        foreach (var key in SettingKeys.All)
        {
            if (key == SettingKeys.Password && passwordFrom is not null)
            {
                values.Add(new SettingValue(key, null, SettingOrigin.Environment, passwordFrom, true));
            }
            else if (key == SettingKeys.SshPrivateKey && sources.Environment.TryGetValue(SshPrivateKeyVariable, out var k) && k.Length > 0)
            {
                values.Add(new SettingValue(key, null, SettingOrigin.Environment, SshPrivateKeyVariable, true));
            }
            else if (origins.TryGetValue(key.Name, out var o))
            {
                var value = key.IsSecret ? null : raw.GetValueOrDefault(key.Name);
                values.Add(new SettingValue(key, value, o.Origin, o.From, key.IsSecret || !string.IsNullOrEmpty(value)));
            }
            else
            {
                values.Add(new SettingValue(key, key.Default, SettingOrigin.Default, null, !key.IsSecret && !string.IsNullOrEmpty(key.Default)));
            }
        }

        Secret? sshKey = sources.Environment.TryGetValue(SshPrivateKeyVariable, out var keyText) && keyText.Length > 0 ? new Secret(keyText) : null;
        var sshConfig = sources.Environment.TryGetValue(SshConfigFileVariable, out var configFile) && configFile.Length > 0 ? configFile : null;
        return new ResolvedSettings(path, values, raw, password) { SshPrivateKey = sshKey, SshConfigFile = sshConfig };
    }

    /// <summary>
    /// The stack file to read, or null for none. In order: <c>--no-stack-file</c>; <c>--stack-file</c>; <c>-s NAME</c>;
    /// <see cref="SettingsSources.StackFileVariable"/> (<c>none</c> or a path); <c>Pulumi.nonprod.yaml</c>. A stack
    /// name is looked up from <see cref="SettingsSources.SearchDirectory"/> upwards to the project root; a stack file
    /// asked for and not found fails naming where it was looked for and how to point at one.
    /// </summary>
    public static string? FindStackFile(SettingsSources sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.NoStackFile)
        {
            if (sources.StackFilePath is not null || sources.StackName is not null)
            {
                throw new ConfigurationException("--no-stack-file", $"cannot be combined with {(sources.StackFilePath is not null ? "--stack-file" : "-s/--stack")}",
                    "pick one: a stack (-s NAME), a file (--stack-file PATH), or no stack file at all");
            }

            return null;
        }

        if (sources.StackFilePath is { } explicitPath)
        {
            return RequireFile(Path.GetFullPath(explicitPath, sources.SearchDirectory), "--stack-file");
        }

        if (sources.StackName is null && sources.Environment.TryGetValue(SettingsSources.StackFileVariable, out var fromEnv) && fromEnv.Length > 0)
        {
            return string.Equals(fromEnv.Trim(), SettingsSources.NoStackFileValue, StringComparison.OrdinalIgnoreCase)
                ? null
                : RequireFile(Path.GetFullPath(fromEnv, sources.SearchDirectory), SettingsSources.StackFileVariable);
        }

        var stack = sources.StackName ?? SettingsSources.DefaultStackName;
        if (stack.Length == 0 || stack.Any(c => c is '/' or '\\' or '\0') || stack.StartsWith('.'))
        {
            throw new ConfigurationException("--stack", $"'{stack}' is not a stack name", "give the NAME of Pulumi.NAME.yaml, e.g. -s nonprod, or --stack-file PATH");
        }

        var fileName = $"Pulumi.{stack}.yaml";
        var searched = new List<string>();
        string? projectRoot = null;
        for (var dir = new DirectoryInfo(sources.SearchDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            searched.Add(dir.FullName);
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml")))
            {
                projectRoot = dir.FullName;
                break;
            }
        }

        var where = searched.Count == 1 ? searched[0]
            : $"{searched[0]} and its parents up to {(projectRoot is null ? "/ (no Pulumi.yaml above it, so no project root)" : projectRoot + " (the project root, with Pulumi.yaml)")}";
        var existing = searched.SelectMany(d => Directory.EnumerateFiles(d, "Pulumi.*.yaml"))
            .Select(f => Path.GetFileName(f)["Pulumi.".Length..^".yaml".Length])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var fix = stack == "sandbox"
            ? "run `govclone sandbox up` first, which writes Pulumi.sandbox.yaml"
            : "run govclone inside the project folder (the one with Pulumi.yaml), "
              + (existing.Length > 0 ? $"pick an existing stack with -s NAME ({string.Join(", ", existing)}), " : "create the stack with `pulumi stack init` / `pulumi config set`, ")
              + $"point at a file with --stack-file PATH, or take settings only from defaults, GOVCLONE_* and flags with --no-stack-file ({SettingsSources.StackFileVariable}=none)";
        throw new ConfigurationException("--stack", $"no stack file {fileName} in {where}", fix);
    }

    private static string RequireFile(string path, string setting) =>
        File.Exists(path)
            ? path
            : throw new ConfigurationException(setting, $"stack file '{path}' does not exist",
                "point at an existing Pulumi.<stack>.yaml, or use -s NAME to search for Pulumi.NAME.yaml from here up to the project root");

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
