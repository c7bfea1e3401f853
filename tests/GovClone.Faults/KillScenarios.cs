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

/// <summary>A point of a clone: a phase line the tool prints, or a measured point of the restore.</summary>
public sealed record KillPoint(string Name, KillTarget Target)
{
    public override string ToString() => $"{Target.ToString().ToLowerInvariant()} @ {Name}";
}

/// <summary>
/// Kills a real <c>govclone clone --force</c> at many points, then checks that nothing takes the result
/// for a complete clone (a marker on a clone whose tables differ from the source = a half clone) and that
/// one <c>govclone up</c> converges to the committed state.
/// </summary>
public static class KillScenarios
{
    public static readonly string[] Points =
    [
        "1/5 create", "2/5 unmark+wipe", "3/5 stream start", "copy 20%", "copy 50%", "copy 80%", "index build", "4/5 analyze", "5/5 mark",
    ];

    /// <summary>Which targets exist at which point (pg_dump only while the data streams; the server crash mid-restore).</summary>
    public static IEnumerable<KillPoint> AllPoints()
    {
        foreach (var p in Points)
        {
            yield return new KillPoint(p, KillTarget.Tool);
            yield return new KillPoint(p, KillTarget.Psql);
            if (p is "3/5 stream start" or "copy 20%" or "copy 50%" or "copy 80%")
            {
                yield return new KillPoint(p, KillTarget.PgDump);
            }

            if (p is "3/5 stream start" or "copy 20%" or "copy 50%" or "copy 80%" or "index build")
            {
                yield return new KillPoint(p, KillTarget.Server);
            }
        }
    }

    /// <summary>The bounded set CI runs: every target, twelve distinct points.</summary>
    public static IEnumerable<KillPoint> QuickPoints() =>
    [
        new("1/5 create", KillTarget.Tool), new("copy 50%", KillTarget.Tool), new("5/5 mark", KillTarget.Tool),
        new("2/5 unmark+wipe", KillTarget.Psql), new("copy 20%", KillTarget.Psql), new("copy 80%", KillTarget.Psql),
        new("index build", KillTarget.Psql), new("4/5 analyze", KillTarget.Psql),
        new("3/5 stream start", KillTarget.PgDump), new("copy 50%", KillTarget.PgDump),
        new("copy 20%", KillTarget.Server), new("index build", KillTarget.Server),
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
                // Half the runs re-clone over a complete clone (unmark path), half clone into nothing.
                if (random.Next(2) == 0)
                {
                    await lab.RunCliAsync(["drop"]);
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

                var up = await lab.RunCliAsync(["up"]);
                var converged = up.ExitCode == 0 && (await lab.RunCliAsync(["verify"])).ExitCode == 0;
                var name = "kill " + point;
                report.Add(name, kills: outcome.Killed ? 1 : 0, converged: outcome.Killed && converged ? 1 : 0, half: half ? 1 : 0, missed: outcome.Killed ? 0 : 1,
                    distinctPoint: outcome.Killed ? point.ToString() : null, failed: !converged);
                await report.CheckProductionAsync(lab, name);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"[{run}] {point,-34} {(outcome.Killed ? "killed" : "missed: " + outcome.Note),-40} complete-after-kill={state.Complete,-5} half={half,-5} converged={converged}"));
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
        using var tool = lab.StartCli(["clone", "--force"]);
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
            if (await ReachedAsync(lab, point.Name, Volatile.Read(ref phase), sourceBytes))
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

    private static async Task<bool> ReachedAsync(FaultLab lab, string point, string phase, long sourceBytes)
    {
        switch (point)
        {
            case "1/5 create": return phase.StartsWith("1/5", StringComparison.Ordinal);
            case "2/5 unmark+wipe": return phase.StartsWith("2/5", StringComparison.Ordinal);
            case "3/5 stream start": return phase.StartsWith("3/5", StringComparison.Ordinal);
            case "4/5 analyze": return phase.StartsWith("4/5", StringComparison.Ordinal);
            case "5/5 mark": return phase.StartsWith("5/5", StringComparison.Ordinal);
            case "index build":
                return phase.StartsWith("3/5", StringComparison.Ordinal)
                    && await lab.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_progress_create_index WHERE datname = '{FaultLab.Clone}'") > 0;
            default:
                var fraction = double.Parse(point["copy ".Length..].TrimEnd('%'), CultureInfo.InvariantCulture) / 100;
                return phase.StartsWith("3/5", StringComparison.Ordinal)
                    && await lab.ScalarAsync<long>("postgres", $"SELECT coalesce((SELECT pg_database_size(oid) FROM pg_database WHERE datname = '{FaultLab.Clone}'), 0)") >= fraction * sourceBytes;
        }
    }

    private static async Task<bool> KillAsync(FaultLab lab, Process tool, KillTarget target)
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
