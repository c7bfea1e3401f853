using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Guards;
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
    public async Task The_decision_records_by_hand_levers_run_as_printed_and_leave_what_govclones_own_leave(string transport)
    {
        var settings = For(transport) with { RetainTemplate = RetainTemplate.Yes };
        var lifecycle = new CloneLifecycle(settings);
        var levers = LeverCommands.For(settings).ToDictionary(l => l.Govclone);

        async Task<ProcessResult> Run(string lever)
        {
            var env = new ServerTransport(settings).Environment();
            return await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-c", "set -o pipefail; " + levers[lever].ByHand]) { WorkingDirectory = RepoRoot, Environment = env });
        }

        async Task AssertFreshCloneAsync(string how)
        {
            var status = await lifecycle.StatusAsync();
            Assert.True(status.State is { Exists: true, Complete: true }, $"{how}: {status.State}");
            Assert.Equal(settings.CloneGeneration, status.State.MarkerGeneration);
            Assert.True(status.State.ConnectRevokedFromPublic, $"{how}: the clone is open to PUBLIC");
            Assert.True(lifecycle.IsCurrent(status.State), how);
            Assert.True((await lifecycle.VerifyAsync(SeedProfile.Baseline)).Passed, $"{how}: not a fresh copy");
            // up takes it for the clone it is: nothing copied, only seeded.
            var up = await lifecycle.UpAsync();
            Assert.True(up.Verify.Passed);
            Assert.False(up.Steps.Single(x => x.Lever == "clone").Changed, $"{how}: up re-cloned it");
        }

        Assert.True((await lifecycle.UpAsync()).Verify.Passed);
        Assert.True((await lifecycle.StatusAsync()).Template.Current);

        // Re-clone from the retained template, by hand.
        var reclone = await Run("clone --force");
        Assert.True(reclone.Succeeded, reclone.StandardError);
        await AssertFreshCloneAsync("template re-clone by hand");
        Assert.True((await lifecycle.StatusAsync()).Template.Current, "the template is kept");

        var suite = await Run("verify");
        Assert.True(suite.Succeeded, suite.StandardError);
        var reset = await Run("reset");
        Assert.True(reset.Succeeded, reset.StandardError);
        Assert.True((await lifecycle.VerifyAsync(SeedProfile.Baseline)).Passed);
        var drifted = await Run("verify"); // the suite by hand fails on the baseline, as it must
        Assert.Equal(3, drifted.ExitCode);
        Assert.Contains("DRIFT", drifted.StandardError, StringComparison.Ordinal);
        var compact = await Run("compact");
        Assert.True(compact.Succeeded, compact.StandardError);

        // Re-clone from scratch, by hand: a fresh copy of production; the template of the older copy goes.
        var fresh = await Run("up");
        Assert.True(fresh.Succeeded, fresh.StandardError);
        Assert.False((await lifecycle.StatusAsync()).Template.Exists, "the stale template was left behind");
        await AssertFreshCloneAsync("re-clone from scratch by hand");

        // Without a current template the by-hand template re-clone refuses and changes nothing.
        var marker = (await lifecycle.StatusAsync()).State.Marker;
        var refused = await Run("clone --force");
        Assert.False(refused.Succeeded);
        Assert.Contains("is not a current template", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(marker, (await lifecycle.StatusAsync()).State.Marker);
        Assert.True((await lifecycle.VerifyAsync()).Passed);

        // Drop by hand: the clone, its template and every companion; nothing else.
        Assert.Contains("template: retained", (await lifecycle.CloneAsync(force: true)).Summary, StringComparison.Ordinal);
        var bystander = Clone + "_bystander";
        foreach (var db in CloneFamily.Companions(Clone).Append(bystander))
        {
            if (!await Pg.DatabaseExistsAsync(db)) // the clone made its ready spare already
            {
                await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{db}\"");
            }
        }

        try
        {
            var drop = await Run("drop");
            Assert.True(drop.Succeeded, drop.StandardError);
            foreach (var db in CloneFamily.All(settings))
            {
                Assert.False(await Pg.DatabaseExistsAsync(db), $"{db} is left after the drop by hand");
            }

            Assert.True(await Pg.DatabaseExistsAsync(bystander));
            var status = await lifecycle.StatusAsync();
            Assert.False(status.State.Exists);
            Assert.False(status.Template.Exists);
            Assert.Equal("No clone on the server, and no retained copy of it: nothing is spent.", status.Decision.Factors.Single(f => f.Factor == "Disk cost").Assessment);
            var dropAgain = await Run("drop");
            Assert.True(dropAgain.Succeeded, dropAgain.StandardError);
        }
        finally
        {
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{bystander}\"");
        }
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
