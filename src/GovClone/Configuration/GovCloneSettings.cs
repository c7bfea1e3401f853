namespace GovClone.Configuration;

/// <summary>How the server's tools (psql, pg_dump) are reached, exactly as the runbook does it.</summary>
public enum TransportKind
{
    /// <summary>Tools on this machine's PATH (or govclone:pgBinDir), talking TCP to host:port.</summary>
    Local,

    /// <summary><c>docker exec -i CONTAINER …</c> on this machine.</summary>
    Docker,

    /// <summary><c>ssh HOST "docker exec -i CONTAINER …"</c>.</summary>
    Ssh,
}

/// <summary>What the seeded governance state should converge to.</summary>
public enum SeedProfile
{
    /// <summary>The committed A→G evidence: own=30 … axis_tables=0.</summary>
    Committed,

    /// <summary>The clean F-6 baseline after reset-in-place: own=0, gap=210, candidates=0.</summary>
    Baseline,
}

/// <summary>How a fresh clone is made (govclone:cloneMethod).</summary>
public enum CloneMethod
{
    /// <summary>From the retained template when it is current, else <see cref="Streams"/>: the fastest way that is safe for a live source.</summary>
    Auto,

    /// <summary>One exported snapshot of the source; schema, then one binary COPY stream per big table beside a pg_dump of the rest, then indexes on parallel connections.</summary>
    Streams,

    /// <summary>The runbook's plain <c>pg_dump | psql</c>, in one transaction.</summary>
    Dump,

    /// <summary><c>CREATE DATABASE … TEMPLATE &lt;retained template&gt; STRATEGY FILE_COPY</c>; fails when there is no current template.</summary>
    Template,

    /// <summary><c>CREATE DATABASE … TEMPLATE &lt;source&gt;</c>: only when asked, and only when the source has no other session.</summary>
    SourceTemplate,
}

/// <summary>Whether a connection-free template copy of the fresh clone is kept for fast re-clones (govclone:retainTemplate).</summary>
public enum RetainTemplate
{
    /// <summary>Keep it when it costs under a tenth of the host's free space.</summary>
    Auto,

    /// <summary>Always keep it.</summary>
    Yes,

    /// <summary>Never keep it; drop one that exists.</summary>
    No,
}

/// <summary>
/// Whether a ready spare <c>&lt;clone&gt;_spare</c> (a FILE_COPY of the retained template made ahead of time) is kept, so
/// that a re-clone is a swap of names (govclone:keepSpare).
/// </summary>
public enum KeepSpare
{
    /// <summary>Keep one while the clone costs under a tenth of the host's free space left with the template (and the spare) counted.</summary>
    Auto,

    /// <summary>Keep one whenever there is a current retained template to copy.</summary>
    Yes,

    /// <summary>Never keep one; drop one that exists.</summary>
    No,
}

