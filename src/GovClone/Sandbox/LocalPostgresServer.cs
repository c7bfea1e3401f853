using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Processes;

namespace GovClone.Sandbox;

/// <summary>How to run a private PostgreSQL server.</summary>
public sealed record LocalServerOptions
{
    /// <summary>
    /// Folder of the state file (port, binaries, where the cluster is). The cluster and its log live here too
    /// when the server runs as the current user; as root they live in <see cref="LocalPostgresServer.ClusterDirectoryFor"/>.
    /// </summary>
    public required string StateDirectory { get; init; }

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

/// <summary>
/// A private PostgreSQL cluster on loopback: initdb + pg_ctl, on a free port, no unix socket. initdb and
/// postgres refuse to run as root, so when started as root the cluster is owned by and run as the
/// <c>postgres</c> system account (created by Debian's postgresql package). That account cannot enter a
/// folder only root may enter (a home directory is 0700, and so is every <c>mktemp -d</c> folder), so as
/// root everything the server reads and writes (data directory, log, initdb's password file) lives in a
/// folder of its own under the postgres account's home, keyed by the state folder
/// (<see cref="ClusterDirectoryFor"/>), never in the caller's folder, whose permissions are left alone.
/// The sandbox, the test fixture, the fault runner and the benchmark all use this one type.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private const string StateFileName = "server.json";

    /// <summary>In a cluster folder under the postgres account's home: the state folder it belongs to (for sweeping orphans).</summary>
    private const string OwnerFileName = "govclone-state-directory";

