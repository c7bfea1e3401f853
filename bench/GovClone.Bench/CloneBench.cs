using System.Diagnostics;
using System.Globalization;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Bench;

/// <summary>
/// The measuring: at each size, every round runs each way once, in the same order (so drift of the machine
/// touches all ways alike), each after an untimed CHECKPOINT and sync. The first round checks every clone
/// against the source (row counts and checksums) and runs the regression suite on govclone's.
/// </summary>
public sealed class CloneBench(BenchLab lab, Ways ways, Action<string> log)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly int _jobs = lab.Settings.CloneJobs;
    private readonly string? _pgCopyDbMissing = Peers.PgCopyDbMissing();
    private bool _commandsLogged;

    /// <summary>What went wrong (a clone unlike its source, a failing suite, an unexpected result); any fails the bench.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>Grows the source to <paramref name="requestedBytes"/> and times every way there, <paramref name="rounds"/> times.</summary>
    public async Task<SizeRun> MeasureAsync(long requestedBytes, int rounds)
    {
        log($"size {Stats.SizeLabel(requestedBytes)}: padding the source");
        await lab.GrowSourceAsync(requestedBytes, log);
        var run = new SizeRun(requestedBytes, await lab.DatabaseSizeAsync(BenchLab.Source), ways);
        var loadAtStart = Stats.LoadAverage();
        var rows = await lab.ScalarAsync<long>(BenchLab.Source, "SELECT (SELECT count(*) FROM directus_activity) + (SELECT count(*) FROM directus_revisions)");
        log(string.Create(Inv, $"source {BenchLab.Source}: {run.SourceBytes / (1024 * 1024)} MB, {rows:N0} activity + revision rows; reading every table's row count and checksum"));
        var source = await lab.TableDigestsAsync(BenchLab.Source);
        run[ways.PgCopyDb].Skipped = _pgCopyDbMissing;
        LogCommandsOnce();
        for (var round = 1; round <= rounds; round++)
        {
            log($"size {run.Label}, round {round}/{rounds}");
            await RoundAsync(run, source, first: round == 1);
        }

        run.LoadAverage = $"{loadAtStart} at its start, {Stats.LoadAverage()} at its end";
        return run;
    }

    private async Task RoundAsync(SizeRun run, SortedDictionary<string, string> source, bool first)
    {
        await lab.SettleAsync();
        var plain = await lab.TimePlainAsync();
        Record(run, ways.Plain, plain.Seconds, plain.Cpu);

        await PeersAsync(run, source, first);

        await Cli(run, "drop", "--yes");
        await lab.SettleAsync();
        var streams = await Cli(run, "clone", "--clone-method", "streams", "--retain-template", "false");
        Expect(streams, "by streams");
        Record(run, ways.Streams, streams);
        if (first)
        {
            await CheckCloneAsync(run, ways.Streams, source);
        }

        // Issue 25.5: the same clone masked in the source query, right after the unmasked one (same round, same order).
        await MaskedAsync(run, ways.MaskedCredentials, "credentials", first);
        await MaskedAsync(run, ways.MaskedPersonal, "personal", first);

        await Cli(run, "drop", "--yes");
        await lab.SettleAsync();
        var withTemplate = await Cli(run, "clone", "--clone-method", "streams", "--retain-template", "true");
        Expect(withTemplate, "by streams");
        if (!await lab.DatabaseExistsAsync(lab.Settings.TemplateDatabase))
        {
            Failures.Add($"govclone {withTemplate.Command}: no retained template {lab.Settings.TemplateDatabase} afterwards:\n{withTemplate.Output}");
        }

        Record(run, ways.StreamsTemplate, withTemplate);

        await lab.SettleAsync();
        var fileCopy = await lab.TimeFileCopyAsync(lab.Settings.TemplateDatabase);
        Record(run, ways.FileCopy, fileCopy.Seconds, fileCopy.Cpu);

        await lab.SettleAsync();
        var reclone = await Cli(run, "clone", "--force", "--yes", "--keep-spare", "false");
        Expect(reclone, "by template");
        Record(run, ways.Template, reclone);
        if (first)
        {
            await CheckCloneAsync(run, ways.Template, source);
        }
        else
        {
            await Cli(run, "up");
        }

        await LeversAsync(run);

        // Issue 17: a branch (seed, suite), in one govclone branch create; dropped after. Issue 26.4: with the ready branch
        // spare made untimed before (as "re-clone ready" has the clone's spare), so the create renames it instead of
        // copying the template. --keep-spare false here and on the create (whose `govclone spare` in the background
        // inherits it): the clone's own spare is left for the remake measured below.
        await lab.SettleAsync();
        var branchSpare = await Cli(run, "spare", "--keep-spare", "false");
        Expect(branchSpare, $"branch spare: {lab.Settings.CloneDatabase}{GovClone.Guards.FamilyRules.BranchSpareSuffix} "); // made now, or ready already (the spare a clone started)
        await lab.SettleAsync();
        var branch = await Cli(run, "branch", "create", "bench", "--keep-spare", "false");
        Expect(branch, "ready: suite PASS");
        Expect(branch, "renamed the ready branch spare");
        Record(run, ways.Branch, branch);
        await lab.SettleAsync(); // the branch spare's remake the create started in the background
        await Cli(run, "branch", "drop", "bench", "--yes");

        // Issue 15.6, the spare: its remake (what clone --force starts in the background), measured on its own; then
        // "re-clone ready", from the start of clone --force to its ready event (a fresh, complete clone accepts
        // connections), next to the file-copy limit; and clone --force && seed, with the spare ready before each.
        await lab.SettleAsync();
        var remake = await Cli(run, "spare");
        Expect(remake, "made in");
        Record(run, ways.SpareRemake, remake);
        await lab.SettleAsync();
        var (ready, toReady) = await lab.RunCliUntilEventAsync("ready", "clone", "--force", "--yes", "--json");
        Expect(ready, "by spare");
        Record(run, ways.Ready, toReady, ready.Cpu, ready.PeakRssBytes);
        if (first)
        {
            await CheckCloneAsync(run, ways.Ready, source);
        }

        await lab.SettleAsync();
        await Cli(run, "spare");
        await lab.SettleAsync();
        var force = await Cli(run, "clone", "--force", "--yes");
        Expect(force, "by spare");
        var seed = await Cli(run, "seed");
        Record(run, ways.ForceSeed, force.Seconds + seed.Seconds, force.Cpu + seed.Cpu, Math.Max(force.PeakRssBytes, seed.PeakRssBytes));
        await lab.SettleAsync();

        await lab.SettleAsync();
        NpgsqlConnection.ClearAllPools(); // the bench's own sessions on the source would (rightly) block source-template
        var sourceTemplate = await Cli(run, "clone", "--force", "--yes", "--clone-method", "source-template");
        Expect(sourceTemplate, "by source-template");
        Record(run, ways.SourceTemplate, sourceTemplate);
        if (first)
        {
            await CheckCloneAsync(run, ways.SourceTemplate, source);
        }
    }

    /// <summary>
    /// A first clone by streams under <c>govclone:masking</c> <paramref name="profile"/> (the bench's stack file says
    /// none; -c overrides it for this run only). The first round checks that it holds none of the source's masked
    /// values (<see cref="BenchLab.MaskedValuesLeftAsync"/>) and that the seed and the suite pass on it.
    /// </summary>
    private async Task MaskedAsync(SizeRun run, Way way, string profile, bool first)
    {
        var masking = "masking=" + profile;
        await Cli(run, "drop", "--yes");
        await lab.SettleAsync();
        var clone = await Cli(run, "clone", "--clone-method", "streams", "--retain-template", "false", "-c", masking);
        Expect(clone, "by streams");
        Record(run, way, clone);
        if (!first)
        {
            return;
        }

        var left = await lab.MaskedValuesLeftAsync(profile);
        var production = left.Sum(c => c.Production);
        run[way].Equal = left.Count == 0
            ? "NO: no masked column found"
            : string.Create(Inv, $"masked: {left.Count} columns, {production} production values");
        if (left.Count == 0 || production > 0)
        {
            Failures.Add($"{way.Name} at {run.Label}: production values left in the masked clone: "
                + string.Join(", ", left.Where(c => c.Production > 0).Select(c => $"{c.Column} {c.Production}")));
        }

        var up = await lab.RunCliAsync("up", "-c", masking);
        var verify = await lab.RunCliAsync("verify", "-c", masking);
        run[way].Suite = up.Succeeded && verify.Succeeded ? "passes" : "FAILS";
        if (!up.Succeeded || !verify.Succeeded)
        {
            Failures.Add($"{way.Name} at {run.Label}: the regression suite fails on its masked clone:\n{up.Output}\n{verify.Output}");
        }

        log($"  {way.Name}: {run[way].Equal}; suite: {run[way].Suite}");
    }

    /// <summary>Each peer once, checked against the source in the first round, its database dropped after.</summary>
    private async Task PeersAsync(SizeRun run, SortedDictionary<string, string> source, bool first)
    {
        await lab.SettleAsync();
        var pgDump = await lab.TimePgDumpDirectoryAsync(_jobs);
        Record(run, ways.PgDump, pgDump.Seconds, pgDump.Cpu);
        await CheckPeerAsync(run, ways.PgDump, Peers.PgDumpDatabase, source, first);

        if (_pgCopyDbMissing is null)
        {
            await lab.SettleAsync();
            var pgCopyDb = await lab.TimePgCopyDbAsync(_jobs);
            Record(run, ways.PgCopyDb, pgCopyDb.Seconds, pgCopyDb.Cpu);
            if (first)
            {
                foreach (var line in Peers.PgCopyDbSummary(pgCopyDb.Output))
                {
                    log("    pgcopydb: " + line.TrimEnd());
                }
            }

            await CheckPeerAsync(run, ways.PgCopyDb, Peers.PgCopyDbDatabase, source, first);
        }
    }

    private async Task LeversAsync(SizeRun run)
    {
        var noop = await Cli(run, "up");
        Expect(noop, "nothing copied");
        run.Levers["noop up"].Add(noop.Seconds);
        run.Levers["reset"].Add((await Cli(run, "reset", "--yes")).Seconds);
        await Cli(run, "up");
        run.Levers["suite (verify)"].Add((await Cli(run, "verify")).Seconds);
    }

    /// <summary>One snapshot under a live writer: activity + revision pairs, streamed as separate tables.</summary>
    public async Task<string> ConsistencyUnderWriterAsync(SizeRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        await Cli(run, "drop", "--yes");
        var clock = Stopwatch.StartNew();
        TimedRun clone;
        long duringClone;
        (long Activity, long Revisions, long Orphans) counts;
        await using (var writer = await PairWriter.StartAsync(lab.Server.ConnectionString(BenchLab.Source), "bench_writer", warmup: 100))
        {
            clone = await Cli(run, "clone", "--clone-method", "streams", "--retain-template", "false");
            duringClone = writer.Written;
            await using var conn = await lab.OpenAsync(BenchLab.Clone);
            counts = await writer.CountAsync(conn);
        }

        var tps = duringClone / Math.Max(0.001, clock.Elapsed.TotalSeconds);
        var ok = clone.Output.Contains("by streams", StringComparison.Ordinal) && counts.Activity == counts.Revisions && counts.Orphans == 0
            && counts.Activity >= 100 && counts.Activity < duringClone;
        var line = string.Create(Inv, $"writer at ~{tps:0} tps wrote {duringClone:N0} pairs by the clone's end; the clone holds {counts.Activity:N0} activity and {counts.Revisions:N0} revision rows of them, {counts.Orphans} orphans: {(ok ? "consistent at one snapshot" : "INCONSISTENT")}");
        if (!ok)
        {
            Failures.Add("consistency under a writer: " + line);
        }

        return line;
    }

    /// <summary>The big tables' index builds as a lane runs them, in maintenance_work_mem and in the lane's sort memory, alternately.</summary>
    public async Task<SortProbe> SortMemoryAsync(int rounds)
    {
        var probe = new SortProbe(await lab.BigTableIndexesAsync());
        var capKb = lab.Settings.MaintenanceWorkMemInKilobytes();
        for (var round = 1; round <= rounds && probe.Indexes.Count > 0; round++)
        {
            foreach (var lane in new[] { false, true })
            {
                double seconds = 0, cpu = 0;
                foreach (var group in probe.Indexes.GroupBy(i => i.LaneKilobytes))
                {
                    var timed = await lab.TimeIndexBuildsAsync(group.Select(i => i.Definition), lane ? group.Key : capKb);
                    seconds += timed.Seconds;
                    cpu += timed.Cpu.Own;
                }

                (lane ? probe.Lane : probe.Cap).Seconds.Add(seconds);
                (lane ? probe.Lane : probe.Cap).Cpu.Add(cpu);
            }
        }

        return probe;
    }

    /// <summary>
    /// The copy path (docs/benchmark.md, "Hand measurements of 2026-12-08"): the source's largest table copied through
    /// the engine's two psql relays and through a server-side FIFO, alternately, <paramref name="rounds"/> times each,
    /// each after a settle; every copy must hold the source's row count.
    /// </summary>
    public async Task<CopyPathProbe> CopyPathAsync(int rounds)
    {
        var table = await lab.LargestTableAsync();
        var probe = new CopyPathProbe(table, await lab.ScalarAsync<long>(BenchLab.Source, $"SELECT count(*) FROM {table}"));
        await lab.PrepareCopyPathAsync(table);
        var fifo = false;
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var throughFifo in new[] { false, true })
                {
                    fifo = throughFifo;
                    await lab.SettleAsync();
                    var (seconds, cpu, rows) = await lab.TimeCopyPathAsync(table, fifo);
                    if (rows != probe.SourceRows)
                    {
                        Failures.Add(string.Create(Inv, $"copy path ({(fifo ? "FIFO" : "relays")}): {table} holds {rows} rows after the copy, the source {probe.SourceRows}"));
                    }

                    var stats = fifo ? probe.Fifo : probe.Relays;
                    stats.Seconds.Add(seconds);
                    stats.Cpu.Add(cpu.Own);
                    log(string.Create(Inv, $"  copy path, {(fifo ? "server-side FIFO" : "psql relays")}: {seconds:0.00} s, {cpu.Own:0.0} CPU-s (server {cpu.Server:0.0}, tools {cpu.Tools:0.0})"));
                }
            }
        }
        catch (InvalidOperationException ex) when (fifo && probe.Fifo.Seconds.Count == 0)
        {
            // The FIFO needs the server's account to open a file under /tmp (and a superuser); where it cannot, the
            // probe says so in one line, as the bench does for a peer it cannot install.
            probe.Skipped = ex.Message.ReplaceLineEndings(" ");
        }
        finally
        {
            await lab.DropDatabaseAsync(BenchLab.CopyPathTarget);
        }

        return probe;
    }

    private void LogCommandsOnce()
    {
        if (_commandsLogged)
        {
            return;
        }

        _commandsLogged = true;
        log("peer pg_dump -Fd, as timed (after CREATE DATABASE):");
        foreach (var command in Peers.PgDumpCommands(lab, _jobs, "DUMPDIR"))
        {
            log("    " + command);
        }

        if (_pgCopyDbMissing is null) // else the line under each size's table says why its row is skipped
        {
            log("peer pgcopydb, as timed (after CREATE DATABASE; PGCOPYDB_SOURCE_PGURI, PGCOPYDB_TARGET_PGURI and PGPASSWORD in its environment): " + Peers.PgCopyDbCommand(_jobs, "WORKDIR"));
        }
    }

    private async Task<TimedRun> Cli(SizeRun run, params string[] cliArgs)
    {
        var timed = await lab.RunCliAsync(cliArgs);
        run.PeakRssBytes = Math.Max(run.PeakRssBytes, timed.PeakRssBytes);
        if (!timed.Succeeded)
        {
            throw new InvalidOperationException($"govclone {timed.Command} failed (exit {timed.ExitCode}):\n{timed.Output}");
        }

        return timed;
    }

    private void Record(SizeRun run, Way way, TimedRun timed) => Record(run, way, timed.Seconds, timed.Cpu, timed.PeakRssBytes);

    private void Record(SizeRun run, Way way, double seconds, Cpu cpu, long peakRssBytes = 0)
    {
        var stats = run[way];
        stats.Seconds.Add(seconds);
        stats.Cpu.Add(cpu);
        stats.PeakRssBytes = Math.Max(stats.PeakRssBytes, peakRssBytes);
        log(string.Create(Inv, $"  {way.Name}: {seconds:0.00} s, {cpu.Own:0.0} CPU-s (server {cpu.Server:0.0}, tools {cpu.Tools:0.0}; others on the machine {cpu.Machine - cpu.Own:0.0})"));
    }

    private void Expect(TimedRun run, string text)
    {
        if (!run.Output.Contains(text, StringComparison.Ordinal))
        {
            Failures.Add($"govclone {run.Command}: expected '{text}' in its output:\n{run.Output}");
        }
    }

    /// <summary>A database against the source, table by table; records the verdict and adds a failure when they differ.</summary>
    private async Task<bool> CompareAsync(SizeRun run, Way way, string database, SortedDictionary<string, string> source)
    {
        var digests = await lab.TableDigestsAsync(database);
        var differ = source.Keys.Union(digests.Keys).Where(t => source.GetValueOrDefault(t) != digests.GetValueOrDefault(t)).ToList();
        run[way].Equal = differ.Count == 0 ? $"yes, {digests.Count} tables" : $"NO: {string.Join(", ", differ.Take(3))}";
        if (differ.Count > 0)
        {
            Failures.Add($"{way.Name} at {run.Label}: tables differ from the source: {string.Join(", ", differ)}");
        }

        return differ.Count == 0;
    }

    /// <summary>govclone's fresh clone against the source; then seeded and put through the regression suite.</summary>
    private async Task CheckCloneAsync(SizeRun run, Way way, SortedDictionary<string, string> source)
    {
        await CompareAsync(run, way, BenchLab.Clone, source);
        var up = await lab.RunCliAsync("up");
        var verify = await lab.RunCliAsync("verify");
        run[way].Suite = up.Succeeded && verify.Succeeded ? "passes" : "FAILS";
        if (!verify.Succeeded)
        {
            Failures.Add($"{way.Name} at {run.Label}: the regression suite fails on its clone:\n{up.Output}\n{verify.Output}");
        }

        log($"  {way.Name}: clone = source: {run[way].Equal}; suite: {run[way].Suite}");
    }

    /// <summary>A peer's copy against the source (first round only; the suite is govclone's and runs on its clone), then dropped.</summary>
    private async Task CheckPeerAsync(SizeRun run, Way way, string database, SortedDictionary<string, string> source, bool first)
    {
        if (first)
        {
            await CompareAsync(run, way, database, source);
            log($"  {way.Name}: copy = source: {run[way].Equal}");
        }

        await lab.DropDatabaseAsync(database);
    }
}
