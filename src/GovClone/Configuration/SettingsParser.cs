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

        string Get(SettingKey key)
        {
            raw.TryGetValue(key.Name, out var v);
            v ??= key.Default;
            if (v is null)
            {
                throw new ConfigurationException(key.ConfigKey, "is not set", $"set {key.ConfigKey} ({key.Description})");
            }

            return v.Trim();
        }

        string? GetOptional(SettingKey key)
        {
            raw.TryGetValue(key.Name, out var v);
            v ??= key.Default;
            return string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        }

        // Database names are validated as given, never trimmed: a name with a space, newline or other control
        // character in it (or around it) is refused, not silently repaired into another name.
        string GetName(SettingKey key)
        {
            raw.TryGetValue(key.Name, out var v);
            return v ?? key.Default ?? throw new ConfigurationException(key.ConfigKey, "is not set", $"set {key.ConfigKey} ({key.Description})");
        }

        var source = GetName(SettingKeys.SourceDatabase);
        DatabaseNameGuard.RequireIdentifier(source, SettingKeys.SourceDatabase.ConfigKey);
        var maintenance = GetName(SettingKeys.MaintenanceDatabase);
        DatabaseNameGuard.RequireIdentifier(maintenance, SettingKeys.MaintenanceDatabase.ConfigKey);
        var app = GetName(SettingKeys.AppDatabase);
        DatabaseNameGuard.RequireIdentifier(app, SettingKeys.AppDatabase.ConfigKey);
        var allowlist = ParseList(SettingKeys.QueryAllowlist, GetOptional(SettingKeys.QueryAllowlist));
        foreach (var db in allowlist)
        {
            DatabaseNameGuard.RequireIdentifier(db, SettingKeys.QueryAllowlist.ConfigKey);
        }

        // A branch stack names its parent clone (govclone:branchOf), which is the clone the settings describe.
        raw.TryGetValue(SettingKeys.BranchOf.Name, out var branchOfRaw);
        var branchOf = string.IsNullOrEmpty(branchOfRaw) ? null : branchOfRaw;
        if (branchOf is not null)
        {
            DatabaseNameGuard.RequireClone(branchOf, source, SettingKeys.BranchOf.ConfigKey);
        }

        // The clone name is checked as a guard: nothing may be mutated under a wrong name.
        raw.TryGetValue(SettingKeys.CloneDatabase.Name, out var cloneRaw);
        var clone = cloneRaw ?? branchOf ?? SettingKeys.CloneDatabase.Default!;
        DatabaseNameGuard.RequireClone(clone, source, SettingKeys.CloneDatabase.ConfigKey);
        if (branchOf is not null && !string.Equals(branchOf, clone, StringComparison.Ordinal))
        {
            throw new ConfigurationException(SettingKeys.BranchOf.ConfigKey, $"names the parent clone '{branchOf}', but govclone:cloneDatabase is '{clone}'",
                "a branch stack's clone is its parent: set govclone:branchOf to govclone:cloneDatabase, or remove govclone:cloneDatabase (it then defaults to govclone:branchOf)");
        }
        foreach (var companion in CloneFamily.Companions(clone))
        {
            // A clone is built in <clone>_next, retired to <clone>_old, kept ready as <clone>_spare: each must be a name
            // the guard passes (PostgreSQL would truncate a longer one into some other name).
            try
            {
                DatabaseNameGuard.RequireClone(companion, source, SettingKeys.CloneDatabase.ConfigKey);
            }
            catch (GuardException ex)
            {
                throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, $"'{clone}' gives its companion database the name '{companion}', which is refused ({ex.Message})",
                    $"shorten govclone:cloneDatabase to at most {DatabaseNameGuard.MaxIdentifierBytes - CloneFamily.LongestSuffixBytes} bytes");
            }
        }

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

        var host = Get(SettingKeys.Host);
        if (!(HostName().IsMatch(host) || (host.StartsWith('/') && !host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))))
        {
            throw new ConfigurationException(SettingKeys.Host.ConfigKey, $"'{host}' is not a host name, IP address or socket folder", "set govclone:host to e.g. 127.0.0.1 (use an ssh tunnel for a remote server)");
        }

        var port = ParseInt(SettingKeys.Port, Get(SettingKeys.Port));
        var user = Get(SettingKeys.User);
        if (!RoleName().IsMatch(user) || user.Length > DatabaseNameGuard.MaxIdentifierBytes)
        {
            throw new ConfigurationException(SettingKeys.User.ConfigKey, $"'{user}' is not a role name", "set govclone:user to the database role, e.g. workflow_admin");
        }

        var sslMode = Get(SettingKeys.SslMode).ToLowerInvariant();
        if (!SettingKeys.SslMode.Allowed.Contains(sslMode, StringComparer.Ordinal))
        {
            throw new ConfigurationException(SettingKeys.SslMode.ConfigKey, $"'{sslMode}' is not an sslmode", OneOf(SettingKeys.SslMode));
        }

        var pgpass = GetOptional(SettingKeys.PgpassFile);
        if (pgpass is not null)
        {
            RequireReadableFile(SettingKeys.PgpassFile, pgpass);
        }

        var transport = Get(SettingKeys.Transport).ToLowerInvariant() switch
        {
            "local" => TransportKind.Local,
            "docker" => TransportKind.Docker,
            "ssh" => TransportKind.Ssh,
            var other => throw new ConfigurationException(SettingKeys.Transport.ConfigKey, $"'{other}' is not a transport", OneOf(SettingKeys.Transport)),
        };

        var container = Get(SettingKeys.DockerContainer);
        if (!ContainerName().IsMatch(container))
        {
            throw new ConfigurationException(SettingKeys.DockerContainer.ConfigKey, $"'{container}' is not a container name", "set govclone:dockerContainer to the container's name, e.g. postgres");
        }

        var sshHost = GetOptional(SettingKeys.SshHost);
        if (sshHost is not null && !SshDestination().IsMatch(sshHost))
        {
            throw new ConfigurationException(SettingKeys.SshHost.ConfigKey, $"'{sshHost}' is not an ssh destination (no spaces, quotes or leading '-')", "set govclone:sshHost to a host or ~/.ssh/config alias, e.g. contabo");
        }

        var sshUser = GetOptional(SettingKeys.SshUser);
        if (sshUser is not null && !RoleName().IsMatch(sshUser))
        {
            throw new ConfigurationException(SettingKeys.SshUser.ConfigKey, $"'{sshUser}' is not a login name", "set govclone:sshUser to the ssh login, e.g. root, or unset it");
        }

        var sshPortRaw = GetOptional(SettingKeys.SshPort);
        int? sshPort = sshPortRaw is null ? null : ParseInt(SettingKeys.SshPort, sshPortRaw);

        if (transport == TransportKind.Ssh && sshHost is null)
        {
            throw new ConfigurationException(SettingKeys.SshHost.ConfigKey, "is required by transport ssh", "set govclone:sshHost (e.g. contabo), or use transport local/docker");
        }

        if (sshPrivateKey is not null && transport != TransportKind.Ssh)
        {
            throw new ConfigurationException(SettingKeys.SshPrivateKey.ConfigKey, "is set but govclone:transport is not ssh", "remove it, or set govclone:transport ssh");
        }

        var binDir = GetOptional(SettingKeys.PgBinDir);
        if (binDir is not null)
        {
            if (!Path.IsPathFullyQualified(binDir) || !File.Exists(Path.Combine(binDir, "psql")) || !File.Exists(Path.Combine(binDir, "pg_dump")))
            {
                throw new ConfigurationException(SettingKeys.PgBinDir.ConfigKey, $"'{binDir}' is not an absolute folder holding psql and pg_dump", "point it at e.g. /usr/lib/postgresql/15/bin, or unset it to use PATH");
            }
        }

        var followUps = ParseList(SettingKeys.FollowUps, GetOptional(SettingKeys.FollowUps));
        foreach (var f in followUps)
        {
            if (!SettingKeys.FollowUps.Allowed.Contains(f, StringComparer.Ordinal))
            {
                throw new ConfigurationException(SettingKeys.FollowUps.ConfigKey, $"'{f}' is not a follow-up", $"use any of {string.Join(", ", SettingKeys.FollowUps.Allowed)} (or an empty list)");
            }
        }

        var profile = Get(SettingKeys.SeedProfile).ToLowerInvariant() switch
        {
            "committed" => SeedProfile.Committed,
            "baseline" => SeedProfile.Baseline,
            var other => throw new ConfigurationException(SettingKeys.SeedProfile.ConfigKey, $"'{other}' is not a seed profile", OneOf(SettingKeys.SeedProfile)),
        };

        var freeRaw = GetOptional(SettingKeys.HostFreeBytes);
        long? free = freeRaw is null ? null : ParseLong(SettingKeys.HostFreeBytes, freeRaw);

        var method = Get(SettingKeys.CloneMethod).ToLowerInvariant() switch
        {
            "auto" => CloneMethod.Auto,
            "streams" => CloneMethod.Streams,
            "dump" => CloneMethod.Dump,
            "template" => CloneMethod.Template,
            "source-template" => CloneMethod.SourceTemplate,
            var other => throw new ConfigurationException(SettingKeys.CloneMethod.ConfigKey, $"'{other}' is not a clone method", OneOf(SettingKeys.CloneMethod)),
        };
        var retain = Get(SettingKeys.RetainTemplate).ToLowerInvariant() switch
        {
            "auto" => RetainTemplate.Auto,
            "true" or "yes" or "1" => RetainTemplate.Yes,
            "false" or "no" or "0" => RetainTemplate.No,
            var other => throw new ConfigurationException(SettingKeys.RetainTemplate.ConfigKey, $"'{other}' is not auto, true or false", OneOf(SettingKeys.RetainTemplate)),
        };
        var spare = Get(SettingKeys.KeepSpare).ToLowerInvariant() switch
        {
            "auto" => KeepSpare.Auto,
            "true" or "yes" or "1" => KeepSpare.Yes,
            "false" or "no" or "0" => KeepSpare.No,
            var other => throw new ConfigurationException(SettingKeys.KeepSpare.ConfigKey, $"'{other}' is not auto, true or false", OneOf(SettingKeys.KeepSpare)),
        };
        raw.TryGetValue(SettingKeys.TemplateDatabase.Name, out var templateRaw);
        templateRaw ??= SettingKeys.TemplateDatabase.Default;
        string template;
        if (string.IsNullOrEmpty(templateRaw))
        {
            // Derived from the clone's name: when it does not pass, the clone's name is what to change.
            template = clone + "_template";
            try
            {
                DatabaseNameGuard.RequireClone(template, source, SettingKeys.TemplateDatabase.ConfigKey);
            }
            catch (GuardException ex)
            {
                throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, $"'{clone}' gives the retained template the name '{template}', which is refused ({ex.Message})",
                    $"shorten govclone:cloneDatabase (its template is <clone>_template), or set govclone:templateDatabase to a name of its own");
            }
        }
        else
        {
            template = templateRaw;
            DatabaseNameGuard.RequireClone(template, source, SettingKeys.TemplateDatabase.ConfigKey);
        }
        if (string.Equals(template, clone, StringComparison.Ordinal) || string.Equals(template, maintenance, StringComparison.Ordinal)
            || string.Equals(template, app, StringComparison.Ordinal) || allowlist.Contains(template, StringComparer.Ordinal)
            || CloneFamily.Companions(clone).Contains(template, StringComparer.Ordinal))
        {
            throw new GuardException(SettingKeys.TemplateDatabase.ConfigKey, $"'{template}' is also the clone, one of its companions (<clone>_next, _old, _spare), the maintenance or the app's database, or is in the query allowlist",
                "give the template its own name, e.g. " + clone + "_template");
        }

        var toast = Get(SettingKeys.ToastCompression).ToLowerInvariant();
        if (toast is not ("lz4" or "pglz"))
        {
            throw new ConfigurationException(SettingKeys.ToastCompression.ConfigKey, $"'{toast}' is not a TOAST compression", OneOf(SettingKeys.ToastCompression));
        }

        var mwm = Get(SettingKeys.MaintenanceWorkMem);
        if (!MemorySize().IsMatch(mwm))
        {
            throw new ConfigurationException(SettingKeys.MaintenanceWorkMem.ConfigKey, $"'{mwm}' is not a memory size", "write it as a number and kB, MB or GB, e.g. 512MB");
        }

        return new GovCloneSettings
        {
            SourceDatabase = source,
            CloneDatabase = clone,
            MaintenanceDatabase = maintenance,
            Host = host,
            Port = port,
            User = user,
            SslMode = sslMode,
            Password = password,
            SshPrivateKey = sshPrivateKey,
            PgpassFile = pgpass is null ? null : Path.GetFullPath(pgpass),
            Transport = transport,
            DockerContainer = container,
            SshHost = sshHost,
            SshUser = sshUser,
            SshPort = sshPort,
            PgBinDir = binDir,
            AppDatabase = app,
            QueryAllowlist = allowlist,
            ProductionRolloutLanded = ParseBool(SettingKeys.ProductionRolloutLanded, Get(SettingKeys.ProductionRolloutLanded)),
            ProductionSeedVerified = ParseBool(SettingKeys.ProductionSeedVerified, Get(SettingKeys.ProductionSeedVerified)),
            FollowUps = followUps,
            CloneGeneration = ParseInt(SettingKeys.CloneGeneration, Get(SettingKeys.CloneGeneration)),
            CompactGeneration = ParseInt(SettingKeys.CompactGeneration, Get(SettingKeys.CompactGeneration)),
            SeedProfile = profile,
            LockTimeoutSeconds = ParseInt(SettingKeys.LockTimeoutSeconds, Get(SettingKeys.LockTimeoutSeconds)),
            HostFreeBytes = free,
            CloneMethod = method,
            RetainTemplate = retain,
            KeepSpare = spare,
            TemplateDatabase = template,
            ToastCompression = toast,
            CloneJobs = ParseInt(SettingKeys.CloneJobs, Get(SettingKeys.CloneJobs)),
            MaintenanceWorkMem = mwm,
            StreamTableMinBytes = ParseLong(SettingKeys.StreamTableMinBytes, Get(SettingKeys.StreamTableMinBytes)),
            BranchOf = branchOf,
            MaxBranches = ParseInt(SettingKeys.MaxBranches, Get(SettingKeys.MaxBranches)),
            BranchMinFreeBytes = ParseLong(SettingKeys.BranchMinFreeBytes, Get(SettingKeys.BranchMinFreeBytes)),
        };
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
