using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GovClone.Cli;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Sandbox;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Bench;

/// <summary>What one timed govclone process did: wall time including process start, output, peak RSS, CPU-seconds.</summary>
public sealed record TimedRun(string Command, int ExitCode, double Seconds, string Output, long PeakRssBytes, Cpu Cpu)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>A timed bash script: wall seconds, CPU-seconds, its stdout then stderr.</summary>
public sealed record BashRun(double Seconds, Cpu Cpu, string Output);

/// <summary>
/// The bench's private server: a production-like PostgreSQL (fsync, full_page_writes and synchronous_commit
/// on, wal_level replica: the defaults, none of the sandbox's speed-ups), the generated source padded to
/// the asked size, a stack file for it, and govclone run as a separate process, as a user runs it.
/// </summary>
public sealed partial class BenchLab : IAsyncDisposable
{
    public const string Source = "directus";
    public const string Clone = "directus_gov_test_bench";
    public const string Plain = "directus_gov_test_bench_plain";

    private BenchLab(LocalPostgresServer server, string password, string work, string cliDll)
    {
        Server = server;
        Password = password;
        WorkDirectory = work;
        CliDll = cliDll;
        StackFile = Path.Combine(work, "Pulumi.bench.yaml");
        var raw = server.ClientSettings();
        raw["sourceDatabase"] = Source;
        raw["cloneDatabase"] = Clone;
        // Explicit: every way but the masked rows (which pass -c masking=PROFILE) makes today's exact copy, so
        // "clone = source" compares like with like and "first clone: streams" stays the unmasked clone.
        raw[SettingKeys.Masking.Name] = "none";
        GovClone.Configuration.StackFile.Write(StackFile,
            raw.ToDictionary(kv => SettingKeys.Namespace + ":" + kv.Key, kv => kv.Value!, StringComparer.Ordinal),
            "Written by bench/clone for its private server.");
        Settings = SettingsParser.Parse(raw, new Secret(password));
        Clock = new CpuClock(server.DataDirectory);
    }

    public LocalPostgresServer Server { get; }

    public string Password { get; }

    public string WorkDirectory { get; }

    public string CliDll { get; }

    public string StackFile { get; }

    public GovCloneSettings Settings { get; }

    /// <summary>CPU-seconds of this server and the bench's children, and of the whole machine.</summary>
    public CpuClock Clock { get; }

