using System.Diagnostics;
using System.Globalization;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Tests.Support;
using GovClone.Transport;

namespace GovClone.Tests.Transport;

/// <summary>One real sshd for the class (<see cref="SshServer"/>), its sessions seeing the test server as a container's socket would.</summary>
public sealed class SshFixture : IAsyncLifetime
{
    public SshServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var pg = await TestServer.GetAsync();
        var standIns = Path.Combine(AppContext.BaseDirectory, "stand-ins");
        Server = await SshServer.StartAsync(new Dictionary<string, string>
        {
            ["PATH"] = $"{standIns}:{pg.ToolShims}:/usr/local/bin:/usr/bin:/bin", // the shims log every tool's argv
            ["GOVCLONE_STANDIN_PGHOST"] = pg.Server.Host,
            ["GOVCLONE_STANDIN_PGPORT"] = pg.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["GOVCLONE_STANDIN_PGBIN"] = pg.ToolShims,
        });
        foreach (var (k, v) in Server.ClientEnvironment)
        {
            Environment.SetEnvironmentVariable(k, v); // read by the stand-in ssh for this host only (not contabo)
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The ssh transport over a real OpenSSH server on loopback (issue 21.8): only docker is a stand-in (it runs the command
/// as the container would). The password crosses on stdin, never in an environment ssh sends (ssh -v and a DEBUG3 sshd
/// print those), pgpass works over ssh (the password is looked up here), the password is scrubbed from what govclone
/// shows, and killing the ssh client or the server-side engine mid-clone leaves no half clone and nothing on production.
/// </summary>
public class RealSshTests(SshFixture ssh) : CloneTestBase, IClassFixture<SshFixture>
{
    private GovCloneSettings Over(string? method = null, bool password = true, string? pgpass = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["transport"] = "ssh",
            ["sshHost"] = ssh.Server.Host,
            ["sshPort"] = ssh.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["sshUser"] = ssh.Server.User,
            ["pgBinDir"] = null,
            ["cloneMethod"] = method,
            ["pgpassFile"] = pgpass,
        };
        return Pg.Settings(Clone, overrides, withPassword: password) with { SshPrivateKey = new Secret(ssh.Server.PrivateKey) };
    }

    private void AssertNoPasswordLogged()
    {
        var logs = ssh.Server.Logs();
        Assert.Contains("Accepted publickey", logs, StringComparison.Ordinal); // the runs really went through this sshd
        Assert.DoesNotContain(Pg.Password, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("PGPASSWORD", logs, StringComparison.Ordinal); // not sent as an environment variable at all
    }

    [Fact]
    public async Task Every_lever_runs_over_a_real_sshd_and_no_ssh_log_holds_the_password()
    {
        var settings = Over("streams") with { RetainTemplate = RetainTemplate.Yes };
        var lifecycle = new CloneLifecycle(settings);
        await using (var watch = Pg.WatchArgv(Pg.Password))
        {
            Assert.True((await lifecycle.UpAsync()).Verify.Passed);
            Assert.True((await lifecycle.VerifyAsync()).Passed);
            Assert.True((await lifecycle.ResetAsync()).Changed);
            Assert.True((await lifecycle.SeedAsync()).Changed);
            var dump = await new CloneLifecycle(settings with { CloneMethod = CloneMethod.Dump }).CloneAsync(force: true);
            Assert.Contains("by dump", dump.Summary, StringComparison.Ordinal);
            Assert.True(dump.Production is { Read: true, PgDumpRuns: 1 });
            Assert.True((await lifecycle.UpAsync()).Verify.Passed);
            var reclone = await lifecycle.CloneAsync(force: true); // the ready spare, or the template: made over ssh
            Assert.True(reclone.Changed);
            var branch = await new BranchLifecycle(settings).CreateAsync("ssh1", new BranchCreateOptions(SeedProfile.Committed, "tests", false));
            Assert.True(branch.Passed);
            Assert.True((await new BranchLifecycle(settings).DropAsync("ssh1")).Changed);
            Assert.True((await lifecycle.DropAsync()).Changed);
            Assert.Empty(watch.Leaks);
            Assert.Contains("ssh", watch.ProgramsSeen);
            Assert.Contains("pg_dump", watch.ProgramsSeen); // the tools the sshd's sessions ran are in the log too
        }

        AssertNoPasswordLogged();
    }

    [Fact]
    public async Task With_only_a_pgpass_file_the_password_is_looked_up_here_and_sent_on_stdin()
    {
        var pgpass = Path.Combine(Path.GetTempPath(), "govclone-pgpass-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(pgpass, $"# the tests' server\n{Pg.Server.Host}:{Pg.Server.Port.ToString(CultureInfo.InvariantCulture)}:*:{Pg.Server.SuperUser}:{Pg.Password.Replace(":", "\\:", StringComparison.Ordinal)}\n");
        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            var settings = Over("dump", password: false, pgpass: pgpass);
            Assert.Null(settings.Password);
            Assert.Equal(Pg.Password, new ServerTransport(settings).ServerPassword?.Reveal());
            var up = await new CloneLifecycle(settings).UpAsync();
            Assert.True(up.Verify.Passed);
            AssertNoPasswordLogged();
        }
        finally
        {
            File.Delete(pgpass);
        }
    }

    [Fact]
    public async Task What_the_server_side_prints_reaches_govclone_with_the_password_scrubbed()
    {
        var t = new ServerTransport(Over());
        var result = await ProcessRunner.RunAsync(t.BashScript("echo \"password is $PGPASSWORD\" >&2; echo \"out $PGPASSWORD\"; exit 3"));
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("password is ***", result.StandardError, StringComparison.Ordinal); // it did arrive, on stdin
        Assert.DoesNotContain(Pg.Password, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("SendEnv", t.RunCommandLine, StringComparison.Ordinal);
    }

    public static TheoryData<string> Victims => new() { "ssh client", "server-side engine" };

    [Theory]
    [MemberData(nameof(Victims))]
    public async Task Killing_the_ssh_client_or_the_server_side_engine_mid_clone_leaves_no_half_clone_and_the_next_run_converges(string victim)
    {
        var settings = Over("dump");
        Assert.True((await new CloneLifecycle(settings).UpAsync()).Verify.Passed);
        var marker = (await new CloneLifecycle(settings).StatusAsync()).State.Marker;
        var killed = 0;
        var lifecycle = new CloneLifecycle(settings, events: e =>
        {
            if (e is StepEvent { IsStart: true, Step: 2 } && Interlocked.Exchange(ref killed, 1) == 0)
            {
                var pid = victim == "ssh client" ? SshClientPid() : EngineShellPid();
                Process.GetProcessById(pid).Kill(); // SIGKILL
            }
        });
        await Assert.ThrowsAsync<OperationFailedException>(() => lifecycle.CloneAsync(force: true));
        Assert.Equal(1, killed);

        // Nothing of the engine is left at the server, and no session of it on production.
        await Eventually.HoldsAsync(() => !ssh.Server.SessionProcesses().Any(p => p.Argv.Contains("bash -s", StringComparison.Ordinal)),
            "engine processes are still running at the server");
        await Eventually.HoldsAsync(async () => (long)(await Pg.ScalarAsync("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'govclone-clone'"))! == 0,
            "engine sessions are still connected");
        // No half clone: the old clone is as it was, marked; the next run converges.
        Assert.Equal(marker, (await new CloneLifecycle(settings).StatusAsync()).State.Marker);
        Assert.True((await new CloneLifecycle(settings).CloneAsync(force: true)).Changed);
        Assert.True((await new CloneLifecycle(settings).UpAsync()).Verify.Passed);
        AssertNoPasswordLogged();
    }

    /// <summary>This process's ssh client to the test sshd.</summary>
    private int SshClientPid()
    {
        var port = "-p " + ssh.Server.Port.ToString(CultureInfo.InvariantCulture);
        foreach (var p in Process.GetProcessesByName("ssh"))
        {
            var argv = File.ReadAllText($"/proc/{p.Id}/cmdline").Replace('\0', ' ');
            if (argv.StartsWith("/usr/bin/ssh", StringComparison.Ordinal) && argv.Contains(port, StringComparison.Ordinal) && argv.Contains("bash -s", StringComparison.Ordinal))
            {
                return p.Id;
            }
        }

        throw new InvalidOperationException("no ssh client of the clone is running");
    }

    /// <summary>The engine's top shell at the server: the first <c>bash -s</c> of the sshd's sessions.</summary>
    private int EngineShellPid() =>
        ssh.Server.SessionProcesses().Where(p => p.Argv.StartsWith("bash -s", StringComparison.Ordinal)).Select(p => p.Pid).Min();
}
