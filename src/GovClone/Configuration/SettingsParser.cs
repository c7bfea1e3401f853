using System.Globalization;
using GovClone.Guards;

namespace GovClone.Configuration;

/// <summary>
/// Turns raw <c>govclone:*</c> values (strings, keyed by short name) into validated <see cref="GovCloneSettings"/>.
/// The CLI and the Pulumi program both call this, so a bad setting fails the same way in
/// <c>govclone</c> and in <c>pulumi preview</c>: a <see cref="ConfigurationException"/> or
/// <see cref="GuardException"/> naming the key and the fix, before anything runs. Each key's own parser is named in the
/// <see cref="SettingKeys"/> table: <see cref="DatabaseNameParsers"/>, <see cref="ConnectionParsers"/>, <see cref="ValueParsers"/>.
/// </summary>
public static class SettingsParser
{
    /// <summary>A memory size as the settings write it (a number and kB, MB or GB, PostgreSQL's units: 1 MB = 1024 kB) in kB.</summary>
    public static long MemoryKilobytes(string size)
    {
        ArgumentNullException.ThrowIfNull(size);
        if (!ValueParsers.IsMemorySize(size))
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
        KeepBranchSpare = c.Value<bool>(SettingKeys.KeepBranchSpare),
        Masking = c.Value<MaskingRules>(SettingKeys.Masking),
    };
}
