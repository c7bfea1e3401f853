using System.Globalization;

namespace GovClone.Bench;

/// <summary>
/// The tools a platform engineer would otherwise use for a fresh local clone, each run as its documentation
/// recommends for speed, on the same source and server as every other way, with J = govclone:cloneJobs, into a
/// database of its own (outside the clone's family of names, so no govclone lever ever sees it). The password
/// reaches them only through their environment (PGPASSWORD); nothing secret is on a command line.
/// </summary>
public static class Peers
{
    public const string PgDumpDatabase = "bench_peer_pg_dump";
    public const string PgCopyDbDatabase = "bench_peer_pgcopydb";

    /// <summary>
    /// pg_dump's directory format, dumped and restored in parallel: PostgreSQL's own fast way ("Populating a
    /// Database": parallel dump and restore, a larger maintenance_work_mem, ANALYZE afterwards). <c>-Z 0</c>: the
    /// directory format compresses by default, which on a local clone only spends CPU (the dump never leaves
    /// this disk, and the cores are what a clone waits for); <c>--no-sync</c>: the dump is a scratch file,
    /// deleted after the restore. Both make the peer faster, never slower.
    /// </summary>
    public static IReadOnlyList<string> PgDumpCommands(BenchLab lab, int jobs, string dumpDirectory)
    {
        ArgumentNullException.ThrowIfNull(lab);
        var bin = lab.Server.BinDirectory;
        var j = jobs.ToString(CultureInfo.InvariantCulture);
        var sortMemory = lab.Settings.MaintenanceWorkMem;
        return
        [
            $"{bin}/pg_dump {lab.ClientFlags} -Fd -j {j} -Z 0 --no-sync -f {dumpDirectory} {BenchLab.Source}",
            $"PGOPTIONS='-c maintenance_work_mem={sortMemory}' {bin}/pg_restore {lab.ClientFlags} -j {j} --no-owner --no-privileges --exit-on-error -d {PgDumpDatabase} {dumpDirectory}",
            $"{bin}/vacuumdb {lab.ClientFlags} -j {j} --analyze-only -q -d {PgDumpDatabase}",
        ];
    }

    /// <summary>
    /// pgcopydb as its manual introduces it (<c>pgcopydb clone --table-jobs N --index-jobs N</c>, source and
    /// target in PGCOPYDB_SOURCE_PGURI / PGCOPYDB_TARGET_PGURI): one snapshot, COPY streams from source to
    /// target with FREEZE, every index built concurrently as soon as its table is in, VACUUM ANALYZE per table.
    /// <c>--no-owner --no-acl</c> as every other way here (<c>--no-owner --no-privileges</c>); <c>--dir</c> a
    /// private work folder. It sets maintenance_work_mem (1 GB) and synchronous_commit (off) on its own sessions.
    /// </summary>
    public static string PgCopyDbCommand(int jobs, string workDirectory) =>
        string.Create(CultureInfo.InvariantCulture, $"pgcopydb clone --table-jobs {jobs} --index-jobs {jobs} --no-owner --no-acl --dir {workDirectory}");

    /// <summary>CREATE DATABASE, then <see cref="PgDumpCommands"/>, timed as one; the scratch dump is removed untimed.</summary>
    public static async Task<BashRun> TimePgDumpDirectoryAsync(this BenchLab lab, int jobs)
    {
        ArgumentNullException.ThrowIfNull(lab);
        var dump = Path.Combine(lab.WorkDirectory, "pg_dump-Fd");
        await lab.DropDatabaseAsync(PgDumpDatabase);
        await lab.RunBashAsync($"rm -rf '{dump}'");
        var script = string.Join('\n', ["set -euo pipefail", CreateDatabase(lab, PgDumpDatabase), .. PgDumpCommands(lab, jobs, dump)]);
        var run = await lab.RunBashAsync(script);
        await lab.RunBashAsync($"rm -rf '{dump}'");
        return run;
    }

    /// <summary>CREATE DATABASE (pgcopydb copies into an existing one), then <see cref="PgCopyDbCommand"/>, timed as one.</summary>
    public static async Task<BashRun> TimePgCopyDbAsync(this BenchLab lab, int jobs)
    {
        ArgumentNullException.ThrowIfNull(lab);
        var work = Path.Combine(lab.WorkDirectory, "pgcopydb");
        await lab.DropDatabaseAsync(PgCopyDbDatabase);
        await lab.RunBashAsync($"rm -rf '{work}'");
        var script = string.Join('\n', "set -euo pipefail", CreateDatabase(lab, PgCopyDbDatabase), PgCopyDbCommand(jobs, work));
        var env = new Dictionary<string, string>
        {
            ["PGCOPYDB_SOURCE_PGURI"] = Uri(lab, BenchLab.Source),
            ["PGCOPYDB_TARGET_PGURI"] = Uri(lab, PgCopyDbDatabase),
            // pgcopydb runs the pg_dump and pg_restore it finds first: the server's own.
            ["PATH"] = lab.Server.BinDirectory + ":" + Environment.GetEnvironmentVariable("PATH"),
        };
        var run = await lab.RunBashAsync(script, env);
        await lab.RunBashAsync($"rm -rf '{work}'");
        return run;
    }

    /// <summary>Why pgcopydb cannot run here (one line), or null when it is on PATH.</summary>
    public static string? PgCopyDbMissing()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, "pgcopydb")))
            ? null
            : "pgcopydb is not installed here (Debian package pgcopydb, which bench/clone installs where apt-get can): its row is skipped";
    }

    /// <summary>
    /// pgcopydb's closing summary (its steps, their durations and concurrency, from "Step" to "Total Wall Clock
    /// Duration"), for the log: where its time went.
    /// </summary>
    public static IEnumerable<string> PgCopyDbSummary(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = output.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith("Step ", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, Math.Max(start, 0), l => l.Contains("Total Wall Clock Duration", StringComparison.Ordinal));
        return start < 0 || end < 0 ? [] : lines[start..(end + 1)].Where(l => !l.TrimStart().StartsWith("---", StringComparison.Ordinal));
    }

    private static string CreateDatabase(BenchLab lab, string database) =>
        $"{lab.Server.BinDirectory}/psql {lab.ClientFlags} -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE {database}'";

    // A libpq URI without a password (that comes from PGPASSWORD), to the private server on loopback only.
    private static string Uri(BenchLab lab, string database)
    {
        if (!System.Net.IPAddress.TryParse(lab.Server.Host, out var address) || !System.Net.IPAddress.IsLoopback(address))
        {
            throw new InvalidOperationException($"the bench points pgcopydb only at its private server on loopback, not at {lab.Server.Host}");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"postgres://{System.Uri.EscapeDataString(lab.Server.SuperUser)}@{lab.Server.Host}:{lab.Server.Port}/{database}?sslmode=disable");
    }
}
