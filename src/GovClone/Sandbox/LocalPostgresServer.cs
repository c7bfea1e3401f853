using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GovClone.Configuration;
using GovClone.Processes;

namespace GovClone.Sandbox;

/// <summary>
/// A private PostgreSQL cluster on loopback: initdb + pg_ctl, on a free port, no unix socket. initdb and
/// postgres refuse to run as root, so when started as root the cluster is owned by and run as the
/// <c>postgres</c> system account (created by Debian's postgresql package). That account cannot enter a
/// folder only root may enter (a home directory is 0700, and so is every <c>mktemp -d</c> folder), so as
/// root everything the server reads and writes (data directory, log, initdb's password file) lives in a
/// folder of its own under the postgres account's home, keyed by the state folder
/// (<see cref="ClusterDirectoryFor"/>), never in the caller's folder, whose permissions are left alone.
/// The sandbox, the test fixture, the fault runner and the benchmark all use this one type. The account it runs as
/// is <see cref="ServerAccount"/>'s, its binaries <see cref="PostgresBinaries"/>', its state file <see cref="ServerStateFile"/>,
/// and clusters left behind are swept by <see cref="OrphanedClusters"/>.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private LocalPostgresServer(LocalServerOptions options, string binDirectory, int port, string? clusterDirectory = null)
    {
        Options = options;
        BinDirectory = binDirectory;
        Port = port;
        ClusterDirectory = clusterDirectory ?? ServerAccount.ClusterDirectoryFor(options.StateDirectory, options.ClustersRoot);
    }

    public LocalServerOptions Options { get; }

    public string BinDirectory { get; }

    public int Port { get; private set; }

    public string Host { get; } = "127.0.0.1";

    /// <summary>The folder of the data directory and the log: the state folder, or as root one the postgres account owns.</summary>
    public string ClusterDirectory { get; }

    public string DataDirectory => Path.Combine(ClusterDirectory, "data");

    public string LogFile => Path.Combine(ClusterDirectory, "postgres.log");

    public string SuperUser => Options.SuperUser;

    /// <summary>
    /// Where the cluster of <paramref name="stateDirectory"/> lives: the state folder itself when the server runs as
    /// the current user; as root, <c>~postgres/govclone-clusters/&lt;hash of the state folder's full path&gt;</c>, a folder
    /// the postgres account owns, outside any folder it may not enter (<see cref="ServerAccount"/>).
    /// </summary>
    public static string ClusterDirectoryFor(string stateDirectory) => ServerAccount.ClusterDirectoryFor(stateDirectory);

    /// <summary>Starts the cluster in <see cref="LocalServerOptions.StateDirectory"/>, creating it on first use.</summary>
    public static async Task<LocalPostgresServer> StartAsync(LocalServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bin = options.BinDirectory ?? PostgresBinaries.Find();
        Directory.CreateDirectory(options.StateDirectory);
        // A cluster made earlier stays where it is (a state file from before clusters could live elsewhere names none).
        var previous = Attach(options.StateDirectory);
        var cluster = previous is not null && File.Exists(Path.Combine(previous.DataDirectory, "PG_VERSION")) ? previous.ClusterDirectory : null;
        var server = new LocalPostgresServer(options, bin, 0, cluster);
        await server.PrepareClusterDirectoryAsync(ct);
        if (!File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")))
        {
            await server.InitAsync(ct);
        }

        await server.StartOnFreePortAsync(ct);
        return server;
    }

    /// <summary>Reattaches to a cluster started earlier (by <c>sandbox up</c>), or null when there is none.</summary>
    public static LocalPostgresServer? Attach(string stateDirectory)
    {
        var state = ServerStateFile.Read(stateDirectory);
        if (state is null)
        {
            return null;
        }

        return new LocalPostgresServer(new LocalServerOptions { StateDirectory = stateDirectory, SuperUser = state.SuperUser }, state.BinDirectory, state.Port,
            state.ClusterDirectory ?? Path.GetFullPath(stateDirectory)); // older state files: the cluster is in the state folder
    }

    public bool IsRunning()
    {
        var pid = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pid))
        {
            return false;
        }

        var first = File.ReadLines(pid).FirstOrDefault();
        return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && Directory.Exists($"/proc/{p}");
    }

    /// <summary>Stops the server; <paramref name="mode"/> <c>immediate</c> simulates a crash (recovery on next start).</summary>
    public async Task StopAsync(string mode = "fast", CancellationToken ct = default)
    {
        if (!IsRunning())
        {
            return;
        }

        var r = await RunAsServerUserAsync("pg_ctl", ["-D", DataDirectory, "-m", mode, "-w", "-t", "60", "stop"], ct);
        if (!r.Succeeded && IsRunning())
        {
            throw new OperationFailedException($"pg_ctl stop failed: {r.StandardError.Trim()}");
        }
    }

    /// <summary>Starts a stopped server again on its port.</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync("fast", ct);
        await StartOnPortAsync(Port, ct);
    }

    /// <summary>Stops the server and deletes the whole state folder and the cluster's folder.</summary>
    public async Task DestroyAsync(CancellationToken ct = default)
    {
        await StopAsync("immediate", ct);
        DeleteFolders(Options.StateDirectory, ClusterDirectory);
    }

    /// <summary>
    /// Stops the server of <paramref name="stateDirectory"/> (started earlier, perhaps by another process) and deletes its
    /// state folder and its cluster's folder, wherever that is; also when the state file was never written. True when
    /// there was anything to remove.
    /// </summary>
    public static async Task<bool> DestroyAsync(string stateDirectory, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        var server = Attach(stateDirectory) ?? TryFromClusterDirectory(stateDirectory, ClusterDirectoryFor(stateDirectory));
        var cluster = server?.ClusterDirectory ?? ClusterDirectoryFor(stateDirectory);
        var existed = Directory.Exists(stateDirectory) || Directory.Exists(cluster);
        if (server is not null)
        {
            await server.StopAsync("fast", ct);
        }

        DeleteFolders(stateDirectory, cluster);
        return existed;
    }

    /// <summary>
    /// As root: stops and removes the clusters under the postgres account's home whose state folder is gone (a test
    /// run or a checkout deleted without <c>sandbox down</c>). Clusters of state folders that exist are left alone.
    /// </summary>
    public static Task SweepOrphanedClustersAsync(CancellationToken ct = default) => OrphanedClusters.SweepAsync(null, ct);

    /// <summary>The same, for the clusters made under <paramref name="clustersRoot"/> (<see cref="LocalServerOptions.ClustersRoot"/>), as any user.</summary>
    public static Task SweepOrphanedClustersAsync(string clustersRoot, CancellationToken ct = default) => OrphanedClusters.SweepAsync(clustersRoot, ct);

    /// <summary>A handle on a cluster whose state file is gone: enough to stop it (port unknown).</summary>
    internal static LocalPostgresServer? TryFromClusterDirectory(string stateDirectory, string cluster)
    {
        if (!File.Exists(Path.Combine(cluster, "data", "PG_VERSION")))
        {
            return null;
        }

        string bin;
        try
        {
            bin = PostgresBinaries.Find();
        }
        catch (OperationFailedException)
        {
            return null;
        }

        return new LocalPostgresServer(new LocalServerOptions { StateDirectory = stateDirectory }, bin, 0, cluster);
    }

    private static void DeleteFolders(params string[] folders)
    {
        foreach (var folder in folders.Distinct(StringComparer.Ordinal))
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync("fast");

    /// <summary>
    /// The govclone settings, by setting name, that reach this server as its superuser with the local
    /// transport (no password: that comes from the environment or a pgpass file). The sandbox's stack file,
    /// the tests and the fault runner all start from these.
    /// </summary>
    public Dictionary<string, string?> ClientSettings() => new(StringComparer.Ordinal)
    {
        [SettingKeys.Host.Name] = Host,
        [SettingKeys.Port.Name] = Port.ToString(CultureInfo.InvariantCulture),
        [SettingKeys.User.Name] = SuperUser,
        [SettingKeys.SslMode.Name] = "disable",
        [SettingKeys.Transport.Name] = "local",
        [SettingKeys.PgBinDir.Name] = BinDirectory,
    };

    /// <summary>An Npgsql connection string as the superuser.</summary>
    public string ConnectionString(string database = "postgres")
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = SuperUser,
            Database = database,
            Pooling = false,
            Timeout = 10,
            CommandTimeout = 0,
            SslMode = Npgsql.SslMode.Disable,
        };
        if (Options.Password is not null)
        {
            b.Password = Options.Password;
        }

        return b.ConnectionString;
    }

    /// <summary>
    /// Creates the cluster's folder. As root it is a folder of the postgres account's own (0700) under its home,
    /// with a note of the state folder it belongs to; then proves that account can write there, so a server that
    /// could not start fails here, saying why, and not in initdb.
    /// </summary>
    private async Task PrepareClusterDirectoryAsync(CancellationToken ct)
    {
        var separate = !string.Equals(ClusterDirectory, Path.GetFullPath(Options.StateDirectory), StringComparison.Ordinal);
        if (!separate)
        {
            Directory.CreateDirectory(ClusterDirectory);
            return;
        }

        var root = Options.ClustersRoot ?? ServerAccount.ClustersRoot;
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root);
            await ServerAccount.ChownToServerUserAsync(root, recursive: false, ct);
        }

        if (!Directory.Exists(ClusterDirectory))
        {
            Directory.CreateDirectory(ClusterDirectory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(ClusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            await File.WriteAllTextAsync(Path.Combine(ClusterDirectory, OrphanedClusters.OwnerFileName), Path.GetFullPath(Options.StateDirectory) + "\n", ct);
            await ServerAccount.ChownToServerUserAsync(ClusterDirectory, recursive: true, ct);
        }

        var probe = await RunAsServerUserAsync("test", ["-w", ClusterDirectory], ct, onPath: true);
        if (!probe.Succeeded)
        {
            throw new OperationFailedException($"running as root, the server runs as the postgres system account, which cannot write {ClusterDirectory}. Let that account reach {(Options.ClustersRoot is null ? $"its home folder {Path.GetDirectoryName(ServerAccount.ClustersRoot)} (Debian's postgresql package creates it so)" : Path.GetFullPath(Options.ClustersRoot))}, or run govclone as a user other than root.");
        }
    }

    private async Task InitAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(DataDirectory);
        var pwfile = Path.Combine(ClusterDirectory, ".initdb-pw");
        var args = new List<string> { "-D", DataDirectory, "-U", Options.SuperUser, "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions", "--auth-local=trust" };
        if (Options.Password is not null)
        {
            await File.WriteAllTextAsync(pwfile, Options.Password + "\n", ct);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(pwfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            args.AddRange(["--auth-host=scram-sha-256", "--pwfile", pwfile]);
        }
        else
        {
            args.Add("--auth-host=trust");
        }

        await GiveToServerUserAsync(ct);
        try
        {
            var r = await RunAsServerUserAsync("initdb", args, ct);
            if (!r.Succeeded)
            {
                throw new OperationFailedException($"initdb failed (exit {r.ExitCode}): {r.StandardError.Trim()}");
            }
        }
        finally
        {
            File.Delete(pwfile);
        }

        var conf = new List<string>
        {
            "# govclone private server",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 60",
            "shared_buffers = 128MB",
            "maintenance_work_mem = 256MB",
            // A clone's schema transaction locks every object it drops and creates; several clones at once (the
            // tests run four at a time) overflow the default shared lock table (64 per connection): "out of shared memory".
            "max_locks_per_transaction = 256",
            "log_min_messages = warning",
        };
        if (Options.Fast)
        {
            conf.AddRange(["fsync = off", "synchronous_commit = off", "full_page_writes = off", "wal_level = minimal", "max_wal_senders = 0"]);
        }

        await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "postgresql.conf"), conf, ct);
        await GiveToServerUserAsync(ct);
    }

    private async Task StartOnFreePortAsync(CancellationToken ct)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                await StartOnPortAsync(Port != 0 && attempt == 0 ? Port : FreePort(), ct);
                return;
            }
            catch (OperationFailedException ex) when (ex.Message.Contains("could not", StringComparison.OrdinalIgnoreCase))
            {
                last = ex; // port taken between probe and bind: try another
            }
        }

        throw last!;
    }

    private async Task StartOnPortAsync(int port, CancellationToken ct)
    {
        if (IsRunning())
        {
            var existing = Attach(Options.StateDirectory);
            Port = existing?.Port ?? port;
            return;
        }

        var r = await RunAsServerUserAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-o", $"-p {port.ToString(CultureInfo.InvariantCulture)}", "-w", "-t", "120", "start"], ct);
        if (!r.Succeeded)
        {
            var log = File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(5)) : string.Empty;
            throw new OperationFailedException($"could not start PostgreSQL on port {port}: {r.StandardError.Trim()} {log}");
        }

        Port = port;
        await new ServerStateFile(port, BinDirectory, Options.SuperUser, ClusterDirectory).WriteAsync(Options.StateDirectory, ct);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task GiveToServerUserAsync(CancellationToken ct) => ServerAccount.ChownToServerUserAsync(ClusterDirectory, recursive: true, ct);

    private Task<ProcessResult> RunAsServerUserAsync(string tool, IReadOnlyList<string> args, CancellationToken ct, bool onPath = false) =>
        ServerAccount.RunAsServerUserAsync(BinDirectory, tool, args, ct, onPath);
}
