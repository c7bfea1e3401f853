using System.CommandLine;
using System.CommandLine.Completions;
using GovClone.Configuration;

namespace GovClone.Cli;

/// <summary>
/// The options every subcommand takes: the few people use every day (shown in help), one repeatable
/// <c>-c KEY=VALUE</c> for any <c>govclone:*</c> setting, and the older one-flag-per-setting options
/// (<c>--clone-database</c>, …), hidden from help but still accepted so scripts keep working. Every
/// value reaches <see cref="SettingsParser"/>, the same validator the stack file and Pulumi go through.
/// </summary>
internal sealed class GlobalOptions
{
    public Option<string?> Stack { get; } = new("--stack", "-s")
    {
        Description = $"use Pulumi.NAME.yaml [default: {SettingsSources.DefaultStackName}]",
        HelpName = "NAME",
        Recursive = true,
    };

    public Option<string?> StackFile { get; } = new("--stack-file")
    {
        Description = "read this stack file instead",
        HelpName = "PATH",
        Recursive = true,
    };

    public Option<bool> NoStackFile { get; } = new("--no-stack-file")
    {
        Description = "no stack file: defaults, GOVCLONE_* and flags only",
        Recursive = true,
    };

    public Option<string[]> Config { get; } = new("--config", "-c")
    {
        Description = "set a govclone:* setting (repeatable; see config)",
        HelpName = "KEY=VALUE",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "NDJSON events, then one result document",
        Recursive = true,
    };

    public Option<bool> Yes { get; } = new("--yes", "-y")
    {
        Description = "do not ask before drop, reset, clone --force",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "say where settings came from, what runs where",
        Recursive = true,
    };

    /// <summary>The hidden per-setting flags (<c>--clone-database</c>, …), by key.</summary>
    public IReadOnlyDictionary<SettingKey, Option<string?>> SettingFlags { get; }

    public GlobalOptions()
    {
        Config.CompletionSources.Add(CompleteConfig);
        var flags = new Dictionary<SettingKey, Option<string?>>();
        foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
        {
            var opt = new Option<string?>(key.Flag)
            {
                Description = $"{key.Description} [{key.ConfigKey}]",
                HelpName = key.Allowed.Count > 0 ? string.Join('|', key.Allowed) : key.Name,
                Recursive = true,
                Hidden = true,
            };
            if (key.Type == SettingType.Boolean)
            {
                // --production-rollout-landed alone means true; a value (true, false, yes, no) is still accepted.
                opt.Arity = ArgumentArity.ZeroOrOne;
                opt.CustomParser = r => r.Tokens.Count == 0 ? "true" : r.Tokens[0].Value;
            }

            if (key.Allowed.Count > 0 && key.Type != SettingType.List)
            {
                opt.CompletionSources.Add([.. key.Allowed]);
            }

            flags[key] = opt;
        }

        SettingFlags = flags;
    }

    public IEnumerable<Option> All => new Option[] { Stack, StackFile, NoStackFile, Config, Json, Yes, Verbose }.Concat(SettingFlags.Values);

    /// <summary>The sources of this run's settings: the stack to find (or none), <c>GOVCLONE_*</c>, and the flags and <c>-c</c> values.</summary>
    public SettingsSources Sources(ParseResult p, CliHost host)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, opt) in SettingFlags)
        {
            if (p.GetResult(opt) is not null && p.GetValue(opt) is { } v)
            {
                flags[key.Name] = v;
                names[key.Name] = key.Flag;
            }
        }

        foreach (var item in p.GetValue(Config) ?? [])
        {
            var (key, value) = ParseConfigItem(item);
            flags[key.Name] = value;
            names[key.Name] = "-c " + key.Name;
        }

        return new SettingsSources
        {
            StackName = p.GetValue(Stack),
            StackFilePath = p.GetValue(StackFile),
            NoStackFile = p.GetValue(NoStackFile),
            SearchDirectory = host.WorkingDirectory,
            Flags = flags,
            FlagNames = names,
            Environment = host.Environment ?? SettingsSources.ReadEnvironment(),
        };
    }

    /// <summary>One <c>-c KEY=VALUE</c>: the key as in the stack file, with or without <c>govclone:</c>; never a secret.</summary>
    public static (SettingKey Key, string Value) ParseConfigItem(string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var eq = item.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ConfigurationException("-c/--config", $"'{item}' is not KEY=VALUE",
                "write e.g. -c cloneDatabase=directus_gov_test_x (`govclone config` lists the keys)");
        }

        var name = item[..eq].Trim();
        var key = SettingKeys.Find(name) ?? throw new ConfigurationException(
            name.StartsWith(SettingKeys.Namespace + ":", StringComparison.Ordinal) ? name : SettingKeys.Namespace + ":" + name,
            "is not a known setting (given with -c)",
            "fix its spelling; known settings: " + string.Join(", ", SettingKeys.All.Select(k => k.Name)));
        if (key.IsSecret)
        {
            throw new ConfigurationException(key.ConfigKey, "is a secret and must never be on a command line (given with -c)",
                key == SettingKeys.Password
                    ? "put it in GOVCLONE_PASSWORD (or PGPASSWORD) in the environment, or use govclone:pgpassFile"
                    : $"put it in {SettingsLoader.SshPrivateKeyVariable} in the environment");
        }

        return (key, item[(eq + 1)..]);
    }

    /// <summary>Completion of <c>-c</c>: <c>KEY=</c> for every key, then the allowed values of a key with a list of them.</summary>
    private static IEnumerable<CompletionItem> CompleteConfig(CompletionContext context)
    {
        var word = context.WordToComplete;
        var eq = word.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            return SettingKeys.All.Where(k => !k.IsSecret).Select(k => new CompletionItem(k.Name + "=", detail: k.TypeText));
        }

        var key = SettingKeys.Find(word[..eq]);
        return key is null || key.Type == SettingType.List
            ? []
            : key.Allowed.Select(v => new CompletionItem(word[..(eq + 1)] + v));
    }
}
