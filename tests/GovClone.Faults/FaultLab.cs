using System.Diagnostics;
using System.Globalization;
using System.Text;
using GovClone.Cli;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Sandbox;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Faults;

/// <summary>What one govclone process did.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + "\n" + Stderr;
}

/// <summary>
/// The laboratory: a private PostgreSQL with a generated production stand-in, a stack file for it, and
/// the built govclone, run as a separate process (so it can be killed) with the password only in its
/// environment.
/// </summary>
public sealed class FaultLab : IAsyncDisposable
{
    public const string Source = "directus";
    public const string Clone = "directus_gov_test_faults";

    private FaultLab(LocalPostgresServer server, string password, string workDirectory, string cliDll)
    {
        Server = server;
        Password = password;
        WorkDirectory = workDirectory;
        CliDll = cliDll;
        StackFile = Path.Combine(workDirectory, "Pulumi.faults.yaml");
        WriteStackFile(StackFile, new Dictionary<string, string>());
    }

    public LocalPostgresServer Server { get; }

    public string Password { get; }

    public string WorkDirectory { get; }

    public string CliDll { get; }

    public string StackFile { get; }

    public GovCloneSettings Settings => SettingsParser.Parse(RawSettings(), new Secret(Password));

    public static async Task<FaultLab> StartAsync(long padBytes, Action<string> log)
    {
        // The wrapper's build, as users run it (each kill point starts the CLI several times), unless GOVCLONE_TEST_CLI=debug.
        var cli = WrapperCli.Path ?? LabKit.FindCli("tests/GovClone.Faults");
        var work = LabKit.CreateWorkDirectory("faults");
        var password = LabKit.NewPassword("fault");
        log($"starting a private PostgreSQL in {work}");
        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { StateDirectory = Path.Combine(work, "server"), Password = password, ClustersRoot = TestClusters.Root });
        await SourceGenerator.EnsureAsync(server, Source);
        if (padBytes > 0)
        {
            log($"padding the source to ~{padBytes / (1024 * 1024)} MB of Directus-like activity/revisions");
            await SourceGenerator.PadAsync(server, Source, padBytes);
        }

        return new FaultLab(server, password, work, cli);
    }

    public Dictionary<string, string?> RawSettings()
    {
        var raw = Server.ClientSettings();
        raw["sourceDatabase"] = Source;
        raw["cloneDatabase"] = Clone;
        raw["lockTimeoutSeconds"] = "120";
        return raw;
    }

    /// <summary>Writes a stack file with the lab's settings plus <paramref name="extra"/> (by setting name, even unknown or forbidden ones).</summary>
    public void WriteStackFile(string path, IReadOnlyDictionary<string, string> extra)
    {
        var config = RawSettings().ToDictionary(kv => SettingKeys.Namespace + ":" + kv.Key, kv => kv.Value!, StringComparer.Ordinal);
        foreach (var (key, value) in extra)
        {
            config[SettingKeys.Namespace + ":" + key] = value;
        }

        GovClone.Configuration.StackFile.Write(path, config, "Written by the fault runner for its private server.");
    }

    /// <summary>Starts govclone with the lab's stack file; the password only in its environment.</summary>
    public Process StartCli(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, string? stackFile = null) =>
        Process.Start(LabKit.CliStartInfo(CliDll, WorkDirectory, stackFile ?? StackFile, Password, args, env))!;

    public async Task<CliRun> RunCliAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, string? stackFile = null, Action<string>? onLine = null)
    {
        using var p = StartCli(args, env, stackFile);
        return await CollectAsync(p, onLine);
    }

    public static async Task<CliRun> CollectAsync(Process p, Action<string>? onLine = null)
    {
        var stdout = new StringBuilder();
        var readOut = Task.Run(async () =>
        {
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                stdout.AppendLine(line);
                onLine?.Invoke(line);
            }
        });
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        await readOut;
        return new CliRun(p.ExitCode, stdout.ToString(), await stderr);
    }

    public async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var conn = new NpgsqlConnection(Server.ConnectionString(database)); // superuser, with the lab's password
        await conn.OpenAsync();
        return conn;
    }

    public async Task<T?> ScalarAsync<T>(string database, string sql)
    {
        await using var conn = await OpenAsync(database);
        await using var cmd = new NpgsqlCommand(sql, conn);
        var v = await cmd.ExecuteScalarAsync();
        return v is null or DBNull ? default : (T)v;
    }

    public async Task<SourceFingerprint> SourceFingerprintAsync() => await new CloneLifecycle(Settings).FingerprintSourceAsync();

    public async Task<CloneState> CloneStateAsync(string clone = Clone)
    {
        var settings = SettingsParser.Parse(new Dictionary<string, string?>(RawSettings()) { ["cloneDatabase"] = clone }, new Secret(Password));
        var lifecycle = new CloneLifecycle(settings);
        await using var conn = await lifecycle.Connections.OpenMaintenanceAsync(CancellationToken.None);
        return await lifecycle.ReadStateAsync(conn, CancellationToken.None);
    }

    public async Task<TemplateState> TemplateStateAsync()
    {
        var lifecycle = new CloneLifecycle(Settings);
        await using var conn = await lifecycle.Connections.OpenMaintenanceAsync(CancellationToken.None);
        return await lifecycle.ReadTemplateAsync(conn, CancellationToken.None);
    }

    public async Task<SpareState> SpareStateAsync()
    {
        var lifecycle = new CloneLifecycle(Settings);
        await using var conn = await lifecycle.Connections.OpenMaintenanceAsync(CancellationToken.None);
        return await lifecycle.ReadSpareAsync(conn, CancellationToken.None);
    }

    /// <summary>The tables <c>seed</c>/<c>reset</c> write: a seeded clone legitimately differs from the source there.</summary>
    public static readonly string[] SeededTables =
    [
        "governance_object_ownership", "governance_ruleset", "candidate_scan_run",
        "governance_candidate_state", "governance_candidate_object", "gov_worker_cursor",
    ];

    /// <summary>
    /// Exact row count of every table: equal on source and clone means the data was copied whole. With
    /// <paramref name="exceptSeeded"/>, the governance tables the seed writes are left out (they are what
    /// the regression suite checks).
    /// </summary>
    public async Task<string> TableCountsAsync(string database, bool exceptSeeded = false)
    {
        const string sql = """
            SELECT coalesce(string_agg(format('%s.%s=%s', table_schema, table_name,
                     (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text),
                     ',' ORDER BY table_schema, table_name), '')
            FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
            """;
        var filtered = exceptSeeded
            ? sql + " AND table_name NOT IN (" + string.Join(", ", SeededTables.Select(t => "'" + t + "'")) + ")"
            : sql;
        return await ScalarAsync<string>(database, filtered) ?? string.Empty;
    }

    /// <summary>
    /// Waits until no clone-script session is left on the clone (an orphan finishing or failing), and no `govclone spare`
    /// a clone lever started in the background is still running (it changes the server: the spare, <c>&lt;clone&gt;_old</c>).
    /// </summary>
    public async Task SettleAsync(TimeSpan max)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < max && DetachedSpare.IsRunning())
        {
            await Task.Delay(100);
        }

        var quietSince = Stopwatch.StartNew();
        while (sw.Elapsed < max)
        {
            var busy = await ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{Clone}' OR application_name LIKE 'govclone%'");
            if (busy > 0)
            {
                quietSince.Restart();
            }
            else if (quietSince.Elapsed > TimeSpan.FromSeconds(1))
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DestroyAsync();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
