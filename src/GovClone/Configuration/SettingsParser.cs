using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GovClone.Guards;

namespace GovClone.Configuration;

/// <summary>
/// Turns raw <c>govclone:*</c> values (strings, keyed by short name) into validated <see cref="GovCloneSettings"/>.
/// The CLI and the Pulumi program both call this, so a bad setting fails the same way in
/// <c>govclone</c> and in <c>pulumi preview</c>: a <see cref="ConfigurationException"/> or
/// <see cref="GuardException"/> naming the key and the fix, before anything runs.
/// </summary>
public static partial class SettingsParser
{
    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.:-]*\z")]
    private static partial Regex HostName();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.@-]*\z")]
    private static partial Regex SshDestination();

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.-]*\z")]
    private static partial Regex ContainerName();

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_.@-]*\z")]
    private static partial Regex RoleName();

    [GeneratedRegex(@"\A[1-9][0-9]{0,6}(kB|MB|GB)\z")]
    private static partial Regex MemorySize();

    /// <summary>A memory size as the settings write it (a number and kB, MB or GB, PostgreSQL's units: 1 MB = 1024 kB) in kB.</summary>
    public static long MemoryKilobytes(string size)
    {
        ArgumentNullException.ThrowIfNull(size);
        if (!MemorySize().IsMatch(size))
        {
            throw new FormatException($"'{size}' is not a memory size (a number and kB, MB or GB)");
        }

        var number = long.Parse(size[..^2], NumberStyles.None, CultureInfo.InvariantCulture);
        return size[^2..] switch
        {
            "kB" => number,
            "MB" => number * 1024,
            _ => number * 1024 * 1024,
        };
    }

    /// <param name="raw">Values by short key name (e.g. <c>cloneDatabase</c>); missing keys take their defaults.</param>
    /// <param name="password">The secret password, if any (never part of <paramref name="raw"/>).</param>
    /// <param name="sshPrivateKey">The secret ssh private key for the ssh transport, if any (never part of <paramref name="raw"/>).</param>
    /// <remarks>
    /// Each key's own <see cref="SettingKey.Parse"/> turns its value into a typed one, in the table's order (a key that
    /// needs another's value, the clone's its source's, asks the context, which parses that one first); then the checks
    /// that tie keys together.
    /// </remarks>
    public static GovCloneSettings Parse(IReadOnlyDictionary<string, string?> raw, Secret? password = null, Secret? sshPrivateKey = null)
    {
        ArgumentNullException.ThrowIfNull(raw);
        foreach (var name in raw.Keys)
        {
            var key = SettingKeys.Find(name);
            if (key is null)
            {
                throw new ConfigurationException(SettingKeys.Namespace + ":" + name, "is not a known setting",
                    "remove it or fix its spelling; known settings: " + string.Join(", ", SettingKeys.All.Select(k => k.Name)));
            }

            if (key.IsSecret && raw[name] is not null)
            {
                throw new ConfigurationException(key.ConfigKey, "must not be stored in plain text",
                    "use `pulumi config set --secret govclone:password`, or GOVCLONE_PASSWORD / PGPASSWORD in the environment, or govclone:pgpassFile");
            }
        }

        var context = new SettingsParseContext(raw, password, sshPrivateKey);
        foreach (var key in SettingKeys.All)
        {
            context.Value<object?>(key);
        }

        CrossKeyChecks(context);
        return Build(context);
    }

    /// <summary>The checks that tie keys together: a clone apart from every other database, ssh's needs, a template of its own.</summary>
    private static void CrossKeyChecks(SettingsParseContext c)
    {
        var clone = c.Value<string>(SettingKeys.CloneDatabase);
        var branchOf = c.Value<string?>(SettingKeys.BranchOf);
        if (branchOf is not null && !string.Equals(branchOf, clone, StringComparison.Ordinal))
        {
            throw new ConfigurationException(SettingKeys.BranchOf.ConfigKey, $"names the parent clone '{branchOf}', but govclone:cloneDatabase is '{clone}'",
                "a branch stack's clone is its parent: set govclone:branchOf to govclone:cloneDatabase, or remove govclone:cloneDatabase (it then defaults to govclone:branchOf)");
        }

        var maintenance = c.Value<string>(SettingKeys.MaintenanceDatabase);
        var app = c.Value<string>(SettingKeys.AppDatabase);
        var allowlist = c.Value<IReadOnlyList<string>>(SettingKeys.QueryAllowlist);
        if (string.Equals(clone, maintenance, StringComparison.Ordinal))
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, $"'{clone}' is also the maintenance database", $"use a separate maintenance database (govclone:maintenanceDatabase, usually postgres)");
        }

        if (string.Equals(clone, app, StringComparison.Ordinal))
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, $"'{clone}' is the app's own database (govclone:appDatabase)", "the clone must stay invisible to the app: give it its own name");
        }

        if (allowlist.Contains(clone, StringComparer.Ordinal))
        {
            throw new GuardException(SettingKeys.QueryAllowlist.ConfigKey, $"lists the clone '{clone}'", "remove the clone from the query tool's allowlist: the clone must stay unreadable by it");
        }

        var transport = c.Value<TransportKind>(SettingKeys.Transport);
        if (transport == TransportKind.Ssh && c.Value<string?>(SettingKeys.SshHost) is null)
        {
            throw new ConfigurationException(SettingKeys.SshHost.ConfigKey, "is required by transport ssh", "set govclone:sshHost (e.g. contabo), or use transport local/docker");
        }

        if (c.SshPrivateKey is not null && transport != TransportKind.Ssh)
        {
            throw new ConfigurationException(SettingKeys.SshPrivateKey.ConfigKey, "is set but govclone:transport is not ssh", "remove it, or set govclone:transport ssh");
        }

        var template = c.Value<string>(SettingKeys.TemplateDatabase);
        if (string.Equals(template, clone, StringComparison.Ordinal) || string.Equals(template, maintenance, StringComparison.Ordinal)
            || string.Equals(template, app, StringComparison.Ordinal) || allowlist.Contains(template, StringComparer.Ordinal)
            || CloneFamily.Companions(clone).Contains(template, StringComparer.Ordinal))
        {
            throw new GuardException(SettingKeys.TemplateDatabase.ConfigKey, $"'{template}' is also the clone, one of its companions (<clone>_next, _old, _spare), the maintenance or the app's database, or is in the query allowlist",
                "give the template its own name, e.g. " + FamilyRules.NameOf(clone, FamilyRules.Roles.Template));
        }
    }

    private static GovCloneSettings Build(SettingsParseContext c) => new()
    {
        SourceDatabase = c.Value<string>(SettingKeys.SourceDatabase),
        CloneDatabase = c.Value<string>(SettingKeys.CloneDatabase),
        MaintenanceDatabase = c.Value<string>(SettingKeys.MaintenanceDatabase),
        Host = c.Value<string>(SettingKeys.Host),
        Port = c.Value<int>(SettingKeys.Port),
        User = c.Value<string>(SettingKeys.User),
        SslMode = c.Value<string>(SettingKeys.SslMode),
        Password = c.Password,
        SshPrivateKey = c.SshPrivateKey,
        PgpassFile = c.Value<string?>(SettingKeys.PgpassFile),
        Transport = c.Value<TransportKind>(SettingKeys.Transport),
        DockerContainer = c.Value<string>(SettingKeys.DockerContainer),
        SshHost = c.Value<string?>(SettingKeys.SshHost),
        SshUser = c.Value<string?>(SettingKeys.SshUser),
        SshPort = c.Value<int?>(SettingKeys.SshPort),
        PgBinDir = c.Value<string?>(SettingKeys.PgBinDir),
        AppDatabase = c.Value<string>(SettingKeys.AppDatabase),
        QueryAllowlist = c.Value<IReadOnlyList<string>>(SettingKeys.QueryAllowlist),
        ProductionRolloutLanded = c.Value<bool>(SettingKeys.ProductionRolloutLanded),
        ProductionSeedVerified = c.Value<bool>(SettingKeys.ProductionSeedVerified),
        FollowUps = c.Value<IReadOnlyList<string>>(SettingKeys.FollowUps),
        CloneGeneration = c.Value<int>(SettingKeys.CloneGeneration),
        CompactGeneration = c.Value<int>(SettingKeys.CompactGeneration),
        SeedProfile = c.Value<SeedProfile>(SettingKeys.SeedProfile),
        LockTimeoutSeconds = c.Value<int>(SettingKeys.LockTimeoutSeconds),
        SourceLockTimeoutSeconds = c.Value<int>(SettingKeys.SourceLockTimeoutSeconds),
        HostFreeBytes = c.Value<long?>(SettingKeys.HostFreeBytes),
        CloneMethod = c.Value<CloneMethod>(SettingKeys.CloneMethod),
        RetainTemplate = c.Value<RetainTemplate>(SettingKeys.RetainTemplate),
        KeepSpare = c.Value<KeepSpare>(SettingKeys.KeepSpare),
        TemplateDatabase = c.Value<string>(SettingKeys.TemplateDatabase),
        ToastCompression = c.Value<string>(SettingKeys.ToastCompression),
        CloneJobs = c.Value<int>(SettingKeys.CloneJobs),
        MaintenanceWorkMem = c.Value<string>(SettingKeys.MaintenanceWorkMem),
        StreamTableMinBytes = c.Value<long>(SettingKeys.StreamTableMinBytes),
        BranchOf = c.Value<string?>(SettingKeys.BranchOf),
        MaxBranches = c.Value<int>(SettingKeys.MaxBranches),
        BranchMinFreeBytes = c.Value<long>(SettingKeys.BranchMinFreeBytes),
    };

    // The keys' own parsers (SettingKey.Parse), each named in the SettingKeys table.

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

    /// <summary>A database that is only read or connected to (source, maintenance, app): validated as given, never trimmed.</summary>
    // A name with a space, newline or other control character in it (or around it) is refused, not silently repaired into another name.
    internal static object Identifier(SettingKey key, SettingsParseContext c)
    {
        var name = c.Name(key);
        DatabaseNameGuard.RequireIdentifier(name, key.ConfigKey);
        return name;
    }

    internal static object DatabaseList(SettingKey key, SettingsParseContext c)
    {
        var list = ParseList(key, c.Optional(key));
        foreach (var db in list)
        {
            DatabaseNameGuard.RequireIdentifier(db, key.ConfigKey);
        }

        return list;
    }

    /// <summary>A branch stack names its parent clone (govclone:branchOf), which is the clone the settings describe.</summary>
    internal static object? BranchOf(SettingKey key, SettingsParseContext c)
    {
        var branchOfRaw = c.Raw(key);
        var branchOf = string.IsNullOrEmpty(branchOfRaw) ? null : branchOfRaw;
        if (branchOf is not null)
        {
            DatabaseNameGuard.RequireClone(branchOf, c.Value<string>(SettingKeys.SourceDatabase), key.ConfigKey);
        }

        return branchOf;
    }

    /// <summary>The clone name is checked as a guard: nothing may be mutated under a wrong name.</summary>
    internal static object Clone(SettingKey key, SettingsParseContext c)
    {
        var source = c.Value<string>(SettingKeys.SourceDatabase);
        var clone = c.Raw(key) ?? c.Value<string?>(SettingKeys.BranchOf) ?? key.Default!;
        DatabaseNameGuard.RequireClone(clone, source, key.ConfigKey);
        if (FamilyRules.ReservedEnding(clone) is { } reserved)
        {
            // clone x_spare would be clone x's spare, x_template its template: names of one family never name another's.
            throw new GuardException(key.ConfigKey, $"'{clone}' ends in {reserved.Suffix}, the suffix of a clone's {reserved.Role} (<clone>{reserved.Suffix}); it would collide with the family of '{clone[..^reserved.Suffix.Length]}'",
                $"name the clone so that it does not end in {string.Join(", ", FamilyRules.Reserved.Select(r => r.Suffix))}");
        }

        foreach (var companion in CloneFamily.Companions(clone))
        {
            // A clone is built in <clone>_next, retired to <clone>_old, kept ready as <clone>_spare: each must be a name
            // the guard passes (PostgreSQL would truncate a longer one into some other name).
            try
            {
                DatabaseNameGuard.RequireClone(companion, source, key.ConfigKey);
            }
            catch (GuardException ex)
            {
                throw new GuardException(key.ConfigKey, $"'{clone}' gives its companion database the name '{companion}', which is refused ({ex.Message})",
                    $"shorten govclone:cloneDatabase to at most {DatabaseNameGuard.MaxIdentifierBytes - CloneFamily.LongestSuffixBytes} bytes");
            }
        }

        return clone;
    }

    internal static object Template(SettingKey key, SettingsParseContext c)
    {
        var source = c.Value<string>(SettingKeys.SourceDatabase);
        var clone = c.Value<string>(SettingKeys.CloneDatabase);
        var templateRaw = c.Raw(key) ?? key.Default;
        if (!string.IsNullOrEmpty(templateRaw))
        {
            DatabaseNameGuard.RequireClone(templateRaw, source, key.ConfigKey);
            if (FamilyRules.ReservedEnding(templateRaw) is { Role: not FamilyRules.Roles.Template } reserved)
            {
                throw new GuardException(key.ConfigKey, $"'{templateRaw}' ends in {reserved.Suffix}, the suffix of a clone's {reserved.Role}; a template never takes another role's name",
                    $"name the template <clone>{FamilyRules.TemplateSuffix}, or any name that does not end in {string.Join(", ", FamilyRules.CompanionSuffixes)}");
            }

            return templateRaw;
        }

        // Derived from the clone's name: when it does not pass, the clone's name is what to change.
        var template = FamilyRules.NameOf(clone, FamilyRules.Roles.Template);
        try
        {
            DatabaseNameGuard.RequireClone(template, source, key.ConfigKey);
        }
        catch (GuardException ex)
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, $"'{clone}' gives the retained template the name '{template}', which is refused ({ex.Message})",
                $"shorten govclone:cloneDatabase (its template is <clone>_template), or set govclone:templateDatabase to a name of its own");
        }

        return template;
    }

    internal static object Host(SettingKey key, SettingsParseContext c)
    {
        var host = c.Text(key);
        if (!(HostName().IsMatch(host) || (host.StartsWith('/') && !host.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch)))))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{host}' is not a host name, IP address or socket folder", "set govclone:host to e.g. 127.0.0.1 (use an ssh tunnel for a remote server)");
        }

        return host;
    }

    internal static object User(SettingKey key, SettingsParseContext c)
    {
        var user = c.Text(key);
        if (!RoleName().IsMatch(user) || user.Length > DatabaseNameGuard.MaxIdentifierBytes)
        {
            throw new ConfigurationException(key.ConfigKey, $"'{user}' is not a role name", "set govclone:user to the database role, e.g. workflow_admin");
        }

        return user;
    }

    internal static object SslMode(SettingKey key, SettingsParseContext c)
    {
        var sslMode = c.Text(key).ToLowerInvariant();
        if (!key.Allowed.Contains(sslMode, StringComparer.Ordinal))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{sslMode}' is not an sslmode", OneOf(key));
        }

        return sslMode;
    }

    internal static object? PgpassFile(SettingKey key, SettingsParseContext c)
    {
        var pgpass = c.Optional(key);
        if (pgpass is null)
        {
            return null;
        }

        RequireReadableFile(key, pgpass);
        return Path.GetFullPath(pgpass);
    }

    internal static object Transport(SettingKey key, SettingsParseContext c) => c.Text(key).ToLowerInvariant() switch
    {
        "local" => TransportKind.Local,
        "docker" => TransportKind.Docker,
        "ssh" => TransportKind.Ssh,
        var other => throw new ConfigurationException(key.ConfigKey, $"'{other}' is not a transport", OneOf(key)),
    };

    internal static object Container(SettingKey key, SettingsParseContext c)
    {
        var container = c.Text(key);
        if (!ContainerName().IsMatch(container))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{container}' is not a container name", "set govclone:dockerContainer to the container's name, e.g. postgres");
        }

        return container;
    }

    internal static object? SshHost(SettingKey key, SettingsParseContext c)
    {
        var sshHost = c.Optional(key);
        if (sshHost is not null && !SshDestination().IsMatch(sshHost))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{sshHost}' is not an ssh destination (no spaces, quotes or leading '-')", "set govclone:sshHost to a host or ~/.ssh/config alias, e.g. contabo");
        }

        return sshHost;
    }

    internal static object? SshUser(SettingKey key, SettingsParseContext c)
    {
        var sshUser = c.Optional(key);
        if (sshUser is not null && !RoleName().IsMatch(sshUser))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{sshUser}' is not a login name", "set govclone:sshUser to the ssh login, e.g. root, or unset it");
        }

        return sshUser;
    }

    internal static object? PgBinDir(SettingKey key, SettingsParseContext c)
    {
        var binDir = c.Optional(key);
        if (binDir is not null)
        {
            if (!Path.IsPathFullyQualified(binDir) || !File.Exists(Path.Combine(binDir, "psql")) || !File.Exists(Path.Combine(binDir, "pg_dump")))
            {
                throw new ConfigurationException(key.ConfigKey, $"'{binDir}' is not an absolute folder holding psql and pg_dump", "point it at e.g. /usr/lib/postgresql/15/bin, or unset it to use PATH");
            }
        }

        return binDir;
    }

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

    internal static object Profile(SettingKey key, SettingsParseContext c) => c.Text(key).ToLowerInvariant() switch
    {
        "committed" => SeedProfile.Committed,
        "baseline" => SeedProfile.Baseline,
        var other => throw new ConfigurationException(key.ConfigKey, $"'{other}' is not a seed profile", OneOf(key)),
    };

    internal static object Method(SettingKey key, SettingsParseContext c) => c.Text(key).ToLowerInvariant() switch
    {
        "auto" => CloneMethod.Auto,
        "streams" => CloneMethod.Streams,
        "dump" => CloneMethod.Dump,
        "template" => CloneMethod.Template,
        "source-template" => CloneMethod.SourceTemplate,
        var other => throw new ConfigurationException(key.ConfigKey, $"'{other}' is not a clone method", OneOf(key)),
    };

    internal static object Retain(SettingKey key, SettingsParseContext c) => c.Text(key).ToLowerInvariant() switch
    {
        "auto" => RetainTemplate.Auto,
        "true" or "yes" or "1" => RetainTemplate.Yes,
        "false" or "no" or "0" => RetainTemplate.No,
        var other => throw new ConfigurationException(key.ConfigKey, $"'{other}' is not auto, true or false", OneOf(key)),
    };

    internal static object Spare(SettingKey key, SettingsParseContext c) => c.Text(key).ToLowerInvariant() switch
    {
        "auto" => KeepSpare.Auto,
        "true" or "yes" or "1" => KeepSpare.Yes,
        "false" or "no" or "0" => KeepSpare.No,
        var other => throw new ConfigurationException(key.ConfigKey, $"'{other}' is not auto, true or false", OneOf(key)),
    };

    internal static object Toast(SettingKey key, SettingsParseContext c)
    {
        var toast = c.Text(key).ToLowerInvariant();
        if (toast is not ("lz4" or "pglz"))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{toast}' is not a TOAST compression", OneOf(key));
        }

        return toast;
    }

    internal static object MemorySizeText(SettingKey key, SettingsParseContext c)
    {
        var mwm = c.Text(key);
        if (!MemorySize().IsMatch(mwm))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{mwm}' is not a memory size", "write it as a number and kB, MB or GB, e.g. 512MB");
        }

        return mwm;
    }

    private static void RequireReadableFile(SettingKey key, string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConfigurationException(key.ConfigKey, $"'{path}' cannot be read ({ex.GetType().Name})", "point it at a readable pgpass file (chmod 0600), or unset it and use GOVCLONE_PASSWORD");
        }

        // libpq (psql, pg_dump) silently ignores a pgpass file that group or others can read: refuse it here
        // rather than let the server-side tools fail later with a confusing authentication error.
        const UnixFileMode open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & open) != 0)
        {
            throw new ConfigurationException(key.ConfigKey, $"'{path}' is open to group or others, so psql and pg_dump would ignore it",
                $"chmod 0600 '{path}'");
        }
    }

    /// <summary>The fix for a value outside a choice: every allowed value, from the key's own table.</summary>
    private static string OneOf(SettingKey key) => $"set {key.ConfigKey} to one of {string.Join(", ", key.Allowed)}";

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
