using System.Diagnostics;
using System.Globalization;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Faults;

/// <summary>
/// A live production (issue 21): levers while a worker renews its lease, the app writes and a migration runs; the clone's
/// lock waits bounded; govclone killed while its clone waits on a production lock; and what a clone does to production's
/// own work, measured (how long a migration's ALTER TABLE and an app insert behind it wait). Rows named "live: …". These
/// scenarios write production on purpose (as its other users do): the production watch is taken again after them.
/// </summary>
public static class LiveScenarios
{
    private static int _generation = 300;

    private static string Gen() => Interlocked.Increment(ref _generation).ToString(CultureInfo.InvariantCulture);

    public static async Task RunAsync(FaultLab lab, FaultReport report, bool quick, Action<string> log)
    {
        foreach (var method in quick ? new[] { "streams" } : ["streams", "dump"])
        {
            await UpWhileLiveAsync(lab, report, method, log);
        }

        await LockBoundAsync(lab, report, log);
        await KillWhileWaitingAsync(lab, report, log);
        foreach (var method in new[] { "dump", "streams" })
        {
            await MeasureImpactAsync(lab, report, method, log);
        }

        await lab.RunCliAsync(["up"]);
        await report.StartProductionWatchAsync(lab); // production moved on by others' hands, not govclone's
    }

