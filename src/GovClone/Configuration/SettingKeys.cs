namespace GovClone.Configuration;

/// <summary>What kind of value a setting takes: shown by <c>govclone config</c>, and what shell completion offers.</summary>
public enum SettingType
{
    Text,

    /// <summary>A PostgreSQL database name (plain lower-case ASCII, at most 63 bytes).</summary>
    Database,

    /// <summary>A whole number within <see cref="SettingKey.Min"/> and <see cref="SettingKey.Max"/>.</summary>
    WholeNumber,

    /// <summary>true or false (yes/no and 1/0 are accepted too).</summary>
    Boolean,

    /// <summary>One of <see cref="SettingKey.Allowed"/>.</summary>
    Choice,

    /// <summary>A YAML list or a comma-separated string; when <see cref="SettingKey.Allowed"/> is set, items come from it.</summary>
    List,

    Path,

    /// <summary>A whole number of bytes.</summary>
    Bytes,

    /// <summary>A number and kB, MB or GB (PostgreSQL's units).</summary>
    MemorySize,

    /// <summary>Never in a file or on a command line: Pulumi secret config, or the environment.</summary>
    Secret,
}

/// <summary>One setting: its stack-file key, the flag and environment variable that override it, its default and meaning.</summary>
public sealed record SettingKey(string Name, string? Default, string Description, bool IsSecret = false)
{
    /// <summary>The kind of value; <see cref="SettingsParser"/> enforces it (tests hold the two together).</summary>
    public SettingType Type { get; init; } = IsSecret ? SettingType.Secret : SettingType.Text;

    /// <summary>The accepted values of a <see cref="SettingType.Choice"/> or <see cref="SettingType.Boolean"/> (or a list's items), in the parser's spelling.</summary>
    public IReadOnlyList<string> Allowed
    {
        get => _allowed ?? (Type == SettingType.Boolean ? ["true", "false"] : []);
        init => _allowed = value;
    }

    private readonly IReadOnlyList<string>? _allowed;

    /// <summary>Range of an <see cref="SettingType.WholeNumber"/>.</summary>
    public long? Min { get; init; }

    /// <summary>Range of an <see cref="SettingType.WholeNumber"/>.</summary>
    public long? Max { get; init; }

    /// <summary>The type as <c>govclone config</c> shows it, e.g. <c>one of local|docker|ssh</c>, <c>integer 1-65535</c>.</summary>
    public string TypeText => Type switch
    {
        SettingType.Choice or SettingType.Boolean => string.Join('|', Allowed),
        SettingType.WholeNumber => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"integer {Min}-{Max}"),
        SettingType.List when Allowed.Count > 0 => "list of " + string.Join('|', Allowed),
        SettingType.MemorySize => "memory size (kB|MB|GB)",
        _ => Type.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Turns the key's raw value (read through the context, with its default) into its typed value, refusing a bad one
    /// with a <see cref="ConfigurationException"/> or <see cref="GuardException"/>. <see cref="SettingsParser.Parse"/> runs
    /// every key's in the table's order, then the checks that tie keys together. By default, by <see cref="Type"/>.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Func<SettingKey, SettingsParseContext, object?> Parse { get; init; } = ValueParsers.ByType;

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
    public const string ClonePrefix = Guards.DatabaseNameGuard.ClonePrefix;

    /// <summary>
    /// retainTemplate and keepSpare "auto" keep a copy while its size is under this share of the host's free space;
    /// the decision calls a clone's disk cost negligible below it.
    /// </summary>
    public const double AutoKeepShareOfFree = 0.10;

