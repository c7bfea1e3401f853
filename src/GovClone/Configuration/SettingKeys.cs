namespace GovClone.Configuration;

/// <summary>One setting: its stack-file key, the flag and environment variable that override it, its default and meaning.</summary>
public sealed record SettingKey(string Name, string? Default, string Description, bool IsSecret = false)
{
    /// <summary>The key in <c>Pulumi.&lt;stack&gt;.yaml</c>, e.g. <c>govclone:cloneDatabase</c>.</summary>
    public string ConfigKey => SettingKeys.Namespace + ":" + Name;

    /// <summary>e.g. <c>--clone-database</c>.</summary>
    public string Flag => "--" + Kebab(Name);

    /// <summary>e.g. <c>GOVCLONE_CLONE_DATABASE</c>.</summary>
    public string EnvironmentVariable => "GOVCLONE_" + Kebab(Name).Replace('-', '_').ToUpperInvariant();

    private static string Kebab(string name)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                sb.Append('-').Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}

/// <summary>The table of every <c>govclone:*</c> key. Flags, environment variables, docs and validation all come from it.</summary>
public static class SettingKeys
{
    public const string Namespace = "govclone";

    /// <summary>The clone's required name prefix: every mutation refuses any other database.</summary>
    public const string ClonePrefix = "directus_gov_test_";

    public static readonly SettingKey SourceDatabase = new("sourceDatabase", "directus", "the production database, only ever read (pg_dump, read-only transactions)");
    public static readonly SettingKey CloneDatabase = new("cloneDatabase", "directus_gov_test_20260602", "the clone; must start with directus_gov_test_");
    public static readonly SettingKey MaintenanceDatabase = new("maintenanceDatabase", "postgres", "database used for CREATE/DROP DATABASE and the run lock");
    public static readonly SettingKey Host = new("host", "127.0.0.1", "server host for govclone's own connections (through a tunnel for ssh)");
    public static readonly SettingKey Port = new("port", "5432", "server port for govclone's own connections");
    public static readonly SettingKey User = new("user", "workflow_admin", "database role (the runbook's workflow_admin)");
    public static readonly SettingKey SslMode = new("sslMode", "prefer", "disable | allow | prefer | require | verify-ca | verify-full");
    public static readonly SettingKey Password = new("password", null, "the role's password: Pulumi secret config, or GOVCLONE_PASSWORD / PGPASSWORD for the CLI", IsSecret: true);
    public static readonly SettingKey PgpassFile = new("pgpassFile", null, "a pgpass file (mode 0600) instead of a password");
    public static readonly SettingKey Transport = new("transport", "local", "local | docker | ssh: how psql and pg_dump reach the server");
    public static readonly SettingKey DockerContainer = new("dockerContainer", "postgres", "container name for docker and ssh transports");
    public static readonly SettingKey SshHost = new("sshHost", null, "ssh destination for the ssh transport (an ~/.ssh/config alias like contabo)");
    public static readonly SettingKey SshUser = new("sshUser", null, "ssh login name (default: your ssh config's)");
    public static readonly SettingKey SshPort = new("sshPort", null, "ssh port (default: your ssh config's)");
    public static readonly SettingKey SshPrivateKey = new("sshPrivateKey", null, "Pulumi only, secret: run the commands with Pulumi's own ssh (remote Command) instead of the ssh client", IsSecret: true);
    public static readonly SettingKey PgBinDir = new("pgBinDir", null, "folder of psql/pg_dump for the local transport (default: PATH)");
    public static readonly SettingKey AppDatabase = new("appDatabase", "directus", "the app's DB_DATABASE; the clone must differ (isolation)");
    public static readonly SettingKey QueryAllowlist = new("queryAllowlist", "directus", "databases the query tool (MCP query_pg) may read; the clone must not be listed");
    public static readonly SettingKey ProductionRolloutLanded = new("productionRolloutLanded", "false", "the human gate: has the production rollout landed?");
    public static readonly SettingKey ProductionSeedVerified = new("productionSeedVerified", "false", "have the production seed and verify been run?");
    public static readonly SettingKey FollowUps = new("followUps", "", "queued follow-ups that still need the clone: any of axis, emit, dot");
    public static readonly SettingKey CloneGeneration = new("cloneGeneration", "1", "bump to re-clone from scratch");
    public static readonly SettingKey CompactGeneration = new("compactGeneration", "0", "bump to run VACUUM (FULL, ANALYZE) once");
    public static readonly SettingKey SeedProfile = new("seedProfile", "committed", "committed (own=30 …) | baseline (own=0, gap=210, candidates=0)");
    public static readonly SettingKey LockTimeoutSeconds = new("lockTimeoutSeconds", "30", "how long a run waits for another run's lock");
    public static readonly SettingKey HostFreeBytes = new("hostFreeBytes", null, "free bytes on the database host, when df through the transport is not possible");

    public static IReadOnlyList<SettingKey> All { get; } =
    [
        SourceDatabase, CloneDatabase, MaintenanceDatabase, Host, Port, User, SslMode, Password, PgpassFile,
        Transport, DockerContainer, SshHost, SshUser, SshPort, SshPrivateKey, PgBinDir, AppDatabase, QueryAllowlist,
        ProductionRolloutLanded, ProductionSeedVerified, FollowUps, CloneGeneration, CompactGeneration,
        SeedProfile, LockTimeoutSeconds, HostFreeBytes,
    ];

    public static SettingKey? Find(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal)
                             || string.Equals(k.ConfigKey, name, StringComparison.Ordinal));
}
