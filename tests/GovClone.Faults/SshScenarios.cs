using System.Diagnostics;
using System.Globalization;
using GovClone.Tests.Support;

namespace GovClone.Faults;

/// <summary>
/// The ssh transport over a real OpenSSH server on loopback (<see cref="SshServer"/>; only docker is a stand-in): the
/// levers through it, and a clone killed mid-copy by killing the ssh client or the engine's shell at the server. After
/// each kill: no engine process left at the server, no session of it on production, no half clone, and one `up`
/// converges. Rows named "ssh: …"; the password must be in no ssh or sshd log (both at DEBUG3) and no output.
/// </summary>
public static class SshScenarios
{
    private static int _generation = 400;

    public static async Task RunAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        if (!SshServer.Available)
        {
            report.Add("ssh: a real sshd", failed: true);
            report.Problem("ssh: /usr/sbin/sshd is missing (scripts/install-prerequisites installs openssh-server)");
            return;
        }

        var standIns = RunScenarios.StandInsDirectory();
        await using var sshd = await SshServer.StartAsync(new Dictionary<string, string>
        {
            ["PATH"] = $"{standIns}:{lab.Server.BinDirectory}:/usr/local/bin:/usr/bin:/bin",
            ["GOVCLONE_STANDIN_PGHOST"] = lab.Server.Host,
            ["GOVCLONE_STANDIN_PGPORT"] = lab.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["GOVCLONE_STANDIN_PGBIN"] = lab.Server.BinDirectory,
        });
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = standIns + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["GOVCLONE_SSH_PRIVATE_KEY"] = sshd.PrivateKey,
        };
        foreach (var (k, v) in sshd.ClientEnvironment)
        {
            env[k] = v;
        }

        string[] over = ["-c", "transport=ssh", "-c", "sshHost=" + sshd.Host, "-c", "sshPort=" + sshd.Port.ToString(CultureInfo.InvariantCulture), "-c", "sshUser=" + sshd.User];
        await LeversAsync(lab, report, sshd, env, over, log);
        foreach (var victim in new[] { "ssh client", "server-side engine" })
        {
            await KillAsync(lab, report, sshd, env, over, victim, log);
        }

        await lab.RunCliAsync(["up"]);
    }

    private static string Gen() => Interlocked.Increment(ref _generation).ToString(CultureInfo.InvariantCulture);

    private static async Task LeversAsync(FaultLab lab, FaultReport report, SshServer sshd, Dictionary<string, string?> env, string[] over, Action<string> log)
    {
        const string name = "ssh: levers over a real sshd";
        var gen = Gen();
        string[][] levers =
        [
            ["up", "-c", "cloneGeneration=" + gen, "-c", "cloneMethod=streams", "-c", "retainTemplate=true"],
            ["verify", "-c", "cloneGeneration=" + gen],
            ["reset", "--yes", "-c", "cloneGeneration=" + gen],
            ["seed", "-c", "cloneGeneration=" + gen],
            ["clone", "--force", "--yes", "-c", "cloneGeneration=" + gen, "-c", "cloneMethod=dump", "-c", "retainTemplate=true"],
            ["up", "-c", "cloneGeneration=" + gen],
            ["branch", "create", "sshf", "-c", "cloneGeneration=" + gen],
            ["branch", "drop", "sshf", "--yes"],
            ["clone", "--force", "--yes", "-c", "cloneGeneration=" + gen],
            ["drop", "--yes"],
        ];
        var runs = new List<(string Lever, CliRun Run)>();
        foreach (var lever in levers)
        {
            await lab.SettleAsync(TimeSpan.FromMinutes(2)); // a background spare of the step before
            runs.Add((string.Join(' ', lever.Take(2)), await lab.RunCliAsync([.. lever, .. over], env)));
        }

        var failed = runs.Where(r => r.Run.ExitCode != 0).ToList();
        var leaks = (sshd.Logs().Contains(lab.Password, StringComparison.Ordinal) ? 1 : 0) + runs.Count(r => r.Run.Output.Contains(lab.Password, StringComparison.Ordinal));
        var viaSshd = sshd.Logs().Contains("Accepted publickey", StringComparison.Ordinal);
        var ok = failed.Count == 0 && viaSshd;
        report.Add(name, secrets: leaks, failed: !ok);
        log($"{name}: {(ok ? "ok" : "FAILED")} ({runs.Count} levers, {failed.Count} failed{(failed.Count > 0 ? ": " + string.Join("; ", failed.Select(f => f.Lever + " exit " + f.Run.ExitCode + " " + f.Run.Stderr.Trim())) : string.Empty)}; through the sshd: {viaSshd}; password in ssh/sshd logs or output: {leaks})");
        if (!ok)
        {
            report.Problem(name + ": " + string.Join(" / ", failed.Select(f => f.Lever + ": " + f.Run.Output.Trim())));
        }

        await lab.RunCliAsync(["up"]);
    }

    private static async Task KillAsync(FaultLab lab, FaultReport report, SshServer sshd, Dictionary<string, string?> env, string[] over, string victim, Action<string> log)
    {
        var name = $"ssh: kill the {victim} mid-clone";
        await lab.SettleAsync(TimeSpan.FromMinutes(2));
        var before = await lab.CloneStateAsync();
        var killed = 0;
        var run = await lab.RunCliAsync(["clone", "--force", "--yes", "-c", "cloneMethod=dump", .. over], env, onLine: line =>
        {
            if (line.Contains("clone 2/", StringComparison.Ordinal) && Interlocked.Exchange(ref killed, 1) == 0)
            {
                var targets = victim == "ssh client"
                    ? Process.GetProcessesByName("ssh").Select(p => p.Id).Where(pid => Argv(pid).Contains("-p " + sshd.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToList()
                    : sshd.SessionProcesses().Where(p => p.Argv.StartsWith("bash -s", StringComparison.Ordinal)).Select(p => p.Pid).Order().Take(1).ToList();
                foreach (var pid in targets)
                {
                    try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
                }

                killed = targets.Count > 0 ? 1 : 2;
            }
        });

        var clock = Stopwatch.StartNew();
        var clean = false;
        while (clock.Elapsed < TimeSpan.FromMinutes(1) && !(clean = !sshd.SessionProcesses().Any(p => p.Argv.StartsWith("bash -s", StringComparison.Ordinal))
                   && await lab.ScalarAsync<long>("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{FaultLab.Source}' AND application_name LIKE 'govclone%'") == 0))
        {
            await Task.Delay(100);
        }

        var after = await lab.CloneStateAsync();
        var half = after.Exists && after.Complete && after.Marker != before.Marker && await lab.TableCountsAsync(FaultLab.Clone, exceptSeeded: true) != await lab.TableCountsAsync(FaultLab.Source, exceptSeeded: true);
        var up = await lab.RunCliAsync(["up", .. over], env);
        var converged = up.ExitCode == 0 && (await lab.RunCliAsync(["verify"])).ExitCode == 0;
        var hit = killed == 1 && run.ExitCode != 0;
        report.Add(name, kills: hit ? 1 : 0, converged: hit && converged ? 1 : 0, half: half ? 1 : 0, missed: hit ? 0 : 1,
            secrets: sshd.Logs().Contains(lab.Password, StringComparison.Ordinal) ? 1 : 0, failed: !(clean && converged));
        log($"{name}: {(hit && clean && converged && !half ? "ok" : "FAILED or missed")} (killed: {killed == 1}, clone exit {run.ExitCode}; nothing left at the server or on production after {clock.Elapsed.TotalSeconds:0.0}s: {clean}; half: {half}; up over ssh converged: {converged})");
        if (!(clean && converged))
        {
            report.Problem($"{name}: clean {clean}, converged {converged}: {up.Output}");
        }
    }

    private static string Argv(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
