using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using GovClone.Cli;
using GovClone.Configuration;
using GovClone.Processes;
using GovClone.Tests.Branches;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;
using GovClone.Transport;

namespace GovClone.Tests.Cli;

/// <summary>
/// Every hint and by-hand line govclone prints is the stack's own, ready to paste, and is run here as printed: the
/// tunnel a status on an unreachable server suggests, the record's govclone, Pulumi and psql lines on a non-default
/// stack with a pgpass file, branch gc --dry-run's SQL; and the branch owner without $USER.
/// </summary>
public partial class PasteableLinesTests : BranchTestBase
{
    [GeneratedRegex("`(ssh -N -L [^`]+)`")]
    private static partial Regex TunnelHint();

    [Fact]
    public void The_nonprod_tunnel_is_the_stacks_own_port_and_host()
    {
        var nonprod = SettingsLoader.Load(new SettingsSources { StackName = "nonprod", SearchDirectory = InProcessCli.RepoRoot, Environment = new Dictionary<string, string>() });
        Assert.Equal("ssh -N -L 15432:localhost:5432 contabo", SshTunnel.Command(nonprod));
        Assert.Equal("ssh -N -L 15432:localhost:5432 -p 2222 -l deploy contabo", SshTunnel.Command(nonprod with { SshPort = 2222, SshUser = "deploy" }));
        Assert.Null(SshTunnel.Command(nonprod with { Host = "10.1.2.3" })); // no tunnel serves another host
        Assert.Null(SshTunnel.Command(nonprod with { Transport = TransportKind.Local }));
        Assert.Contains("`ssh -N -L 15432:localhost:5432 contabo`", SshTunnel.UnreachableFix(nonprod), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Govclones_own_ssh_runs_read_the_config_file_GOVCLONE_SSH_CONFIG_FILE_names_and_by_hand_lines_do_not()
    {
        var config = Path.GetTempFileName();
        try
        {
            var env = new Dictionary<string, string> { [SettingsLoader.SshConfigFileVariable] = config };
            var s = SettingsLoader.Load(new SettingsSources { StackName = "nonprod", SearchDirectory = InProcessCli.RepoRoot, Environment = env });
            Assert.Equal(config, s.SshConfigFile);
            var run = new ServerTransport(s).BashScript("true");
            Assert.Equal(("ssh", "-F", config), (run.FileName, run.Arguments[0], run.Arguments[1]));
            Assert.DoesNotContain("-F", new ServerTransport(s).Argv("psql")); // a person's line: their own ssh configuration
            Assert.DoesNotContain("-F", new ServerTransport(s with { Transport = TransportKind.Docker }).BashScript("true").Arguments);

            File.Delete(config);
            var missing = await CliRunner.RunAsync(env, "status", "--stack", "nonprod");
            Assert.Equal(2, missing.Exit);
            Assert.Contains($"{SettingsLoader.SshConfigFileVariable}: names '{config}', which does not exist", missing.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Status_on_an_unreachable_server_suggests_the_stacks_tunnel_and_that_line_pasted_makes_status_work()
    {
        var dir = Directory.CreateTempSubdirectory("govclone-tunnel-").FullName;
        Process? tunnel = null;
        try
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            // A stack behind ssh (its own stack file, as nonprod's), the tunnel's local end a free port nobody listens on yet.
            await File.WriteAllTextAsync(Path.Combine(dir, "Pulumi.yaml"), "name: govclone\nruntime: dotnet\n");
            StackFile.Write(Path.Combine(dir, "Pulumi.behindssh.yaml"), new Dictionary<string, string>
            {
                ["govclone:cloneDatabase"] = Clone,
                ["govclone:sourceDatabase"] = TestServer.Source,
                ["govclone:host"] = "127.0.0.1",
                ["govclone:port"] = port.ToString(CultureInfo.InvariantCulture),
                ["govclone:user"] = Pg.Server.SuperUser,
                ["govclone:sslMode"] = "disable",
                ["govclone:transport"] = "ssh",
                ["govclone:sshHost"] = "contabo",
            });
            var env = new Dictionary<string, string> { ["GOVCLONE_PASSWORD"] = Pg.Password };
            async Task<(int Exit, string Out, string Err)> Status()
            {
                var o = new StringWriter();
                var e = new StringWriter();
                var exit = await GovCloneCli.RunAsync(["status", "-s", "behindssh"], new CliHost(o, e, dir, env) { IsTerminal = false });
                return (exit, o.ToString(), e.ToString());
            }

            var unreachable = await Status();
            Assert.Equal(2, unreachable.Exit);
            var line = TunnelHint().Match(unreachable.Err).Groups[1].Value;
            Assert.Equal($"ssh -N -L {port}:localhost:5432 contabo", line);

            // Pasted as printed, with the person's own ssh configuration (~/.ssh/config names contabo): the stand-in ssh
            // checks it as ssh does and forwards the port to the server.
            var home = Path.Combine(dir, "home");
            var standIns = Path.Combine(InProcessCli.RepoRoot, "tests", "GovClone.Tests", "Workflows", "stand-ins");
            Directory.CreateDirectory(Path.Combine(home, ".ssh"));
            const string key = "-----BEGIN OPENSSH PRIVATE KEY-----\nperson\n-----END OPENSSH PRIVATE KEY-----";
            await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "config"), "Host contabo\n  HostName db.govclone.test\n  User me\n  IdentityFile ~/.ssh/id_ed25519\n");
            await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "known_hosts"), $"db.govclone.test {WorkflowLabHostKey}\n");
            await File.WriteAllTextAsync(Path.Combine(home, ".ssh", "id_ed25519"), key);
            File.SetUnixFileMode(Path.Combine(home, ".ssh", "id_ed25519"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var psi = new ProcessStartInfo("bash", ["-c", "exec " + line]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            psi.Environment["PATH"] = $"{standIns}:{Environment.GetEnvironmentVariable("PATH")}";
            psi.Environment["HOME"] = home;
            psi.Environment["GOVCLONE_STANDIN_TOOLS"] = StandInTools();
            psi.Environment["GOVCLONE_STANDIN_OWNER_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            psi.Environment["GOVCLONE_STANDIN_SSH_HOSTNAME"] = "db.govclone.test";
            psi.Environment["GOVCLONE_STANDIN_SSH_HOSTKEY"] = WorkflowLabHostKey;
            psi.Environment["GOVCLONE_STANDIN_SSH_KEY"] = key;
            tunnel = Process.Start(psi)!;
            await Eventually.HoldsAsync(async () =>
            {
                if (tunnel.HasExited)
                {
                    Assert.Fail("the pasted tunnel line exited: " + await tunnel.StandardError.ReadToEndAsync());
                }

                using var c = new TcpClient();
                try
                {
                    await c.ConnectAsync(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            }, $"the pasted line ({line}) opened no tunnel on {port}");

            var reachable = await Status();
            Assert.True(reachable.Exit == 0, reachable.Err);
            Assert.Contains(Clone, reachable.Out, StringComparison.Ordinal);
        }
        finally
        {
            if (tunnel is not null)
            {
                tunnel.Kill(entireProcessTree: true);
                await tunnel.WaitForExitAsync();
                tunnel.Dispose();
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private const string WorkflowLabHostKey = GovClone.Tests.Workflows.Runner.WorkflowLab.SshHostKey;

    private static string StandInTools()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        return Path.Combine(InProcessCli.RepoRoot, "tests", "GovClone.StandIns", "bin", configuration, "net10.0", "GovClone.StandIns.dll");
    }

    [Fact]
    public async Task Decide_markdown_on_another_stack_prints_lines_for_that_stack_and_they_run_as_printed_with_its_pgpass()
    {
        // A stack of its own with a pgpass file and no password in the environment: every line must carry both.
        var dir = Directory.CreateTempSubdirectory("govclone-stack-").FullName;
        try
        {
            var pgpass = Path.Combine(dir, "pgpass");
            await File.WriteAllTextAsync(pgpass, $"{Pg.Server.Host}:{Pg.Server.Port}:*:{Pg.Server.SuperUser}:{Pg.Password}\n");
            File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllTextAsync(Path.Combine(dir, "Pulumi.yaml"), "name: govclone\nruntime: dotnet\n");
            StackFile.Write(Path.Combine(dir, "Pulumi.review.yaml"), new Dictionary<string, string>
            {
                ["govclone:cloneDatabase"] = Clone,
                ["govclone:sourceDatabase"] = TestServer.Source,
                ["govclone:host"] = Pg.Server.Host,
                ["govclone:port"] = Pg.Server.Port.ToString(CultureInfo.InvariantCulture),
                ["govclone:user"] = Pg.Server.SuperUser,
                ["govclone:sslMode"] = "disable",
                ["govclone:transport"] = "local",
                ["govclone:pgBinDir"] = Pg.Server.BinDirectory,
                ["govclone:pgpassFile"] = pgpass,
                ["govclone:lockTimeoutSeconds"] = "600",
            });
            Directory.CreateSymbolicLink(Path.Combine(dir, "sql"), Path.Combine(InProcessCli.RepoRoot, "sql"));
            var shim = Path.Combine(dir, "govclone");
            await File.WriteAllTextAsync(shim, $"#!/bin/sh\nexec dotnet {ShellQuote.Word(DeploymentLab.BuiltCli())} \"$@\"\n");
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var o = new StringWriter();
            var e = new StringWriter();
            var exit = await GovCloneCli.RunAsync(["decide", "--markdown", "-s", "review"], new CliHost(o, e, dir, new Dictionary<string, string>()) { IsTerminal = false });
            Assert.True(exit == 0, e.ToString());
            var record = o.ToString();
            var lines = record.Split('\n');
            var govclone = lines.Where(l => l.StartsWith("./govclone ", StringComparison.Ordinal)).ToList();
            Assert.Equal(6, govclone.Count);
            Assert.All(govclone, l => Assert.EndsWith(" -s review", l, StringComparison.Ordinal));
            var pulumi = lines.Where(l => l.StartsWith("# Pulumi: pulumi ", StringComparison.Ordinal)).ToList();
            Assert.All(pulumi, l => Assert.Matches("pulumi (up|destroy --yes|config set) -s review", l));
            var byHand = lines.Where(l => l.StartsWith("# by hand: ", StringComparison.Ordinal)).Select(l => l["# by hand: ".Length..]).ToList();
            Assert.All(byHand, l => Assert.Contains("env PGPASSFILE=" + pgpass + " ", l, StringComparison.Ordinal));
            Assert.DoesNotContain(Pg.Password, record, StringComparison.Ordinal);

            // Run as printed, in a shell with no password: the govclone lines that change nothing, and the by-hand suite.
            var env = new Dictionary<string, string?> { ["PGPASSWORD"] = null, ["GOVCLONE_PASSWORD"] = null, ["GOVCLONE_STACK_FILE"] = null };
            Assert.Equal(0, (await new GovClone.Lifecycle.CloneLifecycle(Kept).UpAsync()).Verify.Passed ? 0 : 1);
            var verify = govclone.Single(l => l.StartsWith("./govclone verify ", StringComparison.Ordinal));
            var byHandSuite = byHand.Single(l => l.Contains("A_coverage_regression_suite_clone.sql", StringComparison.Ordinal));
            foreach (var line in new[] { verify, byHandSuite })
            {
                var r = await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-c", "set -o pipefail; " + line]) { WorkingDirectory = dir, Environment = env });
                Assert.True(r.Succeeded, $"{line}\n{r.StandardError}");
            }

            // The by-hand reset runs too, and leaves the baseline.
            var reset = byHand.Single(l => l.Contains("reset_in_place.sql", StringComparison.Ordinal));
            Assert.True((await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-c", "set -o pipefail; " + reset]) { WorkingDirectory = dir, Environment = env })).Succeeded);
            Assert.True((await new GovClone.Lifecycle.CloneLifecycle(Kept).VerifyAsync(SeedProfile.Baseline)).Passed);

            // The default stack's record keeps its plain lines.
            var plain = await InProcessCli.RunAsync(Pg, Clone, "decide", "--markdown");
            Assert.Contains("./govclone verify\n", plain.Out, StringComparison.Ordinal);
            Assert.Contains("# Pulumi: pulumi config set govclone:seedProfile baseline && pulumi up\n", plain.Out, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Branch_gc_dry_run_prints_the_exact_sql_and_running_it_drops_the_idle_branch()
    {
        await CreateAsync("idle1");
        await CreateAsync("busy1");
        await using var session = await Pg.OpenAsync(Clone + "_busy1"); // a session keeps a branch
        string output = string.Empty;
        await Eventually.HoldsAsync(async () =>
        {
            var r = await InProcessCli.RunAsync(Pg, Clone, "branch", "gc", "--older-than", "1s", "--dry-run");
            Assert.Equal(0, r.Exit);
            output = r.Out;
            return output.Contains("would drop 1 idle branch(es)", StringComparison.Ordinal);
        }, "idle1 never became idle for 1s");

        Assert.StartsWith("-- branch gc (dry run, nothing changed): would drop 1 idle branch(es) unused for 1s: idle1; kept 1 in use or recent", output, StringComparison.Ordinal);
        Assert.Contains($"DROP DATABASE IF EXISTS {Clone}_idle1;", output.Replace("\"", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(Clone + "_busy1", output, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(Clone + "_idle1")); // a dry run changes nothing

        var json = await InProcessCli.RunAsync(Pg, Clone, "branch", "gc", "--older-than", "1s", "--dry-run", "--json");
        var (result, _) = CliRunner.Ndjson(json.Out, "branch gc");
        Assert.Equal(2, result["plan"]!.AsArray().Count);

        // What it printed runs with psql -f as it is, and does what gc does.
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, output);
            var psql = await ProcessRunner.RunAsync(new ProcessSpec(Path.Combine(Pg.Server.BinDirectory, "psql"),
                ["-X", "-v", "ON_ERROR_STOP=1", "-h", Pg.Server.Host, "-p", Pg.Server.Port.ToString(CultureInfo.InvariantCulture), "-U", Pg.Server.SuperUser, "-d", "postgres", "-f", file])
            {
                Environment = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password },
            });
            Assert.True(psql.Succeeded, psql.StandardError);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.False(await Pg.DatabaseExistsAsync(Clone + "_idle1"));
        Assert.True(await Pg.DatabaseExistsAsync(Clone + "_busy1"));
    }

    [Fact]
    public async Task A_branch_without_owner_or_user_is_owned_by_the_os_account_else_a_clear_label()
    {
        Assert.Equal("alice", GovCloneCli.OwnerFrom("alice", "root"));
        Assert.Equal("root", GovCloneCli.OwnerFrom(null, "root"));
        Assert.Equal("root", GovCloneCli.OwnerFrom("not a label", "root"));
        Assert.Equal(GovCloneCli.UnknownOwner, GovCloneCli.OwnerFrom(null, string.Empty));
        Assert.Equal(GovCloneCli.UnknownOwner, GovCloneCli.OwnerFrom(null, "DOMAIN\\me"));

        // The CLI's environment has no USER (InProcessCli gives none): the marker carries the OS account.
        var created = await InProcessCli.RunAsync(Pg, Clone, "branch", "create", "mine", "--json");
        Assert.Equal(0, created.Exit);
        var list = CliRunner.Ndjson((await InProcessCli.RunAsync(Pg, Clone, "branch", "list", "--json")).Out, "branch list").Result;
        var expected = GovClone.Branches.BranchMarker.IsOwnerLabel(Environment.UserName) ? Environment.UserName : GovCloneCli.UnknownOwner;
        Assert.Equal(expected, (string?)list["branches"]!.AsArray().Single()!["owner"]);
    }
}
