using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GovClone.Configuration;

/// <summary>
/// The value keys' parsers (named in the <see cref="SettingKeys"/> table): by type (whole numbers, bytes, booleans),
/// lists, memory sizes, and the choices among fixed words (one generic parser: <see cref="Choice{T}"/>).
/// </summary>
internal static partial class ValueParsers
{
    [GeneratedRegex(@"\A[1-9][0-9]{0,6}(kB|MB|GB)\z")]
    private static partial Regex MemorySize();

    /// <summary>Whether <paramref name="size"/> is a memory size as the settings write it (a number and kB, MB or GB).</summary>
    internal static bool IsMemorySize(string size) => MemorySize().IsMatch(size);

    /// <summary>By <see cref="SettingKey.Type"/>: a whole number (int) or a number of bytes (long), optional when the key has no default; true or false; else the text.</summary>
    internal static object? ByType(SettingKey key, SettingsParseContext c) => key.Type switch
    {
        SettingType.WholeNumber when key.Default is null => c.Optional(key) is { } v ? ParseInt(key, v) : null,
        SettingType.WholeNumber => ParseInt(key, c.Text(key)),
        SettingType.Bytes when key.Default is null => c.Optional(key) is { } v ? ParseLong(key, v) : null,
        SettingType.Bytes => ParseLong(key, c.Text(key)),
        SettingType.Boolean => ParseBool(key, c.Text(key)),
        SettingType.Secret => null, // secrets arrive beside the raw values: SettingsParseContext.Password, SshPrivateKey
        _ => c.Text(key),
    };

    internal static object MaskingSetting(SettingKey key, SettingsParseContext c) => MaskingRules.Parse(ParseList(key, c.Optional(key)), key.ConfigKey);

    internal static object FollowUps(SettingKey key, SettingsParseContext c)
    {
        var followUps = ParseList(key, c.Optional(key));
        foreach (var f in followUps)
        {
            if (!key.Allowed.Contains(f, StringComparer.Ordinal))
            {
                throw new ConfigurationException(key.ConfigKey, $"'{f}' is not a follow-up", $"use any of {string.Join(", ", key.Allowed)} (or an empty list)");
            }
        }

        return followUps;
    }

    internal static object Profile(SettingKey key, SettingsParseContext c) =>
        Choice(key, c, "a seed profile", ("committed", SeedProfile.Committed), ("baseline", SeedProfile.Baseline));

    internal static object Method(SettingKey key, SettingsParseContext c) =>
        Choice(key, c, "a clone method", ("auto", CloneMethod.Auto), ("streams", CloneMethod.Streams), ("dump", CloneMethod.Dump),
            ("template", CloneMethod.Template), ("source-template", CloneMethod.SourceTemplate));

    internal static object Retain(SettingKey key, SettingsParseContext c) => AutoTrueFalse(key, c, RetainTemplate.Auto, RetainTemplate.Yes, RetainTemplate.No);

    internal static object Spare(SettingKey key, SettingsParseContext c) => AutoTrueFalse(key, c, KeepSpare.Auto, KeepSpare.Yes, KeepSpare.No);

    internal static object Toast(SettingKey key, SettingsParseContext c) =>
        Choice(key, c, "a TOAST compression", [.. key.Allowed.Select(a => (a, a))]);

    internal static object MemorySizeText(SettingKey key, SettingsParseContext c)
    {
        var mwm = c.Text(key);
        if (!IsMemorySize(mwm))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{mwm}' is not a memory size", "write it as a number and kB, MB or GB, e.g. 512MB");
        }

        return mwm;
    }

    /// <summary>
    /// A choice among fixed words, case-insensitive: the value of the word given; anything else is refused,
    /// <c>'WORD' is not WHAT</c>, with every allowed value as the fix.
    /// </summary>
    /// <param name="key">The key, whose <see cref="SettingKey.Allowed"/> the fix lists.</param>
    /// <param name="c">The values being parsed.</param>
    /// <param name="what">What a valid value is, e.g. <c>a transport</c>.</param>
    /// <param name="words">Each accepted word (lower case) and the value it stands for.</param>
    internal static object Choice<T>(SettingKey key, SettingsParseContext c, string what, params (string Word, T Value)[] words)
        where T : notnull
    {
        var text = c.Text(key).ToLowerInvariant();
        foreach (var (word, value) in words)
        {
            if (string.Equals(word, text, StringComparison.Ordinal))
            {
                return value;
            }
        }

        throw new ConfigurationException(key.ConfigKey, $"'{text}' is not {what}", OneOf(key));
    }

    /// <summary>auto, or true/yes/1, or false/no/0 (govclone:retainTemplate, govclone:keepSpare).</summary>
    private static object AutoTrueFalse<T>(SettingKey key, SettingsParseContext c, T auto, T yes, T no)
        where T : notnull =>
        Choice(key, c, "auto, true or false", ("auto", auto), ("true", yes), ("yes", yes), ("1", yes), ("false", no), ("no", no), ("0", no));

    /// <summary>The fix for a value outside a choice: every allowed value, from the key's own table.</summary>
    internal static string OneOf(SettingKey key) => $"set {key.ConfigKey} to one of {string.Join(", ", key.Allowed)}";

    /// <summary>A whole number within the key's own range (<see cref="SettingKey.Min"/>, <see cref="SettingKey.Max"/>).</summary>
    private static int ParseInt(SettingKey key, string value)
    {
        var (min, max) = ((int)key.Min!.Value, (int)key.Max!.Value);
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new ConfigurationException(key.ConfigKey, $"'{value}' is not a whole number from {min} to {max}", $"set {key.ConfigKey} to a number in that range");
        }

        return n;
    }

    private static long ParseLong(SettingKey key, string value)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{value}' is not a whole number of bytes", $"set {key.ConfigKey} to e.g. 22000000000, or unset it");
        }

        return n;
    }

    private static bool ParseBool(SettingKey key, string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "1" => true,
        "false" or "no" or "0" => false,
        _ => throw new ConfigurationException(key.ConfigKey, $"'{value}' is not true or false", $"set {key.ConfigKey} to true or false"),
    };

    /// <summary>A list arrives as a JSON array (Pulumi's structured config), or comma-separated (flags, environment).</summary>
    internal static IReadOnlyList<string> ParseList(SettingKey key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }

        if (value.TrimStart().StartsWith('['))
        {
            try
            {
                var items = JsonSerializer.Deserialize<string[]>(value) ?? [];
                return items.Select(i => i.Trim()).Where(i => i.Length > 0).ToArray();
            }
            catch (JsonException)
            {
                throw new ConfigurationException(key.ConfigKey, $"'{value}' is not a list of strings", $"write {key.ConfigKey} as a YAML list or a comma-separated string");
            }
        }

        return value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }
}