    /// <summary>Starts the private server and generates the Directus-like source at its smallest; <see cref="GrowSourceAsync"/> pads it.</summary>
    public static async Task<BenchLab> StartAsync(Action<string> log)
    {
        // The CLI users run: bench/clone builds it with ./govclone (ReadyToRun where the SDK can) and names it here; the
        // Release build beside the bench (JIT-compiled at every start) only when run some other way.
        var cli = Environment.GetEnvironmentVariable("GOVCLONE_BENCH_CLI") is { Length: > 0 } wrapperCli ? wrapperCli : LabKit.FindCli("bench/GovClone.Bench");
        log($"govclone under test: {cli}");
        var work = LabKit.CreateWorkDirectory("bench");
        var password = LabKit.NewPassword("bench");
        log($"starting a private PostgreSQL in {work} (fsync on, defaults otherwise)");
        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { StateDirectory = Path.Combine(work, "server"), Password = password, Fast = false });
        var lab = new BenchLab(server, password, work, cli);
        log("generating the Directus-like source");
        await SourceGenerator.EnsureAsync(server, Source);
        return lab;
    }

    /// <summary>
    /// Pads the source with more audit rows until it is at least <paramref name="sourceBytes"/> (a sweep grows
    /// one source from its smallest size to its largest), then VACUUM ANALYZE and a CHECKPOINT.
    /// </summary>
    public async Task GrowSourceAsync(long sourceBytes, Action<string> log)
    {
        var stopwatch = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        await SourceGenerator.PadAsync(Server, Source, sourceBytes, new SyncProgress<(long Bytes, long Rows)>(p =>
        {
            if (stopwatch.Elapsed - lastLog > TimeSpan.FromSeconds(10))
            {
                lastLog = stopwatch.Elapsed;
                log(string.Create(CultureInfo.InvariantCulture, $"  source {p.Bytes / (1024 * 1024)} MB of ~{sourceBytes / (1024 * 1024)} MB, {p.Rows:N0} activity rows"));
            }
        }));
        await ExecuteAsync(Source, "VACUUM ANALYZE");
        await ExecuteAsync("postgres", "CHECKPOINT");
    }

    public async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var conn = new NpgsqlConnection(Server.ConnectionString(database));
        await conn.OpenAsync();
        return conn;
    }

    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var conn = await OpenAsync(database);
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var conn = await OpenAsync(database);
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }

    public Task<long> DatabaseSizeAsync(string database) =>
        ScalarAsync<long>("postgres", $"SELECT pg_database_size('{database}')");

    /// <summary>Every user table's exact row count and row checksum.</summary>
    public async Task<SortedDictionary<string, string>> TableDigestsAsync(string database)
    {
        await using var conn = await OpenAsync(database);
        return await LabKit.TableDigestsAsync(conn);
    }

    /// <summary>Issue 25.5's check of the masked clone, the bench's own (not govclone's proof): <see cref="LabKit.MaskedValuesLeftAsync"/>.</summary>
    public async Task<IReadOnlyList<(string Column, long Values, long Production)>> MaskedValuesLeftAsync(string profile)
    {
        await using var source = await OpenAsync(Source);
        await using var clone = await OpenAsync(Clone);
        return await LabKit.MaskedValuesLeftAsync(source, clone, profile);
    }

    /// <summary>The runbook's way, timed: CREATE DATABASE, <c>pg_dump SOURCE | psql CLONE</c>, ANALYZE.</summary>
    public async Task<(double Seconds, Cpu Cpu)> TimePlainAsync()
    {
        await DropDatabaseAsync(Plain);
        var bin = Server.BinDirectory;
        var conn = ClientFlags;
        var script = $"""
            set -euo pipefail
            {bin}/psql {conn} -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE {Plain}'
            {bin}/pg_dump {conn} --no-owner --no-privileges -d {Source} | {bin}/psql {conn} -X -q -v ON_ERROR_STOP=1 -d {Plain} -o /dev/null
            {bin}/psql {conn} -X -q -v ON_ERROR_STOP=1 -d {Plain} -c ANALYZE
            """;
        var timed = await TimeBashAsync(script);
        await DropDatabaseAsync(Plain);
        return timed;
    }

    /// <summary>The client tools' connection flags for this server (no secret: the password travels as PGPASSWORD).</summary>
    public string ClientFlags => $"-h {Server.Host} -p {Server.Port.ToString(CultureInfo.InvariantCulture)} -U {Server.SuperUser}";

    public Task DropDatabaseAsync(string database) =>
        ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");

    public async Task<bool> DatabaseExistsAsync(string database)
    {
        await using var conn = await OpenAsync("postgres");
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn);
        cmd.Parameters.AddWithValue(database);
        return await cmd.ExecuteScalarAsync() is not null;
    }

    /// <summary>
    /// Untimed, before every timed way: a CHECKPOINT and a sync, so each way starts with no dirty pages or WAL
    /// left over from the way before it (each load writes ~2 GB of WAL, and whichever way ran next used to pay
    /// for its predecessor's checkpoint).
    /// </summary>
    public async Task SettleAsync()
    {
        // First whatever govclone still does in the background: the spare a clone started remaking (its process,
        // from before it connects, and any session of it).
        while (DetachedSpare.IsRunning() || await ScalarAsync<long>("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'govclone%' AND pid <> pg_backend_pid()") > 0)
        {
            await Task.Delay(100);
        }

        await ExecuteAsync("postgres", "CHECKPOINT");
        await TimeBashAsync("sync");
    }

    /// <summary>
    /// The big tables' own index definitions in the clone (tables of at least govclone:streamTableMinBytes on the
    /// source, as a streams clone picks them), each with the sort memory (kB) a streams clone's lane gives it,
    /// computed on the source by the clone script's own expression.
    /// </summary>
    public async Task<IReadOnlyList<(string Table, string Definition, long LaneKilobytes)>> BigTableIndexesAsync()
    {
        var tables = new List<(string Table, long LaneKilobytes)>();
        await using (var source = await OpenAsync(Source))
        {
            var sizes = new List<(string Table, long? IndexBytes)>();
            await using (var cmd = new NpgsqlCommand("""
                SELECT c.oid::regclass::text, (SELECT max(pg_relation_size(i.indexrelid)) FROM pg_index i WHERE i.indrelid = c.oid)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND n.nspname = 'public' AND pg_total_relation_size(c.oid) >= $1
                ORDER BY pg_total_relation_size(c.oid) DESC
                """, source))
            {
                cmd.Parameters.AddWithValue(Settings.StreamTableMinBytes);
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync())
                {
                    sizes.Add((r.GetString(0), r.IsDBNull(1) ? null : r.GetInt64(1)));
                }
            }

            foreach (var (table, indexBytes) in sizes)
            {
                // The engine's own expression (sql/engine/lane_sort_memory.sql, the line stream_tables.sql uses).
                await using var cmd = new NpgsqlCommand(
                    EngineFiles.Settings(("maintenance_work_mem", Settings.MaintenanceWorkMem), ("index_bytes", indexBytes?.ToString(CultureInfo.InvariantCulture) ?? ""))
                    + EngineFiles.GetSql("lane_sort_memory.sql"), source);
                await using var r = await cmd.ExecuteReaderAsync();
                await r.NextResultAsync();
                await r.ReadAsync();
                tables.Add((table, r.GetInt64(0)));
            }
        }

        var indexes = new List<(string, string, long)>();
        await using var clone = await OpenAsync(Clone);
        foreach (var (table, kb) in tables)
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = $1::regclass ORDER BY indexrelid", clone);
            cmd.Parameters.AddWithValue(table);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                indexes.Add((table, IndexName().Replace(r.GetString(0), "CREATE $1INDEX govclone_bench_sort_probe ON ", 1), kb));
            }
        }

        return indexes;
    }

    /// <summary>
    /// Builds each index once more in the clone, as a lane does (no parallel workers), sorting in
    /// <paramref name="kilobytes"/>, and drops it again: wall seconds and CPU-seconds of the builds.
    /// </summary>
    public async Task<(double Seconds, Cpu Cpu)> TimeIndexBuildsAsync(IEnumerable<string> definitions, long kilobytes)
    {
        await using var clone = await OpenAsync(Clone);
        await using (var set = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"SET maintenance_work_mem = '{kilobytes}kB'; SET max_parallel_maintenance_workers = 0"), clone))
        {
            await set.ExecuteNonQueryAsync();
        }

        double seconds = 0;
        var cpu = default(Cpu);
        foreach (var definition in definitions)
        {
            var before = Clock.Now();
            var stopwatch = Stopwatch.StartNew();
            await using (var build = new NpgsqlCommand(definition, clone) { CommandTimeout = 0 })
            {
                await build.ExecuteNonQueryAsync();
            }

            seconds += stopwatch.Elapsed.TotalSeconds;
            cpu += Clock.Now() - before;
            await using var drop = new NpgsqlCommand("DROP INDEX govclone_bench_sort_probe", clone);
            await drop.ExecuteNonQueryAsync();
        }

        return (seconds, cpu);
    }

    [GeneratedRegex("^CREATE (UNIQUE )?INDEX (?:\"(?:[^\"]|\"\")+\"|\\S+) ON ")]
    private static partial Regex IndexName();

    /// <summary>The physical limit of a database copy: its files copied with cp, then sync, on the same disk.</summary>
    public async Task<(double Seconds, Cpu Cpu)> TimeFileCopyAsync(string database)
    {
        var oid = await ScalarAsync<uint>("postgres", $"SELECT oid FROM pg_database WHERE datname = '{database}'");
        var from = Path.Combine(Server.DataDirectory, "base", oid.ToString(CultureInfo.InvariantCulture));
        var to = Path.Combine(WorkDirectory, "file-copy-limit");
        await TimeBashAsync($"rm -rf '{to}'; sync");
        var timed = await TimeBashAsync($"cp -r '{from}' '{to}' && sync");
        await TimeBashAsync($"rm -rf '{to}'");
        return timed;
    }

    /// <summary>The copy path's scratch database: the largest table's definition (pre-data only: no keys or indexes).</summary>
    public const string CopyPathTarget = "bench_copy_path";

    /// <summary>The source's largest table (its total size, indexes and TOAST included), schema-qualified.</summary>
    public Task<string> LargestTableAsync() => ScalarAsync<string>(Source, """
        SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = 'public'
        ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 1
        """);

    /// <summary>Creates <see cref="CopyPathTarget"/> afresh with <paramref name="table"/>'s definition, untimed.</summary>
    public async Task PrepareCopyPathAsync(string table)
    {
        await DropDatabaseAsync(CopyPathTarget);
        await ExecuteAsync("postgres", $"CREATE DATABASE {CopyPathTarget}");
        var bin = Server.BinDirectory;
        await RunBashAsync($"set -euo pipefail; {bin}/pg_dump {ClientFlags} --no-owner --no-privileges --section=pre-data -t '{table}' -d {Source} " +
                           $"| {bin}/psql {ClientFlags} -X -q -v ON_ERROR_STOP=1 -d {CopyPathTarget} -o /dev/null");
    }

    /// <summary>
    /// <paramref name="table"/>'s rows, source to <see cref="CopyPathTarget"/>, in one transaction with its TRUNCATE and
    /// COPY FREEZE, timed: either the way a streams clone's lane moves them (binary COPY TO STDOUT, piped through two
    /// psql relays with the engine's 64 kB stdbuf where coreutils has it, and its load session's settings; engine/lanes.sh
    /// copy_table), or through a FIFO both server sessions open themselves (COPY … TO and FROM a file: no relay).
    /// govclone does not use the FIFO (docs/benchmark.md says why); this measures what it would save. Returns the rows
    /// the target holds afterwards.
    /// </summary>
    public async Task<(double Seconds, Cpu Cpu, long Rows)> TimeCopyPathAsync(string table, bool fifo)
    {
        var psql = $"{Server.BinDirectory}/psql {ClientFlags} -X -q -v ON_ERROR_STOP=1";
        const string load = $"PGOPTIONS='{CopyPathProbe.EngineLoadOptions}'";
        var script = fifo
            ? $$"""
              set -euo pipefail
              # The server's account opens the FIFO by its path: the folder lets it through (711) without listing it, and
              # the FIFO's own name is random, so no other account on the machine can find it to read or write rows.
              dir="$(mktemp -d /tmp/govclone-bench-fifo.XXXXXX)"
              trap 'rm -rf "$dir"' EXIT
              chmod 711 "$dir"
              rows="$(mktemp -u "$dir/rows.XXXXXXXXXXXXXXXX")"
              mkfifo -m 666 "$rows"
              {{load}} {{psql}} -d {{CopyPathTarget}} -c BEGIN -c 'TRUNCATE {{table}}' -c "COPY {{table}} FROM '$rows' (FORMAT binary, FREEZE)" -c COMMIT &
              reader=$!
              {{psql}} -d {{Source}} -c "COPY {{table}} TO '$rows' (FORMAT binary)" &
              writer=$!
              # A session that fails before it opens the FIFO leaves the other waiting in open() for good: no signal ends
              # that wait, pg_terminate_backend included. So once either has ended, open and close the FIFO from here
              # until both have: the waiting one gets its partner, then an end of file or a broken pipe, and fails.
              wait -n || true
              ( while :; do exec 3<>"$rows"; exec 3>&-; sleep 0.1; done ) >/dev/null 2>&1 &
              poker=$!
              status=0
              wait "$reader" || status=$?
              wait "$writer" || status=$?
              kill "$poker"
              exit "$status"
              """
            : $$"""
              set -euo pipefail
              out=() in=()
              if stdbuf -o64K -i64K true >/dev/null 2>&1; then out=({{CopyPathProbe.EngineRelayOut}}) in=({{CopyPathProbe.EngineRelayIn}}); fi
              "${out[@]}" {{psql}} -d {{Source}} -c 'COPY {{table}} TO STDOUT (FORMAT binary)' \
                | {{load}} "${in[@]}" {{psql}} -d {{CopyPathTarget}} -c BEGIN -c 'TRUNCATE {{table}}' -c 'COPY {{table}} FROM STDIN (FORMAT binary, FREEZE)' -c COMMIT
              """;
        var (seconds, cpu) = await TimeBashAsync(script);
        return (seconds, cpu, await ScalarAsync<long>(CopyPathTarget, $"SELECT count(*) FROM {table}"));
    }

    private async Task<(double Seconds, Cpu Cpu)> TimeBashAsync(string script)
    {
        var run = await RunBashAsync(script);
        return (run.Seconds, run.Cpu);
    }

    /// <summary>
    /// Runs a bash script, timed (wall seconds and CPU-seconds), with the password only in its
    /// environment (PGPASSWORD) and <paramref name="env"/> added; throws with its output when it fails.
    /// </summary>
    public async Task<BashRun> RunBashAsync(string script, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["PGPASSWORD"] = Password;
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var cpu = Clock.Now();
        var stopwatch = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        stopwatch.Stop();
        var output = (await stdout) + (await stderr);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"bench step failed (exit {p.ExitCode}): {output}");
        }

        return new BashRun(stopwatch.Elapsed.TotalSeconds, Clock.Now() - cpu, output);
    }

    /// <summary>
    /// Runs govclone (with --json) like <see cref="RunCliAsync"/>, and also the seconds from its start to the first NDJSON
    /// line whose event is <paramref name="eventName"/> (the whole run's when there is none).
    /// </summary>
    public async Task<(TimedRun Run, double SecondsToEvent)> RunCliUntilEventAsync(string eventName, params string[] args)
    {
        var seen = -1.0;
        var clock = Stopwatch.StartNew();
        var run = await RunCliAsync(line =>
        {
            if (seen < 0 && line.Contains($"\"event\":\"{eventName}\"", StringComparison.Ordinal))
            {
                seen = clock.Elapsed.TotalSeconds;
            }
        }, args);
        return (run, seen < 0 ? run.Seconds : seen);
    }

    /// <summary>Runs govclone with the bench's stack file, timing the whole process and sampling its peak RSS (VmHWM).</summary>
    public Task<TimedRun> RunCliAsync(params string[] args) => RunCliAsync(null, args);

    private async Task<TimedRun> RunCliAsync(Action<string>? onLine, params string[] args)
    {
        var psi = LabKit.CliStartInfo(CliDll, WorkDirectory, StackFile, Password, args);
        var cpu = Clock.Now();
        var stopwatch = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var peak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            var status = $"/proc/{p.Id}/status";
            while (!sampling.IsCancellationRequested)
            {
                try
                {
                    foreach (var line in await File.ReadAllLinesAsync(status))
                    {
                        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        {
                            var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                            peak = Math.Max(peak, kb * 1024);
                        }
                    }
                }
                catch (IOException)
                {
                    return; // exited
                }

                // VmHWM is the process's high-water mark: a sample at any later moment still holds an earlier
                // peak, so 50 ms loses only what a last burst adds before exit, and costs the timed way little CPU.
                await Task.Delay(50);
            }
        });
        var stdout = Task.Run(async () =>
        {
            var text = new StringBuilder();
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                onLine?.Invoke(line);
                text.Append(line).Append('\n');
            }

            return text.ToString();
        });
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        stopwatch.Stop();
        await sampling.CancelAsync();
        await sampler;
        var output = new StringBuilder().Append(await stdout).Append('\n').Append(await stderr).ToString();
        return new TimedRun(string.Join(' ', args), p.ExitCode, stopwatch.Elapsed.TotalSeconds, output, peak, Clock.Now() - cpu);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Server.DestroyAsync();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>IProgress that reports synchronously.</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
