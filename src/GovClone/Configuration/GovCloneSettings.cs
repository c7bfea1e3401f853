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

    /// <summary>Free bytes on the database host when it cannot be measured (no df through the transport).</summary>
    public long? HostFreeBytes { get; init; }
}