    public static readonly SettingKey SourceDatabase = new("sourceDatabase", "directus", "the production database, only ever read (pg_dump, read-only transactions)")
    { Type = SettingType.Database, Parse = DatabaseNameParsers.Identifier };
    public static readonly SettingKey CloneDatabase = new("cloneDatabase", "directus_gov_test_20260602", "the clone; must start with directus_gov_test_")
    { Type = SettingType.Database, Parse = DatabaseNameParsers.Clone };
    public static readonly SettingKey MaintenanceDatabase = new("maintenanceDatabase", "postgres", "database used for CREATE/DROP DATABASE and the run lock")
    { Type = SettingType.Database, Parse = DatabaseNameParsers.Identifier };
    public static readonly SettingKey Host = new("host", "127.0.0.1", "server host for govclone's own connections (through a tunnel for ssh)")
    { Parse = ConnectionParsers.Host };
    public static readonly SettingKey Port = new("port", "5432", "server port for govclone's own connections")
    { Type = SettingType.WholeNumber, Min = 1, Max = 65535 };
    public static readonly SettingKey User = new("user", "workflow_admin", "database role (the runbook's workflow_admin)")
    { Parse = ConnectionParsers.User };
    public static readonly SettingKey SslMode = new("sslMode", "prefer", "disable | allow | prefer | require | verify-ca | verify-full")
    { Type = SettingType.Choice, Allowed = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"], Parse = ConnectionParsers.SslMode };
    public static readonly SettingKey Password = new("password", null, "the role's password: Pulumi secret config, or GOVCLONE_PASSWORD / PGPASSWORD for the CLI", IsSecret: true);
    public static readonly SettingKey PgpassFile = new("pgpassFile", null, "a pgpass file (mode 0600) instead of a password")
    { Type = SettingType.Path, Parse = ConnectionParsers.PgpassFile };
    public static readonly SettingKey Transport = new("transport", "local", "local | docker | ssh: how psql and pg_dump reach the server")
    { Type = SettingType.Choice, Allowed = ["local", "docker", "ssh"], Parse = ConnectionParsers.Transport };
    public static readonly SettingKey DockerContainer = new("dockerContainer", "postgres", "container name for docker and ssh transports")
    { Parse = ConnectionParsers.Container };
    public static readonly SettingKey SshHost = new("sshHost", null, "ssh destination for the ssh transport (an ~/.ssh/config alias like contabo)")
    { Parse = ConnectionParsers.SshHost };
    public static readonly SettingKey SshUser = new("sshUser", null, "ssh login name (default: your ssh config's)")
    { Parse = ConnectionParsers.SshUser };
    public static readonly SettingKey SshPort = new("sshPort", null, "ssh port (default: your ssh config's)")
    { Type = SettingType.WholeNumber, Min = 1, Max = 65535 };
    public static readonly SettingKey SshPrivateKey = new("sshPrivateKey", null, "secret: the ssh private key for the ssh transport (Pulumi secret config, or GOVCLONE_SSH_PRIVATE_KEY for the CLI); written to a 0600 temporary file for ssh -i, removed after", IsSecret: true);
    public static readonly SettingKey PgBinDir = new("pgBinDir", null, "folder of psql/pg_dump for the local transport (default: PATH)")
    { Type = SettingType.Path, Parse = ConnectionParsers.PgBinDir };
    public static readonly SettingKey AppDatabase = new("appDatabase", "directus", "the app's DB_DATABASE; the clone must differ (isolation)")
    { Type = SettingType.Database, Parse = DatabaseNameParsers.Identifier };
    public static readonly SettingKey QueryAllowlist = new("queryAllowlist", "directus", "databases the query tool (MCP query_pg) may read; the clone must not be listed")
    { Type = SettingType.List, Parse = DatabaseNameParsers.DatabaseList };
    public static readonly SettingKey ProductionRolloutLanded = new("productionRolloutLanded", "false", "the human gate: has the production rollout landed?")
    { Type = SettingType.Boolean };
    public static readonly SettingKey ProductionSeedVerified = new("productionSeedVerified", "false", "have the production seed and verify been run?")
    { Type = SettingType.Boolean };
    public static readonly SettingKey FollowUps = new("followUps", "", "queued follow-ups that still need the clone: any of axis, emit, dot")
    { Type = SettingType.List, Allowed = ["axis", "emit", "dot"], Parse = ValueParsers.FollowUps };
    public static readonly SettingKey CloneGeneration = new("cloneGeneration", "1", "bump to re-clone from scratch")
    { Type = SettingType.WholeNumber, Min = 0, Max = int.MaxValue };
    public static readonly SettingKey CompactGeneration = new("compactGeneration", "0", "bump to run VACUUM (FULL, ANALYZE) once")
    { Type = SettingType.WholeNumber, Min = 0, Max = int.MaxValue };
    public static readonly SettingKey SeedProfile = new("seedProfile", "committed", "committed (own=30 …) | baseline (own=0, gap=210, candidates=0)")
    { Type = SettingType.Choice, Allowed = ["committed", "baseline"], Parse = ValueParsers.Profile };
    public static readonly SettingKey LockTimeoutSeconds = new("lockTimeoutSeconds", "30", "how long a run waits for another run's lock")
    { Type = SettingType.WholeNumber, Min = 0, Max = 3600 };
    public static readonly SettingKey SourceLockTimeoutSeconds = new("sourceLockTimeoutSeconds", "60", "the longest a clone's read of the source (production) waits for a table lock a production session holds, e.g. a migration's ALTER TABLE; then the clone fails, changing nothing")
    { Type = SettingType.WholeNumber, Min = 1, Max = 3600 };
    public static readonly SettingKey HostFreeBytes = new("hostFreeBytes", null, "free bytes on the database host, when df through the transport is not possible")
    { Type = SettingType.Bytes };

    public static readonly SettingKey CloneMethod = new("cloneMethod", "auto", "auto (template when a current one is retained, else streams) | streams | dump (plain pg_dump | psql) | template | source-template (explicit only; needs zero sessions on the source)")
    { Type = SettingType.Choice, Allowed = ["auto", "streams", "dump", "template", "source-template"], Parse = ValueParsers.Method };
    public static readonly SettingKey RetainTemplate = new("retainTemplate", "auto", "keep a connection-free template copy of the fresh clone for fast re-clones: auto (when under 10% of free space) | true | false")
    { Type = SettingType.Choice, Allowed = ["auto", "true", "false"], Parse = ValueParsers.Retain };
    public static readonly SettingKey KeepSpare = new("keepSpare", "auto", "keep a ready spare <clone>_spare, a copy of the retained template made ahead of time, so a re-clone (clone --force) is a swap of names: auto (when under 10% of the free space left) | true | false")
    { Type = SettingType.Choice, Allowed = ["auto", "true", "false"], Parse = ValueParsers.Spare };
    public static readonly SettingKey TemplateDatabase = new("templateDatabase", null, "the retained template's name (default: <cloneDatabase>_template); must start with directus_gov_test_")
    { Type = SettingType.Database, Parse = DatabaseNameParsers.Template };
    public static readonly SettingKey ToastCompression = new("toastCompression", "lz4", "TOAST compression of the clone's data: lz4 (faster; pglz if the server lacks lz4) | pglz (storage as a default production's)")
    { Type = SettingType.Choice, Allowed = ["lz4", "pglz"], Parse = ValueParsers.Toast };
    public static readonly SettingKey CloneJobs = new("cloneJobs", "2", "parallel connections of a streams clone (data, indexes, ANALYZE); about the server's cores")
    { Type = SettingType.WholeNumber, Min = 1, Max = 16 };
    public static readonly SettingKey MaintenanceWorkMem = new("maintenanceWorkMem", "512MB", "maintenance_work_mem of a streams clone's last step (foreign-key checks, partition-tree indexes) and the most a lane's index build sorts in, e.g. 512MB or 1GB")
    { Type = SettingType.MemorySize, Parse = ValueParsers.MemorySizeText };
    public static readonly SettingKey StreamTableMinBytes = new("streamTableMinBytes", "8388608", "tables at least this big get their own binary COPY stream in a streams clone")
    { Type = SettingType.Bytes };

    // Branches (govclone branch; issue 17): per-change copies <clone>_<NAME> of the retained template.
    public static readonly SettingKey BranchOf = new("branchOf", null, "Pulumi: makes this stack a branch stack (a stack per pull request, named pr-<N>): the parent clone's name; the stack creates the branch <parent>_pr_<N> instead of the clone, runs the suite on it, and pulumi destroy drops it (cloneDatabase defaults to it and must equal it)")
    { Type = SettingType.Database, Parse = DatabaseNameParsers.BranchOf };
    public static readonly SettingKey MaxBranches = new("maxBranches", "10", "the most branches (govclone branch create) a clone may have at once; a create beyond it is refused")
    { Type = SettingType.WholeNumber, Min = 0, Max = 1000 };
    public static readonly SettingKey BranchMinFreeBytes = new("branchMinFreeBytes", "2147483648", "free bytes the host must keep after a branch's copy (df of the data directory, or govclone:hostFreeBytes); a create that would leave less is refused (0: no floor)")
    { Type = SettingType.Bytes };
    public static readonly SettingKey KeepBranchSpare = new("keepBranchSpare", "true", "keep a ready branch spare <clone>_bspare, a copy of the retained template made ahead of time (by govclone spare, which clone, up and branch create start in the background) within the branch budget, so branch create is a rename instead of a copy: true | false")
    { Type = SettingType.Boolean };

    // Masked clones (issue 25; docs/masking.md).
    public static readonly SettingKey Masking = new("masking", "credentials", "what of production a clone never holds in clear: a profile (credentials: passwords, tokens, secrets | personal: credentials plus emails, names, IPs, user agents | none: an exact copy), then rules table.column: strategy (null, constant:VALUE, hash, email, redact, keep), comma-separated or a YAML list")
    { Type = SettingType.List, Parse = ValueParsers.MaskingSetting };

    public static IReadOnlyList<SettingKey> All { get; } =
    [
        SourceDatabase, CloneDatabase, MaintenanceDatabase, Host, Port, User, SslMode, Password, PgpassFile,
        Transport, DockerContainer, SshHost, SshUser, SshPort, SshPrivateKey, PgBinDir, AppDatabase, QueryAllowlist,
        ProductionRolloutLanded, ProductionSeedVerified, FollowUps, CloneGeneration, CompactGeneration,
        SeedProfile, LockTimeoutSeconds, SourceLockTimeoutSeconds, HostFreeBytes, CloneMethod, RetainTemplate, KeepSpare, TemplateDatabase, ToastCompression,
        CloneJobs, MaintenanceWorkMem, StreamTableMinBytes, BranchOf, MaxBranches, BranchMinFreeBytes, KeepBranchSpare, Masking,
    ];

    public static SettingKey? Find(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal)
                             || string.Equals(k.ConfigKey, name, StringComparison.Ordinal));
}
