using GovClone.Configuration;
using GovClone.Sandbox;
using Npgsql;

namespace GovClone.Tests.Support;

/// <summary>
/// One real PostgreSQL for the whole test run, started by the tests themselves (initdb + pg_ctl; its state in a
/// temp folder, its cluster where the account that runs it can reach it; loopback, free port, password auth), with the generated production stand-in
/// <c>directus</c>. Never a mock. Tests share the source (it is only ever read) and each uses its own
/// clone name, so they run in parallel. The transport stand-ins (docker, ssh) go first on PATH.
/// </summary>
public sealed class TestServer
{
    public const string Source = "directus";

    private static readonly Lazy<Task<TestServer>> Shared = new(StartAsync);
    private static int _cloneCounter;

    private TestServer(LocalPostgresServer server, string password, string standInLog, string toolShims)
    {
        Server = server;
        Password = password;
        StandInLog = standInLog;
        ToolShims = toolShims;
    }

    public LocalPostgresServer Server { get; }

    /// <summary>The superuser's password: tests assert it never shows in argv, output or exceptions.</summary>
    public string Password { get; }

    /// <summary>The argv log every stand-in and every <see cref="ToolShims"/> tool appends to (read by <see cref="ArgvWatch"/>).</summary>
    public string StandInLog { get; }

    /// <summary>
    /// The server's PostgreSQL bin folder as shims that log their argv to <see cref="StandInLog"/> and exec the real tool:
    /// first on the tests' PATH (after the transport stand-ins) and the stand-ins' "container" bin folder, and what a test
    /// passes as govclone:pgBinDir, so every psql/pg_dump command line of a run is in the log.
    /// </summary>
    public string ToolShims { get; }

    /// <summary>A watch over the argv log from now on: every command line the stand-ins and the tool shims log.</summary>
    public ArgvWatch WatchArgv(params string[] secrets) => new(StandInLog, secrets);

    public static Task<TestServer> GetAsync() => Shared.Value;

    /// <summary>A fresh clone name for one test: directus_gov_test_t&lt;n&gt;_&lt;pid&gt;.</summary>
    public static string NewCloneName() =>
        $"{SettingKeys.ClonePrefix}t{Interlocked.Increment(ref _cloneCounter)}_{Environment.ProcessId}";

    /// <summary>Raw settings for this server (local transport) through the real parser; override any key.</summary>
    public GovCloneSettings Settings(string clone, IReadOnlyDictionary<string, string?>? overrides = null, bool withPassword = true)
    {
        var raw = Server.ClientSettings();
        raw["sourceDatabase"] = Source;
        raw["cloneDatabase"] = clone;
        raw["lockTimeoutSeconds"] = "600"; // a wait for another run of the same test, however busy the machine; never the subject of a test
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            raw[k] = v;
        }

        return SettingsParser.Parse(raw, withPassword ? new Secret(Password) : null);
    }

    public async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var conn = new NpgsqlConnection(Server.ConnectionString(database));
        await conn.OpenAsync();
        return conn;
    }

    public async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var conn = await OpenAsync(database);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var conn = await OpenAsync(database);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<bool> DatabaseExistsAsync(string database) =>
        await ScalarAsync("postgres", $"SELECT 1 FROM pg_database WHERE datname = '{database}'") is not null;

    /// <summary>Removes the folders of earlier test runs whose process is gone (the test host may exit before its cleanup finishes).</summary>
    private static async Task SweepStaleServersAsync()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "govclone-tests-*"))
        {
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length > 2 && int.TryParse(parts[2], out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }

        // Stop and remove the clusters whose state folder is gone: on the tmpfs, and (as root) under the postgres account's home.
        if (TestClusters.Root is { } root)
        {
            await LocalPostgresServer.SweepOrphanedClustersAsync(root);
        }

        await LocalPostgresServer.SweepOrphanedClustersAsync();
    }

    private static async Task<TestServer> StartAsync()
    {
        await SweepStaleServersAsync();
        var dir = Path.Combine(Path.GetTempPath(), $"govclone-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { StateDirectory = dir, Password = password, ClustersRoot = TestClusters.Root });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DestroyAsync().GetAwaiter().GetResult();
        await SourceGenerator.EnsureAsync(server, Source);

        var standIns = Path.Combine(AppContext.BaseDirectory, "stand-ins");
        foreach (var file in Directory.GetFiles(standIns))
        {
            // MSBuild's copy does not keep the execute bit everywhere.
            File.SetUnixFileMode(file, File.GetUnixFileMode(file) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        var log = Path.Combine(dir, "stand-in-argv.log");
        var shims = ArgvWatch.WriteToolShims(server.BinDirectory, Path.Combine(dir, "tool-shims"), log);
        Environment.SetEnvironmentVariable("PATH", standIns + ":" + shims + ":" + Environment.GetEnvironmentVariable("PATH"));
        Environment.SetEnvironmentVariable("GOVCLONE_STANDIN_PGHOST", server.Host);
        Environment.SetEnvironmentVariable("GOVCLONE_STANDIN_PGPORT", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable("GOVCLONE_STANDIN_PGBIN", shims);
        Environment.SetEnvironmentVariable("GOVCLONE_STANDIN_LOG", log);
        return new TestServer(server, password, log, shims);
    }
}
