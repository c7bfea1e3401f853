using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GovClone.Faults;

/// <summary>What gets killed.</summary>
public enum KillTarget
{
    /// <summary>The govclone process itself (SIGKILL): its server-side script is orphaned.</summary>
    Tool,

    /// <summary>pg_dump, the source side of the stream (SIGKILL).</summary>
    PgDump,

    /// <summary>psql: the restore's, or the maintenance session's outside the restore (SIGKILL).</summary>
    Psql,

    /// <summary>The PostgreSQL server, stopped with <c>pg_ctl stop -m immediate</c> (a crash), then started again.</summary>
    Server,
}

/// <summary>A point of a clone made one way (govclone:cloneMethod): a phase line the tool prints, or a measured point of the copy.</summary>
public sealed record KillPoint(string Name, KillTarget Target, string Method = "dump")
{
    public override string ToString() => $"{Method}: {Target.ToString().ToLowerInvariant()} @ {Name}";
}

/// <summary>
/// Kills a real <c>govclone clone --force</c>, made each way (dump, streams, from the retained template), and a real
/// <c>govclone spare</c> (the ready spare's remake), at many points, then checks that nothing takes the result for a
/// complete clone (a marker on a clone, a template marker on a template, or a spare marker on a spare, whose tables
/// differ from the source = a half clone) and that one <c>govclone up</c> converges to the committed state. Every build
/// goes to <c>&lt;clone&gt;_next</c> and is swapped in by name: a kill before the swap leaves the old clone as it was.
/// </summary>
public static class KillScenarios
{
    /// <summary>
    /// The points of each way: "N/M …" is reached when the tool prints step N of M (the last step is the swap into the
    /// clone's name, with its mark); "spare copy" while the spare's CREATE DATABASE runs, "spare mark" once the copy is
    /// there and not yet marked.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> Points = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["dump"] = ["1/4 create", "2/4 stream start", "copy 20%", "copy 50%", "copy 80%", "index build", "3/4 analyze", "4/4 swap"],
        ["streams"] = ["1/7 create", "2/7 source reads", "3/7 schema", "4/7 streams start", "copy 20%", "copy 50%", "copy 80%", "4/7 index build", "5/7 post-data", "6/7 analyze", "7/7 swap", "template retain"],
        ["template"] = ["1/3 create", "2/3 file copy", "3/3 swap"],
        ["spare"] = ["spare copy", "spare mark"],
    };

    /// <summary>Which targets exist at which point (pg_dump only while the data streams; the server crash mid-copy).</summary>
    public static IEnumerable<KillPoint> AllPoints()
    {
        foreach (var (method, points) in Points)
        {
            foreach (var p in points)
            {
                yield return new KillPoint(p, KillTarget.Tool, method);
                if ((method != "template" || p != "2/3 file copy") && (method != "spare" || p != "spare copy"))
                {
                    yield return new KillPoint(p, KillTarget.Psql, method);
                }

                if (p is "2/4 stream start" or "4/7 streams start" or "copy 20%" or "copy 50%" or "copy 80%" or "2/7 source reads")
                {
                    yield return new KillPoint(p, KillTarget.PgDump, method);
                }

                if (p is "2/4 stream start" or "4/7 streams start" or "copy 20%" or "copy 50%" or "copy 80%" or "index build" or "4/7 index build" or "5/7 post-data"
                    or "2/3 file copy" or "template retain" or "spare copy")
                {
                    yield return new KillPoint(p, KillTarget.Server, method);
                }
            }
        }
    }

    /// <summary>
    /// The bounded set CI runs (scripts/faults --quick), twelve distinct points: every target (the tool, psql, pg_dump, the
    /// server) of the dump and the streams ways, the template's file copy killed and crashed, and the spare's remake
    /// crashed. The full run (no --quick) has every point of <see cref="Points"/>; what each kill asserts is the same.
    /// </summary>
    public static IEnumerable<KillPoint> QuickPoints() =>
    [
        new("copy 50%", KillTarget.Tool), new("copy 80%", KillTarget.Psql), new("2/4 stream start", KillTarget.PgDump), new("copy 20%", KillTarget.Server),
        new("5/7 post-data", KillTarget.Tool, "streams"), new("copy 20%", KillTarget.Psql, "streams"), new("copy 50%", KillTarget.PgDump, "streams"),
        new("4/7 index build", KillTarget.Server, "streams"), new("template retain", KillTarget.Tool, "streams"),
        new("2/3 file copy", KillTarget.Tool, "template"), new("2/3 file copy", KillTarget.Server, "template"),
        new("spare copy", KillTarget.Server, "spare"),
    ];

    public static async Task RunAsync(FaultLab lab, FaultReport report, IReadOnlyList<KillPoint> points, int iterations, Random random, Action<string> log)
    {
        var sourceBytes = await lab.ScalarAsync<long>("postgres", $"SELECT pg_database_size('{FaultLab.Source}')");
        var sourceCounts = await lab.TableCountsAsync(FaultLab.Source, exceptSeeded: true);
        var run = 0;
        for (var i = 0; i < iterations; i++)
        {
            foreach (var point in points.OrderBy(_ => random.Next()))
            {
                run++;
                if (point.Method is "template" or "spare")
                {
                    // A template re-clone, and a spare, need a current template: make one when a drop or kill took it.
                    if (!(await lab.TemplateStateAsync()).Current)
                    {
                        await lab.RunCliAsync(["clone", "--force", "--yes", "--clone-method", "streams", "--retain-template", "true"]);
                    }

                    if (point.Method == "spare")
                    {
                        // No spare, so the remake copies one (this waits for any remake a clone started in the background).
                        await lab.RunCliAsync(["spare", "--keep-spare", "false"]);
                    }
                }
                else if (random.Next(2) == 0)
                {
                    // Half the runs re-clone over a complete clone (unmark path), half clone into nothing.
                    await lab.RunCliAsync(["drop", "--yes"]);
                }

                var jitter = TimeSpan.FromMilliseconds(random.Next(0, 120));
                var outcome = await KillOnceAsync(lab, point, jitter, sourceBytes);
                await lab.SettleAsync(TimeSpan.FromSeconds(30));

                var state = await lab.CloneStateAsync();
                var half = false;
                if (state.Complete)
                {
                    // Complete is only honest if the data is the source's, table by table. (A kill before the
                    // unmark leaves the previous clone, seeded by the last `up`: its governance tables differ
                    // from the source by design and are the suite's to check, so they are left out here.)
                    half = await lab.TableCountsAsync(FaultLab.Clone, exceptSeeded: true) != sourceCounts;
                }

                var verify = await lab.RunCliAsync(["verify"]);
                if (!state.Complete && verify.ExitCode == 0)
                {
                    half = true; // verify took an incomplete clone for a good one
                }

                // A spare marked ready must be a whole copy of the source: swap it in (the default re-clone) and count.
                if ((await lab.SpareStateAsync()).Current)
                {
                    var fromSpare = await lab.RunCliAsync(["clone", "--force", "--yes"]);
                    if (fromSpare.ExitCode == 0 && await lab.TableCountsAsync(FaultLab.Clone) != await lab.TableCountsAsync(FaultLab.Source))
                    {
                        half = true;
                        log("    a ready spare whose tables differ from the source");
                    }
                }

                // A template marked current must be a whole copy of the source too: re-clone from it and count.
                if ((await lab.TemplateStateAsync()).Current)
                {
                    var fromTemplate = await lab.RunCliAsync(["clone", "--force", "--yes", "--clone-method", "template"]);
                    if (fromTemplate.ExitCode == 0 && await lab.TableCountsAsync(FaultLab.Clone) != await lab.TableCountsAsync(FaultLab.Source))
                    {
                        half = true;
                        log("    a current template whose tables differ from the source");
                    }
                }

                var up = await lab.RunCliAsync(["up"]);
                var converged = up.ExitCode == 0 && (await lab.RunCliAsync(["verify"])).ExitCode == 0;
                var name = "kill " + point;
                report.Add(name, kills: outcome.Killed ? 1 : 0, converged: outcome.Killed && converged ? 1 : 0, half: half ? 1 : 0, missed: outcome.Killed ? 0 : 1,
                    distinctPoint: outcome.Killed ? point.ToString() : null, failed: !converged);
                await report.CheckProductionAsync(lab, name);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"[{run}] {point,-44} {(outcome.Killed ? "killed" : "missed: " + outcome.Note),-40} complete-after-kill={state.Complete,-5} half={half,-5} converged={converged}{(state.Invalid ? " (left an invalid database: an interrupted DROP)" : string.Empty)}"));
                if (!converged)
                {
                    log("    up: " + up.Output.Trim().Replace("\n", "\n    ", StringComparison.Ordinal));
                }
            }
        }
    }

    private sealed record KillOutcome(bool Killed, string Note);

    private static async Task<KillOutcome> KillOnceAsync(FaultLab lab, KillPoint point, TimeSpan jitter, long sourceBytes)
    {
        var phase = "";
        using var tool = lab.StartCli(point.Method == "spare" ? ["spare"] : ["clone", "--force", "--yes", "--clone-method", point.Method]);
        var collect = FaultLab.CollectAsync(tool, line =>
        {
            if (line.StartsWith("govclone: clone ", StringComparison.Ordinal))
            {
                Volatile.Write(ref phase, line["govclone: clone ".Length..]);
            }
        });

        var deadline = Stopwatch.StartNew();
        while (!tool.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (await ReachedAsync(lab, point, Volatile.Read(ref phase), sourceBytes))
            {
                if (jitter > TimeSpan.Zero)
                {
                    await Task.Delay(jitter);
                }

                var killed = await KillAsync(lab, tool, point.Target);
                var run = await collect;
                if (point.Target == KillTarget.Server)
                {
                    await lab.Server.RestartAsync();
                }

                return new KillOutcome(killed, killed ? "" : $"no {point.Target} process at that moment (tool exit {run.ExitCode})");
            }

            await Task.Delay(5);
        }

        var done = await collect;
        return new KillOutcome(false, $"the clone ended (exit {done.ExitCode}) before the point");
    }

    internal static async Task<bool> ReachedAsync(FaultLab lab, KillPoint point, string phase, long sourceBytes)
    {
        var copyPhase = point.Method == "streams" ? "4/7" : "2/4";
        var next = FaultLab.Clone + "_next"; // every build goes there until its swap
        switch (point.Name)
        {
            case "spare copy":
                return await lab.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'govclone-spare' AND query LIKE 'CREATE DATABASE {FaultLab.Clone}_spare %'") > 0;
            case "spare mark":
                // Copied and marked building (spare_create.sql marks it at once), not yet marked ready.
                return await lab.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{FaultLab.Clone}_spare' AND coalesce(shobj_description(oid, 'pg_database'), '') NOT LIKE 'govclone:spare %'") > 0;
            case "template retain":
                return phase.StartsWith("complete", StringComparison.Ordinal); // printed after the mark, before the template copy
            // A streams clone builds its big tables' indexes in the lanes, while the other lane still copies.
            case "index build":
            case "4/7 index build":
                return phase.StartsWith(copyPhase, StringComparison.Ordinal)
                    && await lab.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_progress_create_index WHERE datname = '{next}'") > 0;
            case var name when name.StartsWith("copy ", StringComparison.Ordinal):
                var fraction = double.Parse(name["copy ".Length..].TrimEnd('%'), CultureInfo.InvariantCulture) / 100;
                return phase.StartsWith(copyPhase, StringComparison.Ordinal)
                    && await lab.ScalarAsync<long>("postgres", $"SELECT coalesce((SELECT pg_database_size(oid) FROM pg_database WHERE datname = '{next}'), 0)") >= fraction * sourceBytes;
            default:
                return phase.StartsWith(point.Name.Split(' ')[0], StringComparison.Ordinal);
        }
    }

    internal static async Task<bool> KillAsync(FaultLab lab, Process tool, KillTarget target)
    {
        switch (target)
        {
            case KillTarget.Tool:
                return !tool.HasExited && Signal(tool.Id); // a finished tool is not a kill
            case KillTarget.Server:
                await lab.Server.StopAsync("immediate");
                return true;
            default:
                var name = target == KillTarget.PgDump ? "pg_dump" : "psql";
                var candidates = ProcessTree.Descendants(tool.Id).Where(p => p.Comm == name).ToList();
                // The restore's psql (reading the stream) when there is one; else the step's own psql.
                var victim = candidates.FirstOrDefault(p => p.CommandLine.Contains("-o /dev/null", StringComparison.Ordinal)) ?? candidates.FirstOrDefault();
                return victim is not null && Signal(victim.Pid);
        }
    }

    private static bool Signal(int pid)
    {
        using var kill = Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }
}

/// <summary>Reads the process tree from /proc.</summary>
public static class ProcessTree
{
    public sealed record Proc(int Pid, int ParentPid, string Comm, string CommandLine);

    public static IReadOnlyList<Proc> Descendants(int root)
    {
        var all = new List<Proc>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var comm = stat[(stat.IndexOf('(') + 1)..close];
                var ppid = int.Parse(stat[(close + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                var cmd = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline"))).Replace('\0', ' ');
                all.Add(new Proc(pid, ppid, comm, cmd));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }

        var result = new List<Proc>();
        var frontier = new Queue<int>([root]);
        while (frontier.Count > 0)
        {
            var parent = frontier.Dequeue();
            foreach (var child in all.Where(p => p.ParentPid == parent))
            {
                result.Add(child);
                frontier.Enqueue(child.Pid);
            }
        }

        return result;
    }
}
