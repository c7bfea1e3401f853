using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Tests.Support;
using GovClone.Transport;

namespace GovClone.Tests.Transport;

/// <summary>
/// The three transports end to end. local runs the real tools; docker and ssh run the generated
/// command lines through stand-in executables first on PATH that execute locally what they receive
/// (ssh through a real `bash -c`), so every layer of quoting is parsed for real.
/// </summary>
public class TransportTests : CloneTestBase
{
    public static TheoryData<string> Transports => new() { "local", "docker", "ssh" };

    private GovCloneSettings For(string transport) => Pg.Settings(Clone, new Dictionary<string, string?>
    {
        ["transport"] = transport,
        ["sshHost"] = transport == "ssh" ? "contabo" : null,
        ["pgBinDir"] = transport == "local" ? Pg.Server.BinDirectory : null,
    });

    private static string RepoRoot => SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory);

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Up_converges_through_each_transport(string transport)
    {
        var lifecycle = new CloneLifecycle(For(transport));
        var up = await lifecycle.UpAsync();
        Assert.True(up.Verify.Passed, string.Join("; ", up.Verify.Drift));
        Assert.Equal(2, up.Changes);
        Assert.Equal(0, (await lifecycle.UpAsync()).Changes);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_decision_records_by_hand_levers_run_as_printed(string transport)
    {
        var settings = For(transport);
        var levers = LeverCommands.For(settings).ToDictionary(l => l.Govclone);

        async Task<ProcessResult> Run(string commandLine)
        {
            var env = new ServerTransport(settings).Environment();
            return await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-c", "set -o pipefail; " + commandLine]) { WorkingDirectory = RepoRoot, Environment = env });
        }

        var reclone = await Run(levers["clone --force"].ByHand);
        Assert.True(reclone.Succeeded, reclone.StandardError);
        Assert.True(await Pg.DatabaseExistsAsync(Clone));

        // The suite by hand against the un-seeded (baseline) clone fails with drift, as it must ...
        var suite = await Run(levers["verify"].ByHand);
        Assert.Equal(3, suite.ExitCode);
        Assert.Contains("DRIFT", suite.StandardError, StringComparison.Ordinal);

        // ... and a clone made by hand carries no govclone marker, so up re-clones it to converge.
        var up = await new CloneLifecycle(settings).UpAsync();
        Assert.True(up.Verify.Passed);
        var suiteAfter = await Run(levers["verify"].ByHand);
        Assert.True(suiteAfter.Succeeded, suiteAfter.StandardError);

        var reset = await Run(levers["reset"].ByHand);
        Assert.True(reset.Succeeded, reset.StandardError);
        Assert.True((await new CloneLifecycle(settings).VerifyAsync(SeedProfile.Baseline)).Passed);

        var compact = await Run(levers["compact"].ByHand);
        Assert.True(compact.Succeeded, compact.StandardError);

        var drop = await Run(levers["drop"].ByHand);
        Assert.True(drop.Succeeded, drop.StandardError);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        var dropAgain = await Run(levers["drop"].ByHand);
        Assert.True(dropAgain.Succeeded, dropAgain.StandardError);
    }

    [Fact]
    public void Docker_and_ssh_command_lines_are_the_runbooks()
    {
        var ssh = new ServerTransport(For("ssh"));
        Assert.Equal("ssh -o BatchMode=yes -o SendEnv=PGPASSWORD contabo 'docker exec -i -e PGAPPNAME -e PGPASSWORD postgres bash -s'", ssh.BashCommandLine);
        Assert.Equal("docker exec -i -e PGAPPNAME -e PGPASSWORD postgres bash -s", ssh.RemoteBashCommandLine);
        var docker = new ServerTransport(For("docker"));
        Assert.Equal("docker exec -i -e PGAPPNAME -e PGPASSWORD postgres bash -s", docker.BashCommandLine);
        Assert.StartsWith("cat sql/A_coverage_regression_suite_clone.sql | ssh -o BatchMode=yes -o SendEnv=PGPASSWORD contabo 'docker exec -i -e PGAPPNAME -e PGPASSWORD postgres psql -U workflow_admin -X -v ON_ERROR_STOP=1 -d " + Clone,
            ssh.HumanPsqlFile("sql/A_coverage_regression_suite_clone.sql", Clone), StringComparison.Ordinal);
    }

    [Fact]
    public void No_script_or_command_line_carries_the_password()
    {
        foreach (var transport in new[] { "local", "docker", "ssh" })
        {
            var settings = For(transport);
            var t = new ServerTransport(settings);
            Assert.DoesNotContain(Pg.Password, GovClone.Engine.EngineScript.Clone(settings, t), StringComparison.Ordinal);
            Assert.DoesNotContain(Pg.Password, t.BashScript("true").Display, StringComparison.Ordinal);
            Assert.All(LeverCommands.For(settings), l => Assert.DoesNotContain(Pg.Password, l.ByHand, StringComparison.Ordinal));
        }
    }
}
