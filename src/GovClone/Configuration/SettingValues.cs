using System.Globalization;

namespace GovClone.Configuration;

/// <summary>
/// The inverse of <see cref="SettingsParser"/>: every non-secret setting of a validated
/// <see cref="GovCloneSettings"/> as the string the stack file, a flag or a <c>GOVCLONE_*</c> variable would
/// carry (defaults resolved, e.g. the template's name). Parsing these strings again gives the same settings.
/// The Pulumi Commands hand settings to the CLI this way.
/// </summary>
public static class SettingValues
{
    /// <summary>Each non-secret key's value; null where the setting is unset (an optional key without a default).</summary>
    public static IReadOnlyDictionary<SettingKey, string?> Of(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        static string I(long n) => n.ToString(CultureInfo.InvariantCulture);
        static string B(bool b) => b ? "true" : "false";
        var values = new Dictionary<SettingKey, string?>
        {
            [SettingKeys.SourceDatabase] = s.SourceDatabase,
            [SettingKeys.CloneDatabase] = s.CloneDatabase,
            [SettingKeys.MaintenanceDatabase] = s.MaintenanceDatabase,
            [SettingKeys.Host] = s.Host,
            [SettingKeys.Port] = I(s.Port),
            [SettingKeys.User] = s.User,
            [SettingKeys.SslMode] = s.SslMode,
            [SettingKeys.PgpassFile] = s.PgpassFile,
            [SettingKeys.Transport] = s.Transport.ToString().ToLowerInvariant(),
            [SettingKeys.DockerContainer] = s.DockerContainer,
            [SettingKeys.SshHost] = s.SshHost,
            [SettingKeys.SshUser] = s.SshUser,
            [SettingKeys.SshPort] = s.SshPort is { } p ? I(p) : null,
            [SettingKeys.PgBinDir] = s.PgBinDir,
            [SettingKeys.AppDatabase] = s.AppDatabase,
            [SettingKeys.QueryAllowlist] = string.Join(',', s.QueryAllowlist),
            [SettingKeys.ProductionRolloutLanded] = B(s.ProductionRolloutLanded),
            [SettingKeys.ProductionSeedVerified] = B(s.ProductionSeedVerified),
            [SettingKeys.FollowUps] = string.Join(',', s.FollowUps),
            [SettingKeys.CloneGeneration] = I(s.CloneGeneration),
            [SettingKeys.CompactGeneration] = I(s.CompactGeneration),
            [SettingKeys.SeedProfile] = s.SeedProfile.ToString().ToLowerInvariant(),
            [SettingKeys.LockTimeoutSeconds] = I(s.LockTimeoutSeconds),
            [SettingKeys.SourceLockTimeoutSeconds] = I(s.SourceLockTimeoutSeconds),
            [SettingKeys.HostFreeBytes] = s.HostFreeBytes is { } f ? I(f) : null,
            [SettingKeys.CloneMethod] = Word(s.CloneMethod),
            [SettingKeys.RetainTemplate] = s.RetainTemplate switch
            {
                RetainTemplate.Yes => "true",
                RetainTemplate.No => "false",
                _ => "auto",
            },
            [SettingKeys.KeepSpare] = s.KeepSpare switch
            {
                KeepSpare.Yes => "true",
                KeepSpare.No => "false",
                _ => "auto",
            },
            [SettingKeys.TemplateDatabase] = s.TemplateDatabase,
            [SettingKeys.ToastCompression] = s.ToastCompression,
            [SettingKeys.CloneJobs] = I(s.CloneJobs),
            [SettingKeys.MaintenanceWorkMem] = s.MaintenanceWorkMem,
            [SettingKeys.StreamTableMinBytes] = I(s.StreamTableMinBytes),
            [SettingKeys.BranchOf] = s.BranchOf,
            [SettingKeys.MaxBranches] = I(s.MaxBranches),
            [SettingKeys.BranchMinFreeBytes] = I(s.BranchMinFreeBytes),
            [SettingKeys.KeepBranchSpare] = s.KeepBranchSpare ? "true" : "false",
            [SettingKeys.Masking] = s.Masking.ToString(),
        };
        var missing = SettingKeys.All.Where(k => !k.IsSecret && !values.ContainsKey(k)).Select(k => k.Name).ToList();
        if (missing.Count > 0)
        {
            // A key added to SettingKeys must be added here too, or the Pulumi Commands would silently drop it.
            throw new InvalidOperationException("SettingValues.Of misses " + string.Join(", ", missing));
        }

        return values;
    }

    /// <summary>The word <c>govclone:cloneMethod</c> takes for a method.</summary>
    public static string Word(CloneMethod method) => method switch
    {
        CloneMethod.Auto => "auto",
        CloneMethod.Streams => "streams",
        CloneMethod.Dump => "dump",
        CloneMethod.Template => "template",
        CloneMethod.SourceTemplate => "source-template",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown clone method"),
    };
}
