using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Processes;

namespace GovClone.Sandbox;

/// <summary>How to run a private PostgreSQL server.</summary>
public sealed record LocalServerOptions
{
    /// <summary>Folder for the cluster, its log and its state file.</summary>
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
/// A private PostgreSQL cluster on loopback: initdb + pg_ctl in a state folder, on a free port, no unix
/// socket. initdb and postgres refuse to run as root, so when started as root the cluster is owned by
/// and run as the <c>postgres</c> system account (created by Debian's postgresql package).
/// The sandbox and the test fixture both use this one type.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private const string StateFileName = "server.json";

    private LocalPostgresServer(LocalServerOptions options, string binDirectory, int port)
    {
        Options = options;
        BinDirectory = binDirectory;
        Port = port;
    }

    public LocalServerOptions Options { get; }

    public string BinDirectory { get; }

    public int Port { get; private set; }

    public string Host { get; } = "127.0.0.1";

    public string DataDirectory => Path.Combine(Options.StateDirectory, "data");

    public string LogFile => Path.Combine(Options.StateDirectory, "postgres.log");

    public string SuperUser => Options.SuperUser;

    private static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>Starts the cluster in <see cref="LocalServerOptions.StateDirectory"/>, creating it on first use.</summary>
    public static async Task<LocalPostgresServer> StartAsync(LocalServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bin = options.BinDirectory ?? FindBinDirectory();
        Directory.CreateDirectory(options.StateDirectory);
        var server = new LocalPostgresServer(options, bin, 0);
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
        return new LocalPostgresServer(new LocalServerOptions { StateDirectory = stateDirectory, SuperUser = state.SuperUser }, state.BinDirectory, state.Port);
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

    /// <summary>Stops the server and deletes the whole state folder.</summary>
    public async Task DestroyAsync(CancellationToken ct = default)
    {
        await StopAsync("immediate", ct);
        if (Directory.Exists(Options.StateDirectory))
        {
            Directory.Delete(Options.StateDirectory, recursive: true);
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

    private async Task InitAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(DataDirectory);
        var pwfile = Path.Combine(Options.StateDirectory, ".initdb-pw");
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
        var state = new ServerStateFile(port, BinDirectory, Options.SuperUser);
        await File.WriteAllTextAsync(Path.Combine(Options.StateDirectory, StateFileName), JsonSerializer.Serialize(state), ct);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task GiveToServerUserAsync(CancellationToken ct)
    {
        if (!IsRoot)
        {
            return;
        }

        var r = await ProcessRunner.RunAsync(new ProcessSpec("chown", ["-R", "postgres:postgres", Options.StateDirectory]), ct);
        if (!r.Succeeded)
        {
            throw new OperationFailedException($"running as root, the server must run as the postgres system account, but chown failed: {r.StandardError.Trim()}. Install Debian's postgresql package (it creates that account).");
        }
    }

    private Task<ProcessResult> RunAsServerUserAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        var exe = Path.Combine(BinDirectory, tool);
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

    private sealed record ServerStateFile(int Port, string BinDirectory, string SuperUser);
}
