using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Sandbox;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;
using Npgsql;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// A production that lives while govclone runs (issue 21.1): a worker renews its lease in a loop, the app inserts rows,
/// a migration adds a column and an index mid-clone. Every lever exits 0, the clone is one snapshot, the result names
/// what the others changed, and govclone's own sessions there are proven read-only; one forced to write fails the run.
/// The source is a database of this class's own (the shared <c>directus</c> must stay still for the other tests).
/// </summary>
public class LiveProductionTests : IAsyncLifetime
{
    private static readonly SemaphoreSlim SourceGate = new(1, 1);
    private static int _sources;

    private TestServer _pg = null!;
    private string _source = null!;
    private readonly string _clone = TestServer.NewCloneName();

    public async Task InitializeAsync()
    {
        _pg = await TestServer.GetAsync();
        _source = "directus_live_" + Interlocked.Increment(ref _sources).ToString(CultureInfo.InvariantCulture) + "_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await SourceGate.WaitAsync(); // one source generated at a time: 2 shared cores
        try
        {
            await SourceGenerator.EnsureAsync(_pg.Server, _source);
        }
        finally
        {
            SourceGate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var sql in CloneLifecycle.DropStatements(Settings()))
        {
            await _pg.ExecuteAsync("postgres", sql);
        }

        await _pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{_source}\" WITH (FORCE)");
    }

    private GovCloneSettings Settings(params (string Key, string Value)[] extra)
    {
        var overrides = new Dictionary<string, string?> { ["sourceDatabase"] = _source, ["appDatabase"] = _source, ["queryAllowlist"] = _source };
        foreach (var (k, v) in extra)
        {
            overrides[k] = v;
        }

        return _pg.Settings(_clone, overrides);
    }

    public static TheoryData<string> Ways => new() { "streams", "dump" };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Up_and_clone_force_exit_0_while_others_write_and_migrate_and_name_what_they_changed(string way)
    {
        var settings = Settings(("cloneMethod", way), ("retainTemplate", "false"));
        await using (var production = await LiveProduction.StartAsync(_pg, _source))
        {
            var up = await new CloneLifecycle(settings, events: production.OnEngineEvent).UpAsync();
            Assert.True(up.Verify.Passed, string.Join("; ", up.Verify.Drift));
            LiveProduction.AssertNamed(up.Production);
            Assert.False(up.ProductionUnchanged); // the fingerprint differs, and that is a report, not a failure
            await production.AssertConsistentCloneAsync(_pg, _clone);
        }

        await using (var production = await LiveProduction.StartAsync(_pg, _source))
        {
            var clone = await new CloneLifecycle(settings, events: production.OnEngineEvent).CloneAsync(force: true);
            Assert.True(clone.Changed);
            var report = Assert.IsType<ProductionReport>(clone.Production);
            LiveProduction.AssertNamed(report);
            Assert.True(report.SessionsChecked >= 2 + (way == "streams" ? 2 : 0), report.Describe());
            Assert.True(report.PgDumpRuns >= 1, report.Describe());
            await production.AssertConsistentCloneAsync(_pg, _clone);
        }
    }

    [Fact]
    public async Task The_pulumi_suite_step_and_a_branch_create_exit_0_on_a_live_production()
    {
        var settings = Settings(("retainTemplate", "true"), ("cloneMethod", "streams"));
        Assert.True((await new CloneLifecycle(settings).UpAsync()).Verify.Passed);
        await using var lab = DeploymentLab.Create(_pg);
        var suite = lab.Program(settings).Single(r => r.Name == DeployPlan.SuiteCommand);
        await using (var production = await LiveProduction.StartAsync(_pg, _source))
        {
            await production.WaitForWritesAsync(); // the lease and app writers are running before the step starts

            // The worker renews its lease between the step's two looks at production, whatever the step's speed: a session
            // of the test's own holds a governance table of the clone, so the step's suite (which reads it after the first
            // look) waits; the test lets it go only once the worker has renewed since that wait began.
            await using var hold = await _pg.OpenAsync(_clone);
            await using var holding = await hold.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE governance_ruleset IN ACCESS EXCLUSIVE MODE", hold, holding))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            var step = lab.Runner.RunTextAsync(suite.Name, "create", suite.Create!, suite.Environment, null, CancellationToken.None);
            await Eventually.HoldsAsync(async () => step.IsCompleted || (long)(await _pg.ScalarAsync(_clone,
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '-- metrics.sql:%'"))! > 0,
                "the step's suite never waited on the held governance table");
            if (step.IsCompleted)
            {
                var early = await step;
                Assert.Fail($"the step ended (exit {early.ExitCode}) without reading the held governance table: {early.Stderr}{early.Stdout}");
            }

            await production.WaitForRenewalsAsync();
            await holding.RollbackAsync();
            var action = await step;
            Assert.True(action.ExitCode == 0, action.Stderr + action.Stdout);
            var up = action.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())
                .Single(o => (string?)o["event"] == "result" && (string?)o["lever"] == "up");
            Assert.True((bool)up["ok"]!);
            var changed = up["production"]!["changedByOthers"]!.AsArray().Select(c => (string)c!["name"]!).ToArray();
            Assert.Contains(changed, n => n.EndsWith(".gov_worker_lease", StringComparison.Ordinal)); // renewed all through the run
            Assert.True((int)up["production"]!["sessionsChecked"]! >= 2);
        }

        await using (var production = await LiveProduction.StartAsync(_pg, _source))
        {
            await production.WaitForWritesAsync();
            var branch = await new BranchLifecycle(settings).CreateAsync("live1", new BranchCreateOptions(SeedProfile.Committed, "tests", false));
            Assert.True(branch.Passed);
            Assert.False(branch.Production.Read); // a copy of the retained template: production is not read at all
            await production.AssertConsistentCloneAsync(_pg, BranchName.Of(settings, "live1").Database);
            await new BranchLifecycle(settings).DropAsync("live1");
        }
    }

    [Fact]
    public async Task A_govclone_session_that_writes_production_fails_the_run()
    {
        var settings = Settings(("retainTemplate", "false"));
        ProductionView.ForceWriteHere.Value = true; // this async flow only
        var ex = await Assert.ThrowsAsync<ProductionWrittenException>(() => new CloneLifecycle(settings).UpAsync());
        Assert.Equal(1, ex.ExitCode);
        Assert.Contains("not read-only", ex.Message, StringComparison.Ordinal);
        ProductionView.ForceWriteHere.Value = false;
        Assert.False(await _pg.DatabaseExistsAsync(_clone), "the run went on after its production session wrote");
    }

    [Fact]
    public async Task The_source_check_catches_a_transaction_that_took_a_transaction_id_or_is_not_read_only()
    {
        var check = EngineFiles.GetSql("source_check.sql");
        await using var conn = await _pg.OpenAsync(_source);
        async Task<string?> Run(string begin, string work)
        {
            await using (var b = new NpgsqlCommand(begin + "; " + work, conn))
            {
                await b.ExecuteNonQueryAsync();
            }

            try
            {
                await using var c = new NpgsqlCommand(check, conn);
                await c.ExecuteNonQueryAsync();
                return null;
            }
            catch (PostgresException ex)
            {
                return ex.SqlState;
            }
            finally
            {
                await using var r = new NpgsqlCommand("ROLLBACK", conn);
                await r.ExecuteNonQueryAsync();
            }
        }

        Assert.Null(await Run("BEGIN READ ONLY", "SELECT count(*) FROM gov_worker_lease"));
        Assert.Equal("GC004", await Run("BEGIN READ WRITE", "SELECT 1"));
        Assert.Equal("GC004", await Run("BEGIN READ WRITE", "UPDATE gov_worker_lease SET expires_at = expires_at WHERE id = 1; SET TRANSACTION READ ONLY"));
        // Read-only, and yet a write: a temporary table (made before, in a read-write transaction) takes rows in a
        // read-only transaction, and so a transaction id.
        await using (var temp = new NpgsqlCommand("CREATE TEMP TABLE live_check_t (x int)", conn))
        {
            await temp.ExecuteNonQueryAsync();
        }

        Assert.Equal("GC004", await Run("BEGIN READ ONLY", "INSERT INTO live_check_t VALUES (1)"));
    }

    /// <summary>A production session holding an ACCESS EXCLUSIVE lock (a migration in progress) on directus_revisions until disposed.</summary>
    private async Task<NpgsqlConnection> HoldLockAsync()
    {
        var conn = await _pg.OpenAsync(_source);
        await using var cmd = new NpgsqlCommand("BEGIN; LOCK TABLE directus_revisions IN ACCESS EXCLUSIVE MODE", conn);
        await cmd.ExecuteNonQueryAsync();
        return conn;
    }

    /// <summary>govclone sessions on the source waiting for a lock (pg_locks not granted).</summary>
    private async Task<long> WaitingCloneSessionsAsync() => (long)(await _pg.ScalarAsync("postgres", $"""
        SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
        WHERE a.datname = '{_source}' AND a.application_name = '{EngineScript.CloneApplicationName}'
        """))!;

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task A_clone_waits_for_a_production_lock_at_most_sourceLockTimeoutSeconds_then_fails_changing_nothing(string way)
    {
        var settings = Settings(("cloneMethod", way), ("retainTemplate", "false"), ("sourceLockTimeoutSeconds", "2"));
        Assert.True((await new CloneLifecycle(settings).UpAsync()).Verify.Passed);
        var marker = (await new CloneLifecycle(settings).StatusAsync()).State.Marker;
        await using (await HoldLockAsync())
        {
            var ex = await Assert.ThrowsAsync<OperationFailedException>(() => new CloneLifecycle(settings).CloneAsync(force: true));
            Assert.Contains("cause (source_locked", ex.Message, StringComparison.Ordinal);
            Assert.Contains("govclone:sourceLockTimeoutSeconds", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(marker, (await new CloneLifecycle(settings).StatusAsync()).State.Marker); // the clone as it was
        Assert.True((await new CloneLifecycle(settings).VerifyAsync()).Passed);
    }

    [Fact]
    public async Task Killing_govclone_while_its_clone_waits_on_production_leaves_no_session_of_it_there()
    {
        var settings = Settings(("cloneMethod", "dump"), ("retainTemplate", "false"));
        Assert.True((await new CloneLifecycle(settings).UpAsync()).Verify.Passed);
        await using var held = await HoldLockAsync();
        var env = new Dictionary<string, string?>
        {
            ["GOVCLONE_HOST"] = _pg.Server.Host,
            ["GOVCLONE_PORT"] = _pg.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["GOVCLONE_SSL_MODE"] = "disable",
            ["GOVCLONE_PG_BIN_DIR"] = _pg.Server.BinDirectory,
            ["GOVCLONE_CLONE_DATABASE"] = _clone,
            ["GOVCLONE_SOURCE_DATABASE"] = _source,
            ["GOVCLONE_APP_DATABASE"] = _source,
            ["GOVCLONE_QUERY_ALLOWLIST"] = _source,
            ["GOVCLONE_USER"] = _pg.Server.SuperUser,
            ["GOVCLONE_SOURCE_LOCK_TIMEOUT_SECONDS"] = "3600", // it would wait an hour
        };
        var psi = LabKit.CliStartInfo(LabKit.FindCli("tests/GovClone.Tests"), InProcessCli.RepoRoot, "", _pg.Password,
            ["clone", "--force", "--yes", "--no-stack-file", "-c", "cloneMethod=dump", "-c", "retainTemplate=false"], env);
        using var govclone = Process.Start(psi)!;
        await Eventually.HoldsAsync(async () => govclone.HasExited || await WaitingCloneSessionsAsync() > 0, "the clone never waited for the lock");
        Assert.False(govclone.HasExited, govclone.HasExited ? await govclone.StandardError.ReadToEndAsync() : null);
        govclone.Kill(); // SIGKILL, the tool only: its engine goes on at the server as an orphan, unless it stops itself
        await govclone.WaitForExitAsync();
        await Eventually.HoldsAsync(async () => (long)(await _pg.ScalarAsync("postgres",
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{_source}' AND application_name LIKE 'govclone%'"))! == 0,
            "a session of the killed govclone still waits on (and holds locks in) production");
    }

    /// <summary>
    /// The live production: a worker renewing its lease, the app inserting activity rows with their revisions (PairWriter),
    /// and a migration (a column and an index on directus_activity) started when a clone reaches its copy step. Each
    /// writer is a bounded loop that stops itself when the lever is done (dispose) or after its last iteration.
    /// </summary>
    private sealed class LiveProduction : IAsyncDisposable
    {
        private const int MaxRenewals = 1_000_000;
        private readonly TestServer _pg;
        private readonly string _source;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _leases;
        private readonly string _column = "live_" + Guid.NewGuid().ToString("N")[..8];
        private PairWriter _app = null!;
        private Task? _migration;
        private long _renewals;
        private long _insertsAtStart;

        private LiveProduction(TestServer pg, string source)
        {
            _pg = pg;
            _source = source;
            _leases = Task.Run(async () =>
            {
                await using var conn = await pg.OpenAsync(source);
                await using var renew = new NpgsqlCommand("UPDATE gov_worker_lease SET expires_at = now() + interval '5 minutes' WHERE worker_name = 'gov-worker-1' AND released_at IS NULL", conn);
                for (var i = 0; i < MaxRenewals && !_stop.IsCancellationRequested; i++)
                {
                    await renew.ExecuteNonQueryAsync();
                    Interlocked.Increment(ref _renewals);
                }
            });
        }

        public static async Task<LiveProduction> StartAsync(TestServer pg, string source)
        {
            var live = new LiveProduction(pg, source);
            live._insertsAtStart = await live.ActivityInsertsAsync();
            live._app = await PairWriter.StartAsync(pg.Server.ConnectionString(source), "live-" + Guid.NewGuid().ToString("N")[..6], warmup: 1);
            return live;
        }

        /// <summary>
        /// Engine events of the lever: at its copy step the migration starts; at <c>ready</c> (the source's reads are over,
        /// the run's last look at production is still to come) it waits until the migration is in and the app's and the
        /// worker's writes are seen, so the run's report must name them. Neither wait can deadlock: the copy's locks are gone.
        /// </summary>
        public void OnEngineEvent(EngineEvent e)
        {
            if (e is StepEvent { IsStart: true, Step: 2 } && _migration is null)
            {
                _migration = Task.Run(MigrateAsync);
            }
            else if (e is ReadyEvent)
            {
                (_migration ?? Task.Run(MigrateAsync)).GetAwaiter().GetResult();
                WaitForWritesAsync().GetAwaiter().GetResult();
            }
        }

        private async Task MigrateAsync()
        {
            await using var conn = await _pg.OpenAsync(_source);
            await using var cmd = new NpgsqlCommand($"ALTER TABLE directus_activity ADD COLUMN {_column} text; CREATE INDEX {_column}_idx ON directus_activity (item)", conn) { CommandTimeout = 0 };
            await cmd.ExecuteNonQueryAsync();
        }

        /// <summary>Until the worker renewed and the statistics show the app's inserts (sessions report them about once a second).</summary>
        public async Task WaitForWritesAsync()
        {
            await Eventually.HoldsAsync(async () => Interlocked.Read(ref _renewals) > 0 && await ActivityInsertsAsync() > _insertsAtStart,
                "the live writers' renewals and inserts were not seen");
        }

        /// <summary>Until the worker has renewed its lease twice more from now (committed, each its own transaction).</summary>
        public async Task WaitForRenewalsAsync()
        {
            var from = Interlocked.Read(ref _renewals);
            await Eventually.HoldsAsync(() => _leases.IsFaulted || Interlocked.Read(ref _renewals) >= from + 2, "the worker renewed no lease");
            Assert.False(_leases.IsFaulted, _leases.Exception?.ToString());
        }

        private async Task<long> ActivityInsertsAsync() =>
            (long)(await _pg.ScalarAsync(_source, "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'directus_activity'"))!;

        public static void AssertNamed(ProductionReport? report)
        {
            Assert.NotNull(report);
            Assert.True(report.Read);
            var text = report.Describe();
            Assert.Contains("changed during the run by other sessions", text, StringComparison.Ordinal);
            Assert.Contains("wrote nothing", text, StringComparison.Ordinal);
            Assert.Contains(report.ChangedByOthers, c => c.Name.EndsWith(".gov_worker_lease", StringComparison.Ordinal) && c.What.Contains("rows changed", StringComparison.Ordinal));
            Assert.Contains(report.ChangedByOthers, c => c.Name == "public.directus_activity" && c.What.Contains("definition changed", StringComparison.Ordinal)
                && c.What.Contains("inserted", StringComparison.Ordinal));
        }

        /// <summary>The clone holds the app's activity rows and their revisions from one moment: as many of each, none orphaned.</summary>
        public async Task AssertConsistentCloneAsync(TestServer pg, string database)
        {
            await using var conn = await pg.OpenAsync(database);
            var (activity, revisions, orphans) = await _app.CountAsync(conn);
            Assert.Equal(activity, revisions);
            Assert.Equal(0, orphans);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _leases;
            await _app.DisposeAsync();
            if (_migration is not null)
            {
                await _migration;
            }

            _stop.Dispose();
        }
    }
}
