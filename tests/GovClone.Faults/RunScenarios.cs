using GovClone.Configuration;
using GovClone.Tests.Support;

namespace GovClone.Faults;

/// <summary>Concurrent runs, secrets in argv and output, drift, and teardown, through the real CLI.</summary>
public static class RunScenarios
{
    public static async Task ConcurrencyAsync(FaultLab lab, FaultReport report, int rounds, Action<string> log)
    {
        for (var i = 0; i < rounds; i++)
        {
            // Two ups into nothing: one clones, the other waits for the lock and then copies nothing.
            await lab.RunCliAsync(["drop", "--yes"]);
            var both = await Task.WhenAll(lab.RunCliAsync(["up"]), lab.RunCliAsync(["up"]));
            var cloned = both.Count(r => r.Stdout.Contains("cloned directus", StringComparison.Ordinal));
            var ok = both.All(r => r.ExitCode == 0) && cloned == 1 && (await lab.RunCliAsync(["verify"])).ExitCode == 0;
            await RecordAsync(lab, report, "concurrent: up + up", ok, log, $"exits {both[0].ExitCode}/{both[1].ExitCode}, cloned {cloned}x");

            // up (re-clone) and drop at once: serialized; the end is a complete clone or none, never half.
            var reclone = lab.RunCliAsync(["up", "--clone-generation", (i + 2).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await Task.Delay(300);
            var drop = lab.RunCliAsync(["drop", "--yes"]);
            var pair = await Task.WhenAll(reclone, drop);
            var state = await lab.CloneStateAsync();
            var half = state.Exists && !state.Complete;
            ok = pair.All(r => r.ExitCode == 0) && !half;
            await RecordAsync(lab, report, "concurrent: up + drop", ok, log, $"exits {pair[0].ExitCode}/{pair[1].ExitCode}, exists={state.Exists} complete={state.Complete}", half);

            // A run that cannot get the lock in time fails with a message, and changes nothing.
            await lab.RunCliAsync(["up"]);
            var phase3 = new TaskCompletionSource();
            // The plain dump way: long enough to be waited on (a template re-clone could end within the timeout).
            using var holder = lab.StartCli(["clone", "--force", "--yes", "--clone-method", "dump"]);
            var holderRun = FaultLab.CollectAsync(holder, line =>
            {
                if (line.Contains("clone 2/4", StringComparison.Ordinal)) // the dump way's copy step
                {
                    phase3.TrySetResult();
                }
            });
            await Task.WhenAny(phase3.Task, holderRun);
            var impatient = await lab.RunCliAsync(["drop", "--yes", "--lock-timeout-seconds", "1"]);
            var first = await holderRun;
            state = await lab.CloneStateAsync();
            ok = first.ExitCode == 0 && impatient.ExitCode == 1 && impatient.Output.Contains("holds the lock", StringComparison.Ordinal) && state.Complete;
            await RecordAsync(lab, report, "concurrent: lock timeout", ok, log, $"holder exit {first.ExitCode}, waiter exit {impatient.ExitCode}, complete={state.Complete}");
            await lab.RunCliAsync(["up"]);
        }
    }

    public static async Task SecretsAsync(FaultLab lab, FaultReport report, string standIns, Action<string> log)
    {
        var standInLog = Path.Combine(lab.WorkDirectory, "stand-in-argv.log");
        // Every psql/pg_dump/… of these runs (here, or "in the container" behind the stand-ins) goes through a shim that
        // logs its argv to the stand-ins' log: the watch reads every command line, not a sample.
        var shims = ArgvWatch.WriteToolShims(lab.Server.BinDirectory, Path.Combine(lab.WorkDirectory, "tool-shims"), standInLog);
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = standIns + ":" + shims + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["GOVCLONE_STANDIN_LOG"] = standInLog,
            // "Inside the container" the stand-in docker points libpq at the lab's server.
            ["GOVCLONE_STANDIN_PGHOST"] = lab.Server.Host,
            ["GOVCLONE_STANDIN_PGPORT"] = lab.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GOVCLONE_STANDIN_PGBIN"] = shims,
        };
        foreach (var transport in new[] { "local", "docker", "ssh" })
        {
            string[] t = transport switch
            {
                "ssh" => ["--transport", "ssh", "--ssh-host", "contabo"],
                "docker" => ["--transport", "docker"],
                // Locally govclone runs the tools from govclone:pgBinDir (the lab's server's), not PATH: the shims then.
                _ => ["-c", "pgBinDir=" + shims],
            };
            var outputs = new List<CliRun>();
            int leaks;
            IReadOnlyCollection<string> seen;
            await using (var watch = new ArgvWatch(standInLog, lab.Password))
            {
                // From the source (streams): pg_dump and psql must run, and be in the log.
                outputs.Add(await lab.RunCliAsync(["clone", "--force", "--yes", "--clone-method", "streams", .. t], env));
                outputs.Add(await lab.RunCliAsync(["up", .. t], env));
                outputs.Add(await lab.RunCliAsync(["status", "--json", .. t], env));
                outputs.Add(await lab.RunCliAsync(["decide", "--markdown", .. t], env));
                outputs.Add(await lab.RunCliAsync(["verify", "--json", .. t], env));
                outputs.Add(await lab.RunCliAsync(["up", "--port", "1", .. t], env)); // an error path, too
                leaks = watch.Leaks.Count;
                seen = watch.ProgramsSeen;
                foreach (var leak in watch.Leaks)
                {
                    report.Problem($"password in argv ({transport}): {leak}");
                }
            }

            var inOutput = outputs.Count(o => o.Output.Contains(lab.Password, StringComparison.Ordinal));
            var inStandInLog = File.Exists(standInLog) && File.ReadAllText(standInLog).Contains(lab.Password, StringComparison.Ordinal) ? 1 : 0;
            var sawChildren = seen.Contains("pg_dump") && seen.Contains("psql");
            var ok = outputs.Take(5).All(o => o.ExitCode == 0) && sawChildren;
            report.Add($"secrets: {transport}", secrets: leaks + inOutput + inStandInLog, failed: !ok);
            log($"secrets ({transport}): argv leaks {leaks}, outputs with the password {inOutput}, stand-in log {inStandInLog}; argv log has pg_dump+psql: {sawChildren}; exits {string.Join('/', outputs.Select(o => o.ExitCode))}");
            if (!ok)
            {
                report.Problem($"secrets ({transport}): a lever failed: " + string.Join(" / ", outputs.Where(o => o.ExitCode != 0).Select(o => o.Stderr.Trim())));
            }

            await report.CheckProductionAsync(lab, $"secrets: {transport}");
        }
    }

    public static async Task DriftAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        await lab.RunCliAsync(["up"]);
        await using (var conn = await lab.OpenAsync(FaultLab.Clone))
        {
            await using var cmd = new Npgsql.NpgsqlCommand("DELETE FROM governance_candidate_object WHERE ctid = (SELECT min(ctid) FROM governance_candidate_object)", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var drifted = await lab.RunCliAsync(["verify"]);
        var caught = drifted.ExitCode == 1 && drifted.Output.Contains("cand_object", StringComparison.Ordinal)
            && drifted.Output.Contains("34", StringComparison.Ordinal) && drifted.Output.Contains("35", StringComparison.Ordinal);
        var reset = await lab.RunCliAsync(["reset", "--yes"]);
        var baseline = await lab.RunCliAsync(["verify", "--profile", "baseline"]);
        var seed = await lab.RunCliAsync(["seed"]);
        var back = await lab.RunCliAsync(["verify"]);
        var ok = caught && reset.ExitCode == 0 && baseline.ExitCode == 0 && seed.ExitCode == 0 && back.ExitCode == 0;
        await RecordAsync(lab, report, "drift: verify, reset, seed", ok, log,
            $"verify exit {drifted.ExitCode} (have 34 / want 35 shown: {caught}), reset {reset.ExitCode}, baseline {baseline.ExitCode}, seed {seed.ExitCode}, verify {back.ExitCode}");
    }

    public static async Task TeardownAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        await lab.RunCliAsync(["up"]);
        // An open session on the clone (someone's psql): drop forces it off.
        using var session = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path.Combine(lab.Server.BinDirectory, "psql"))
        {
            ArgumentList = { "-h", lab.Server.Host, "-p", lab.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", lab.Server.SuperUser, "-d", FaultLab.Clone, "-c", "SELECT pg_sleep(120)" },
            Environment = { ["PGPASSWORD"] = lab.Password },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        await Task.Delay(500);
        var drop = await lab.RunCliAsync(["drop", "--yes"]);
        var gone = !(await lab.CloneStateAsync()).Exists && !(await lab.TemplateStateAsync()).Exists;
        var again = await lab.RunCliAsync(["drop", "--yes"]);
        var refused = await lab.RunCliAsync(["drop", "--yes", "--clone-database", "directus"]);
        var ok = drop.ExitCode == 0 && gone && again.ExitCode == 0 && refused.ExitCode == 2;
        await RecordAsync(lab, report, "teardown: forced drop (clone and template), idempotent, guarded", ok, log,
            $"drop with a session {drop.ExitCode} (gone: {gone}), second drop {again.ExitCode}, drop of the source {refused.ExitCode}");
        if (!session.HasExited)
        {
            session.Kill();
        }

        await lab.RunCliAsync(["up"]);
    }

    private static async Task RecordAsync(FaultLab lab, FaultReport report, string name, bool ok, Action<string> log, string detail, bool half = false)
    {
        report.Add(name, half: half ? 1 : 0, failed: !ok);
        await report.CheckProductionAsync(lab, name);
        log($"{name}: {(ok ? "ok" : "FAILED")} ({detail})");
        if (!ok)
        {
            report.Problem($"{name}: {detail}");
        }
    }

    /// <summary>The repo's transport stand-ins (docker, ssh that run locally what they receive).</summary>
    public static string StandInsDirectory() =>
        Path.Combine(SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory), "tests", "GovClone.Tests", "stand-ins");
}
