using GovClone.Configuration;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>
/// <c>govclone config</c>: every <c>govclone:*</c> key with its current value, where that came from (default,
/// stack file, environment, flag), its type or allowed values and its default. Secrets show only set/unset.
/// </summary>
internal static class ConfigView
{
    public static string Origin(SettingValue v) => v.Origin switch
    {
        SettingOrigin.Default => "default",
        SettingOrigin.StackFile => "stack file",
        SettingOrigin.Environment => "environment " + v.From,
        _ => "flag " + v.From,
    };

    /// <summary>The value as shown: a secret's is only "set" or "unset"; an unset optional key is "-".</summary>
    public static string Shown(SettingValue v) =>
        v.Key.IsSecret ? (v.IsSet ? "set" : "unset")
        : string.IsNullOrEmpty(v.Value) ? "-"
        : v.Value;

    public static Table Table(ResolvedSettings resolved)
    {
        var table = new Table()
            .Title($"settings (stack file: {Markup.Escape(resolved.StackFile ?? "none")})")
            .AddColumns("key", "value", "from", "type / allowed", "default");
        foreach (var v in resolved.Values)
        {
            table.AddRow(
                Markup.Escape(v.Key.Name),
                Markup.Escape(Shown(v)),
                Markup.Escape(Origin(v)),
                Markup.Escape(v.Key.TypeText),
                Markup.Escape(DefaultText(v.Key)));
        }

        return table;
    }

    public static Table Detail(SettingValue v)
    {
        var k = v.Key;
        var table = new Table().Title(Markup.Escape(k.ConfigKey)).AddColumns("", "");
        table.AddRow("meaning", Markup.Escape(k.Description));
        table.AddRow("value", Markup.Escape(Shown(v)));
        table.AddRow("from", Markup.Escape(v.Origin == SettingOrigin.StackFile ? "stack file " + v.From : Origin(v)));
        table.AddRow("type / allowed", Markup.Escape(k.TypeText));
        table.AddRow("default", Markup.Escape(DefaultText(k)));
        table.AddRow("set it", Markup.Escape(k.IsSecret
            ? (k == SettingKeys.Password ? "GOVCLONE_PASSWORD or PGPASSWORD in the environment; Pulumi: pulumi config set --secret " + k.ConfigKey : $"{SettingsLoader.SshPrivateKeyVariable} in the environment; Pulumi: pulumi config set --secret {k.ConfigKey}")
            : $"{k.ConfigKey} in the stack file, {k.EnvironmentVariable}, or -c {k.Name}=VALUE"));
        return table;
    }

    /// <param name="invalid">Why the settings do not validate, if they do not: the document then carries <c>error</c>.</param>
    /// <param name="one">Only this key's entry, when one was asked for.</param>
    public static object Json(ResolvedSettings resolved, SettingValue? one, GovCloneException? invalid) => new
    {
        stackFile = resolved.StackFile,
        error = invalid is null ? null : new
        {
            kind = "bad-input",
            message = invalid.Message,
            setting = invalid switch { ConfigurationException c => c.Setting, GuardException g => g.Setting, _ => null },
        },
        settings = (one is null ? resolved.Values : [one]).Select(v => new
        {
            key = v.Key.ConfigKey,
            name = v.Key.Name,
            value = v.Key.IsSecret ? null : v.Value,
            set = v.IsSet,
            secret = v.Key.IsSecret,
            source = v.Origin switch
            {
                SettingOrigin.Default => "default",
                SettingOrigin.StackFile => "stack file",
                SettingOrigin.Environment => "environment",
                _ => "flag",
            },
            from = v.From,
            type = v.Key.Type switch
            {
                SettingType.WholeNumber => "integer",
                SettingType.MemorySize => "memory size",
                var t => t.ToString().ToLowerInvariant(),
            },
            allowed = v.Key.Allowed,
            min = v.Key.Min,
            max = v.Key.Max,
            @default = v.Key.IsSecret ? null : v.Key.Default,
            environmentVariable = v.Key.IsSecret ? null : v.Key.EnvironmentVariable,
            description = v.Key.Description,
        }).ToArray(),
    };

    private static string DefaultText(SettingKey k) =>
        k == SettingKeys.TemplateDatabase ? "<cloneDatabase>_template"
        : k.IsSecret || k.Default is null ? "-"
        : k.Default.Length == 0 ? "(empty)"
        : k.Default;
}