    private LocalPostgresServer(LocalServerOptions options, string binDirectory, int port, string? clusterDirectory = null)
    {
        Options = options;
        BinDirectory = binDirectory;
        Port = port;
        ClusterDirectory = clusterDirectory ?? ClusterDirectoryFor(options.StateDirectory);
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

    private static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>
    /// Where the cluster of <paramref name="stateDirectory"/> lives: the state folder itself when the server runs as
    /// the current user; as root, <c>~postgres/govclone-clusters/&lt;hash of the state folder's full path&gt;</c>, a folder
    /// the postgres account owns, outside any folder it may not enter.
    /// </summary>
    public static string ClusterDirectoryFor(string stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        var full = Path.GetFullPath(stateDirectory);
        if (!IsRoot)
        {
            return full;
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..20].ToLowerInvariant();
        return Path.Combine(ClustersRoot, key);
    }

    /// <summary>The folder under the postgres account's home (from /etc/passwd; Debian: /var/lib/postgresql) holding root-started clusters.</summary>
    private static string ClustersRoot
    {
        get
        {
            var home = "/var/lib/postgresql";
            try
            {
                var entry = File.ReadLines("/etc/passwd").FirstOrDefault(l => l.StartsWith("postgres:", StringComparison.Ordinal))?.Split(':');
                if (entry is { Length: > 5 } && entry[5].StartsWith('/'))
                {
                    home = entry[5];
                }
            }
            catch (IOException)
            {
            }

            return Path.Combine(home, "govclone-clusters");
        }
    }
    /// <summary>Starts the cluster in <see cref="LocalServerOptions.StateDirectory"/>, creating it on first use.</summary>
    public static async Task<LocalPostgresServer> StartAsync(LocalServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bin = options.BinDirectory ?? FindBinDirectory();
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
        var file = Path.Combine(stateDirectory, StateFileName);
        if (!File.Exists(file))
        {
            return null;
        }

        var state = JsonSerializer.Deserialize<ServerStateFile>(File.ReadAllText(file))!;
        return new LocalPostgresServer(new LocalServerOptions { StateDirectory = stateDirectory, SuperUser = state.SuperUser }, state.BinDirectory, state.Port,
            state.ClusterDirectory ?? Path.GetFullPath(stateDirectory)); // older state files: the cluster is in the state folder
    }

    /// <summary>The newest /usr/lib/postgresql/N/bin (Debian's layout), else a folder on PATH holding initdb.</summary>
    public static string FindBinDirectory()
    {
        var debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var best = Directory.GetDirectories(debian)
                .Select(d => (Dir: d, Ok: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v), Version: v))
                .Where(x => x.Ok && File.Exists(Path.Combine(x.Dir, "bin", "initdb")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null)
            {
                return Path.Combine(best.Dir, "bin");
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        throw new OperationFailedException("PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them: apt-get install -y postgresql (the README's first command does this).");
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
    public static async Task SweepOrphanedClustersAsync(CancellationToken ct = default)
    {
        if (!IsRoot || !Directory.Exists(ClustersRoot))
        {
            return;
        }

        foreach (var cluster in Directory.GetDirectories(ClustersRoot))
        {
            var ownerFile = Path.Combine(cluster, OwnerFileName);
            string owner;
            try
            {
                owner = File.ReadAllText(ownerFile).Trim();
            }
            catch (IOException)
            {
                continue; // being created right now, or not ours
            }

            if (owner.Length == 0 || Directory.Exists(owner))
            {
                continue;
            }

            var server = TryFromClusterDirectory(owner, cluster);
            try
            {
                if (server is not null)
                {
                    await server.StopAsync("immediate", ct);
                }

                Directory.Delete(cluster, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationFailedException)
            {
                // Best effort: another sweeper may be at it, or the server will not stop; the next sweep tries again.
            }
        }
    }

    /// <summary>A handle on a cluster whose state file is gone: enough to stop it (port unknown).</summary>
    private static LocalPostgresServer? TryFromClusterDirectory(string stateDirectory, string cluster)
    {
        if (!File.Exists(Path.Combine(cluster, "data", "PG_VERSION")))
        {
            return null;
        }

        string bin;
        try
        {
            bin = FindBinDirectory();
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

        if (!Directory.Exists(ClustersRoot))
        {
            Directory.CreateDirectory(ClustersRoot);
            await ChownToServerUserAsync(ClustersRoot, recursive: false, ct);
        }

        if (!Directory.Exists(ClusterDirectory))
        {
            Directory.CreateDirectory(ClusterDirectory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(ClusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            await File.WriteAllTextAsync(Path.Combine(ClusterDirectory, OwnerFileName), Path.GetFullPath(Options.StateDirectory) + "\n", ct);
            await ChownToServerUserAsync(ClusterDirectory, recursive: true, ct);
        }

        var probe = await RunAsServerUserAsync("test", ["-w", ClusterDirectory], ct, onPath: true);
        if (!probe.Succeeded)
        {
            throw new OperationFailedException($"running as root, the server runs as the postgres system account, which cannot write {ClusterDirectory}. Let that account reach its home folder {Path.GetDirectoryName(ClustersRoot)} (Debian's postgresql package creates it so), or run govclone as a user other than root.");
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
            // tests run two at a time) overflow the default shared lock table (64 per connection): "out of shared memory".
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
        var state = new ServerStateFile(port, BinDirectory, Options.SuperUser, ClusterDirectory);
        await File.WriteAllTextAsync(Path.Combine(Options.StateDirectory, StateFileName), JsonSerializer.Serialize(state), ct);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task GiveToServerUserAsync(CancellationToken ct) => ChownToServerUserAsync(ClusterDirectory, recursive: true, ct);

    private static async Task ChownToServerUserAsync(string path, bool recursive, CancellationToken ct)
    {
        if (!IsRoot)
        {
            return;
        }

        var r = await ProcessRunner.RunAsync(new ProcessSpec("chown", recursive ? ["-R", "postgres:postgres", path] : ["postgres:postgres", path]), ct);
        if (!r.Succeeded)
        {
            throw new OperationFailedException($"running as root, the server must run as the postgres system account, but chown failed: {r.StandardError.Trim()}. Install Debian's postgresql package (it creates that account).");
        }
    }

    private Task<ProcessResult> RunAsServerUserAsync(string tool, IReadOnlyList<string> args, CancellationToken ct, bool onPath = false)
    {
        var exe = onPath ? tool : Path.Combine(BinDirectory, tool);
        var spec = IsRoot
            ? new ProcessSpec("runuser", ["-u", "postgres", "--", exe, .. args])
            : new ProcessSpec(exe, args);
        return ProcessRunner.RunAsync(spec with { WorkingDirectory = "/" }, ct);
    }

    private static uint GetEuid()
    {
        try
        {
            var status = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var parts = status?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: > 2 } && uint.TryParse(parts[2], CultureInfo.InvariantCulture, out var euid) ? euid : uint.MaxValue;
        }
        catch (IOException)
        {
            return uint.MaxValue;
        }
    }

    /// <summary>The state file; <paramref name="ClusterDirectory"/> is null in files written before clusters could live elsewhere.</summary>
    private sealed record ServerStateFile(int Port, string BinDirectory, string SuperUser, string? ClusterDirectory = null);
}