/// <summary>
/// Every setting of a stack, typed and validated. Built only by <see cref="SettingsParser"/>, which the
/// CLI (stack file + environment + flags) and the Pulumi program (Pulumi config) both call, so the two
/// read the same <c>govclone:*</c> keys with the same rules.
/// </summary>
public sealed record GovCloneSettings
{
    public required string SourceDatabase { get; init; }
    public required string CloneDatabase { get; init; }
    public required string MaintenanceDatabase { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    public required string SslMode { get; init; }

    /// <summary>From GOVCLONE_PASSWORD / PGPASSWORD or Pulumi secret config; never from a file in the repo or argv.</summary>
    public Secret? Password { get; init; }

    public string? PgpassFile { get; init; }

    /// <summary>
    /// An ssh private key for the ssh transport (GOVCLONE_SSH_PRIVATE_KEY, or Pulumi secret config
    /// govclone:sshPrivateKey), instead of the ssh client's own configuration. Each ssh run gets it in a 0600
    /// temporary file (<c>ssh -i FILE -o IdentitiesOnly=yes</c>), removed when the run ends; never in argv.
    /// </summary>
    public Secret? SshPrivateKey { get; init; }

    /// <summary>
    /// An ssh client configuration file of the caller's own for govclone's ssh runs (<c>ssh -F FILE</c>: its host alias,
    /// key and known-hosts file), from <see cref="SettingsLoader.SshConfigFileVariable"/>. A fact of the machine govclone
    /// runs on, like <c>~/.ssh/config</c>, not a stack setting: the CI setup writes one so a runner's own ssh files stay
    /// untouched. By-hand lines never carry it (a person's own ssh configuration serves them).
    /// </summary>
    public string? SshConfigFile { get; init; }

    public required TransportKind Transport { get; init; }
    public required string DockerContainer { get; init; }
    public string? SshHost { get; init; }
    public string? SshUser { get; init; }
    public int? SshPort { get; init; }
    public string? PgBinDir { get; init; }
    public required string AppDatabase { get; init; }
    public required IReadOnlyList<string> QueryAllowlist { get; init; }
    public required bool ProductionRolloutLanded { get; init; }
    public required bool ProductionSeedVerified { get; init; }
    public required IReadOnlyList<string> FollowUps { get; init; }
    public required int CloneGeneration { get; init; }
    public required int CompactGeneration { get; init; }
    public required SeedProfile SeedProfile { get; init; }
    public required int LockTimeoutSeconds { get; init; }

    /// <summary>govclone:sourceLockTimeoutSeconds: the longest a read of the source waits for a lock a production session holds.</summary>
    public int SourceLockTimeoutSeconds { get; init; } = 60;

    /// <summary>Free bytes on the database host when it cannot be measured (no df through the transport).</summary>
    public long? HostFreeBytes { get; init; }

    public CloneMethod CloneMethod { get; init; } = CloneMethod.Auto;

    public RetainTemplate RetainTemplate { get; init; } = RetainTemplate.Auto;

    /// <summary>govclone:keepSpare: a ready copy of the retained template, so a re-clone is a swap of names.</summary>
    public KeepSpare KeepSpare { get; init; } = KeepSpare.Auto;

    /// <summary>The retained template's name: always starts with directus_gov_test_ and differs from the clone.</summary>
    public required string TemplateDatabase { get; init; }

    /// <summary>TOAST compression of the clone's loaded data (lz4 is cheaper to write; pglz matches a default production's storage).</summary>
    public string ToastCompression { get; init; } = "lz4";

    /// <summary>Parallel connections of a streams clone (data streams, index builds, ANALYZE).</summary>
    public int CloneJobs { get; init; } = 2;

    /// <summary>maintenance_work_mem of a streams clone's last step, and the cap of its lanes' sort memory (a number and kB, MB or GB).</summary>
    public string MaintenanceWorkMem { get; init; } = "512MB";

    /// <summary><see cref="MaintenanceWorkMem"/> in kB (a method, not a property: a record prints its properties).</summary>
    public long MaintenanceWorkMemInKilobytes() => SettingsParser.MemoryKilobytes(MaintenanceWorkMem);

    /// <summary>Tables at least this big (heap + TOAST + indexes on the source) get their own binary COPY stream.</summary>
    public long StreamTableMinBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// govclone:branchOf: set on a branch stack (Pulumi, a stack per pull request) to the parent clone's name, which is
    /// then also <see cref="CloneDatabase"/>; the program creates the branch instead of the clone. Null on the clone's own stack.
    /// </summary>
    public string? BranchOf { get; init; }

    /// <summary>govclone:maxBranches: the most branches the clone may have at once.</summary>
    public int MaxBranches { get; init; } = 10;

    /// <summary>govclone:branchMinFreeBytes: the free bytes the host keeps after a branch's copy (0: no floor).</summary>
    public long BranchMinFreeBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// govclone:keepBranchSpare: keep a ready branch spare <c>&lt;clone&gt;_bspare</c> (a copy of the retained template made
    /// ahead of time by <c>govclone spare</c>, within the branch budget), so <c>branch create</c> renames it instead of copying.
    /// </summary>
    public bool KeepBranchSpare { get; init; } = true;

    /// <summary>govclone:masking: what of production the clone never holds in clear (docs/masking.md).</summary>
    public MaskingRules Masking { get; init; } = MaskingRules.Default();

    /// <summary>The clone, then its retained template, then its companions: each guarded, none twice (<see cref="Guards.CloneFamily.All"/>).</summary>
    public IReadOnlyList<string> CloneFamily() =>
        Guards.CloneFamily.All(CloneDatabase, TemplateDatabase, SourceDatabase, SettingKeys.CloneDatabase.ConfigKey, SettingKeys.TemplateDatabase.ConfigKey);
}
