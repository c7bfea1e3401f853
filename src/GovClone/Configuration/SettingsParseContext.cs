namespace GovClone.Configuration;

/// <summary>
/// What a key's parser (<see cref="SettingKey.Parse"/>) sees: the raw values, the secrets, and every other key's parsed
/// value. A key asked for before its turn in the table is parsed then (the clone's name needs its source's), once.
/// </summary>
public sealed class SettingsParseContext
{
    private readonly IReadOnlyDictionary<string, string?> _raw;
    private readonly Dictionary<SettingKey, object?> _parsed = [];
    private readonly HashSet<SettingKey> _parsing = [];

    internal SettingsParseContext(IReadOnlyDictionary<string, string?> raw, Secret? password, Secret? sshPrivateKey)
    {
        _raw = raw;
        Password = password;
        SshPrivateKey = sshPrivateKey;
    }

    /// <summary>The secret password, if any (never a raw value).</summary>
    public Secret? Password { get; }

    /// <summary>The secret ssh private key, if any (never a raw value).</summary>
    public Secret? SshPrivateKey { get; }

    /// <summary>The value as given, without the key's default (null when not given).</summary>
    public string? Raw(SettingKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _raw.TryGetValue(key.Name, out var v);
        return v;
    }

    /// <summary>The value or the key's default, trimmed; "is not set" when there is neither.</summary>
    public string Text(SettingKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var v = Raw(key) ?? key.Default;
        if (v is null)
        {
            throw new ConfigurationException(key.ConfigKey, "is not set", $"set {key.ConfigKey} ({key.Description})");
        }

        return v.Trim();
    }

    /// <summary>The value or the key's default, trimmed; null when empty or blank.</summary>
    public string? Optional(SettingKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var v = Raw(key) ?? key.Default;
        return string.IsNullOrWhiteSpace(v) ? null : v.Trim();
    }

    /// <summary>
    /// A database name: the value or the key's default exactly as given, never trimmed (a name with a space, newline or
    /// other control character in it, or around it, is refused, not silently repaired into another name).
    /// </summary>
    public string Name(SettingKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Raw(key) ?? key.Default ?? throw new ConfigurationException(key.ConfigKey, "is not set", $"set {key.ConfigKey} ({key.Description})");
    }

    /// <summary>The key's parsed value (<see cref="SettingKey.Parse"/>), parsing it now if it has not been.</summary>
    public T Value<T>(SettingKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_parsed.TryGetValue(key, out var value))
        {
            if (!_parsing.Add(key))
            {
                throw new InvalidOperationException($"the parsers of {key.ConfigKey} and another key ask for each other's value");
            }

            value = key.Parse(key, this);
            _parsing.Remove(key);
            _parsed[key] = value;
        }

        return (T)value!;
    }
}
