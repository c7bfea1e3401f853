namespace GovClone.Sandbox;

/// <summary>How to run a private PostgreSQL server.</summary>
public sealed record LocalServerOptions
{
    /// <summary>
    /// Folder of the state file (port, binaries, where the cluster is). The cluster and its log live here too
    /// when the server runs as the current user; as root they live in <see cref="LocalPostgresServer.ClusterDirectoryFor"/>.
    /// </summary>
    public required string StateDirectory { get; init; }

    /// <summary>
    /// Folder the cluster's own folder is made in (named from the state folder, with a note of it, and swept with
    /// <see cref="LocalPostgresServer.SweepOrphanedClustersAsync"/> once that state folder is gone). Null: the state
    /// folder itself, or as root the postgres account's home. The tests put theirs on a tmpfs: creating and dropping
    /// thousands of databases spends most of an ext4 server's CPU in the kernel's inode allocation.
    /// </summary>
    public string? ClustersRoot { get; init; }

    public string SuperUser { get; init; } = "workflow_admin";

    /// <summary>Password of the superuser; null for trust authentication on loopback.</summary>
    public string? Password { get; init; }

    /// <summary>Folder of initdb/pg_ctl/postgres; detected when null.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>
    /// Trade durability for speed (fsync off, minimal WAL). Right for a sandbox and for tests, whose
    /// data is generated and thrown away; crash recovery after an immediate stop still works.
    /// </summary>
    public bool Fast { get; init; } = true;
}