    /// <summary>up re-cloning from the source while a lease is renewed, the app inserts and a migration adds a column and an index.</summary>
    private static async Task UpWhileLiveAsync(FaultLab lab, FaultReport report, string method, Action<string> log)
    {
        var name = $"live: up ({method}) with writers and a migration";
        using var stop = new CancellationTokenSource();
        var renewals = 0L;
        var leases = Task.Run(async () =>
        {
            await using var conn = await lab.OpenAsync(FaultLab.Source);
            await using var cmd = new NpgsqlCommand("UPDATE gov_worker_lease SET expires_at = now() + interval '5 minutes' WHERE worker_name = 'gov-worker-1' AND released_at IS NULL", conn);
            for (var i = 0; i < 1_000_000 && !stop.IsCancellationRequested; i++)
            {
                await cmd.ExecuteNonQueryAsync();
                Interlocked.Increment(ref renewals);
            }
        });
        var app = await PairWriter.StartAsync(lab.Server.ConnectionString(FaultLab.Source), "faults-live", warmup: 1);
        Task? migration = null;
        var column = "live_" + Guid.NewGuid().ToString("N")[..8];
        var up = await lab.RunCliAsync(["up", "-c", "cloneGeneration=" + Gen(), "-c", "cloneMethod=" + method, "-c", "retainTemplate=false"], onLine: line =>
        {
            if (migration is null && line.Contains("clone 2/", StringComparison.Ordinal))
            {
                migration = Task.Run(async () =>
                {
                    await using var conn = await lab.OpenAsync(FaultLab.Source);
                    await using var cmd = new NpgsqlCommand($"ALTER TABLE directus_activity ADD COLUMN {column} text; CREATE INDEX {column}_idx ON directus_activity (item)", conn) { CommandTimeout = 0 };
                    await cmd.ExecuteNonQueryAsync();
                });
            }
        });
        await stop.CancelAsync();
        await leases;
        await app.DisposeAsync();
        if (migration is not null)
        {
            await migration;
        }

        long activity = -1, revisions = -2, orphans = -1;
        if (up.ExitCode == 0)
        {
            await using var clone = await lab.OpenAsync(FaultLab.Clone);
            (activity, revisions, orphans) = await app.CountAsync(clone);
        }

        var named = up.Stdout.Contains("changed during the run by other sessions", StringComparison.Ordinal) && up.Stdout.Contains("wrote nothing", StringComparison.Ordinal)
            && up.Stdout.Contains("gov_worker_lease", StringComparison.Ordinal);
        var ok = up.ExitCode == 0 && named && activity == revisions && orphans == 0 && migration is not null;
        Record(report, name, ok, log, $"exit {up.ExitCode}, {renewals} renewals, one snapshot: {activity} activity / {revisions} revisions, {orphans} orphans; named: {named}; migration ran: {migration is not null}",
            up.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("production:", StringComparison.Ordinal)));
    }

    /// <summary>A production session holding ACCESS EXCLUSIVE on directus_revisions (a migration in progress), until disposed.</summary>
    private static async Task<NpgsqlConnection> HoldLockAsync(FaultLab lab)
    {
        var conn = await lab.OpenAsync(FaultLab.Source);
        await using var cmd = new NpgsqlCommand("BEGIN; LOCK TABLE directus_revisions IN ACCESS EXCLUSIVE MODE", conn);
        await cmd.ExecuteNonQueryAsync();
        return conn;
    }

    private static async Task<long> GovcloneSessionsOnSourceAsync(FaultLab lab, bool waiting) =>
        await lab.ScalarAsync<long>("postgres", waiting
            ? $"SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted WHERE a.datname = '{FaultLab.Source}' AND a.application_name LIKE 'govclone%'"
            : $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{FaultLab.Source}' AND application_name LIKE 'govclone%'");

    /// <summary>clone --force waits for the held lock at most govclone:sourceLockTimeoutSeconds, fails as source_locked, and changes nothing.</summary>
    private static async Task LockBoundAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        const string name = "live: a production lock held past sourceLockTimeoutSeconds";
        await lab.RunCliAsync(["up"]);
        var before = await lab.CloneStateAsync();
        var clock = Stopwatch.StartNew();
        CliRun run;
        await using (await HoldLockAsync(lab))
        {
            run = await lab.RunCliAsync(["clone", "--force", "--yes", "-c", "cloneMethod=dump", "-c", "sourceLockTimeoutSeconds=2"]);
        }

        var after = await lab.CloneStateAsync();
        var ok = run.ExitCode == 1 && run.Stderr.Contains("cause (source_locked", StringComparison.Ordinal) && after.Marker == before.Marker && after.Complete;
        Record(report, name, ok, log, $"exit {run.ExitCode} after {clock.Elapsed.TotalSeconds:0.0}s, source_locked named: {run.Stderr.Contains("source_locked", StringComparison.Ordinal)}, clone as it was: {after.Marker == before.Marker}");
    }

    /// <summary>govclone SIGKILLed while its clone waits on a production lock: its engine stops itself, no session of it is left on production.</summary>
    private static async Task KillWhileWaitingAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        const string name = "live: govclone killed while its clone waits on production";
        var clock = Stopwatch.StartNew();
        var gone = false;
        var waited = false;
        await using (await HoldLockAsync(lab))
        {
            using var p = lab.StartCli(["clone", "--force", "--yes", "-c", "cloneMethod=dump", "-c", "sourceLockTimeoutSeconds=3600"]);
            var deadline = Stopwatch.StartNew();
            while (!p.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(2) && !(waited = await GovcloneSessionsOnSourceAsync(lab, waiting: true) > 0))
            {
                await Task.Delay(50);
            }

            p.Kill(); // the tool only
            await p.WaitForExitAsync();
            clock.Restart();
            while (clock.Elapsed < TimeSpan.FromMinutes(1) && !(gone = await GovcloneSessionsOnSourceAsync(lab, waiting: false) == 0))
            {
                await Task.Delay(100);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await lab.SettleAsync(TimeSpan.FromMinutes(2));
        var up = await lab.RunCliAsync(["up"]);
        var converged = up.ExitCode == 0 && (await lab.RunCliAsync(["verify"])).ExitCode == 0;
        var state = await lab.CloneStateAsync();
        report.Add(name, kills: waited ? 1 : 0, converged: waited && converged ? 1 : 0, missed: waited ? 0 : 1, half: state.Complete ? 0 : 1, failed: !(waited && gone && converged));
        log($"{name}: {(waited && gone && converged ? "ok" : "FAILED")} (waiting when killed: {waited}; its sessions on production gone {(gone ? $"{seconds:0.0}s after the kill" : "NOT within 60s")}; up converged: {converged})");
        if (!(waited && gone && converged))
        {
            report.Problem($"{name}: waited {waited}, gone {gone}, converged {converged}: {up.Output}");
        }
    }

    /// <summary>
    /// What a clone does to production's own work: mid-copy a migration's ALTER TABLE on directus_activity (ACCESS EXCLUSIVE)
    /// waits for the clone's ACCESS SHARE lock on it, and an app insert issued behind the ALTER queues behind it. Measured and
    /// printed (docs/production-impact.md quotes it); the row fails only if a lever fails.
    /// </summary>
    private static async Task MeasureImpactAsync(FaultLab lab, FaultReport report, string method, Action<string> log)
    {
        var name = $"live: production's waits behind a {method} clone, measured";
        var column = "impact_" + Guid.NewGuid().ToString("N")[..8];
        Task<TimeSpan>? alter = null;
        Task<TimeSpan>? insert = null;
        var cloneClock = Stopwatch.StartNew();
        var copyStarted = TimeSpan.Zero;
        var run = await lab.RunCliAsync(["clone", "--force", "--yes", "-c", "cloneMethod=" + method, "-c", "retainTemplate=false"], onLine: line =>
        {
            if (alter is null && line.Contains(method == "dump" ? "clone 2/" : "clone 4/", StringComparison.Ordinal))
            {
                copyStarted = cloneClock.Elapsed;
                alter = Task.Run(async () =>
                {
                    // Issued once a govclone session holds its ACCESS SHARE lock on the table (the copy has it).
                    var w = Stopwatch.StartNew();
                    while (w.Elapsed < TimeSpan.FromMinutes(1) && await lab.ScalarAsync<long>(FaultLab.Source,
                               "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.granted AND l.relation = 'directus_activity'::regclass AND a.application_name LIKE 'govclone%'") == 0)
                    {
                        await Task.Delay(10);
                    }

                    return await TimedAsync(lab, $"ALTER TABLE directus_activity ADD COLUMN {column} text");
                });
                insert = Task.Run(async () =>
                {
                    // Issued once the ALTER waits for its lock: an app's insert then queues behind the ALTER.
                    var w = Stopwatch.StartNew();
                    while (w.Elapsed < TimeSpan.FromMinutes(1) && !alter.IsCompleted
                           && await lab.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{FaultLab.Source}' AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE directus_activity%'") == 0)
                    {
                        await Task.Delay(20);
                    }

                    return await TimedAsync(lab, "INSERT INTO directus_activity (action, \"timestamp\", collection, item) VALUES ('faults', now(), 'faults', 'impact')");
                });
            }
        });
        var total = cloneClock.Elapsed;
        var alterWait = alter is null ? TimeSpan.Zero : await alter;
        var insertWait = insert is null ? TimeSpan.Zero : await insert;
        var ok = run.ExitCode == 0 && alter is not null;
        Record(report, name, ok, log, string.Create(CultureInfo.InvariantCulture,
            $"clone exit {run.ExitCode} in {total.TotalSeconds:0.0}s, its copy from {copyStarted.TotalSeconds:0.0}s; a mid-copy ALTER TABLE directus_activity waited {alterWait.TotalSeconds:0.00}s, an app INSERT behind it {insertWait.TotalSeconds:0.00}s"));
    }

    private static async Task<TimeSpan> TimedAsync(FaultLab lab, string sql)
    {
        await using var conn = await lab.OpenAsync(FaultLab.Source);
        var w = Stopwatch.StartNew();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
        return w.Elapsed;
    }

    private static void Record(FaultReport report, string name, bool ok, Action<string> log, string detail, string? extra = null)
    {
        report.Add(name, failed: !ok);
        log($"{name}: {(ok ? "ok" : "FAILED")} ({detail}){(extra is null ? string.Empty : "\n    " + extra)}");
        if (!ok)
        {
            report.Problem($"{name}: {detail}");
        }
    }
}
