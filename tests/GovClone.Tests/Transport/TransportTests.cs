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
            // A person runs these lines with their password in PGPASSWORD (forwarded by name; govclone's own runs send it on stdin).
            var env = new Dictionary<string, string?>(new ServerTransport(settings).Environment()) { ["PGPASSWORD"] = settings.Password!.Reveal() };
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
        await Leftovers.CreateMissingCompanionsAsync(Pg, Clone); // as interrupted runs leave them (the clone made its ready spare already)
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{bystander}\"");

        try
        {
            var drop = await Run("drop");
            Assert.True(drop.Succeeded, drop.StandardError);
            foreach (var db in settings.CloneFamily())
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
        var docker = new ServerTransport(For("docker"));
        Assert.Equal("docker exec -i -e PGAPPNAME -e PGPASSWORD postgres bash -s", docker.BashCommandLine);
        Assert.StartsWith("cat sql/A_coverage_regression_suite_clone.sql | ssh -o BatchMode=yes -o SendEnv=PGPASSWORD contabo 'docker exec -i -e PGAPPNAME -e PGPASSWORD postgres psql -U workflow_admin -X -v ON_ERROR_STOP=1 -d " + Clone,
            ssh.HumanPsqlFile("sql/A_coverage_regression_suite_clone.sql", Clone), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ssh_private_key_reaches_ssh_as_a_0600_file_removed_after_and_never_argv_or_output()
    {
        // A made-up key (not a real one): the test only follows where its text goes.
        var marker = "govclone-test-key-" + Guid.NewGuid().ToString("N");
        var key = $"-----BEGIN OPENSSH PRIVATE KEY-----\n{marker}\n-----END OPENSSH PRIVATE KEY-----";
        var settings = For("ssh") with { SshPrivateKey = new Secret(key) };
        var t = new ServerTransport(settings);
        Assert.True(t.UsesPrivateKey);

        var spec = t.BashScript("true");
        var file = Assert.Single(spec.SecretFiles);
        Assert.Equal(["-o", "BatchMode=yes", "-i", file.Path, "-o", "IdentitiesOnly=yes"], spec.Arguments.Take(6));
        Assert.DoesNotContain(marker, spec.Display, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, string.Join(' ', spec.Environment.Values), StringComparison.Ordinal);
        Assert.DoesNotContain(marker, settings.ToString(), StringComparison.Ordinal);
        // What a person types (the decision record's lines) uses their own ssh configuration: no temporary path.
        Assert.DoesNotContain("-i", t.Argv("bash", "-s"));
        Assert.False(File.Exists(file.Path), "the key file exists only while ssh runs");

        // While the run is alive, "at the server" (the stand-ins run it here) the file is there, 0600 in a 0700
        // folder, holding the key; it is gone afterwards.
        var expectedHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(key + "\n"))).ToLowerInvariant();
        var check = $"stat -c '%a' {ShellQuote.Word(file.Path)} {ShellQuote.Word(Path.GetDirectoryName(file.Path)!)}; sha256sum < {ShellQuote.Word(file.Path)} | cut -d' ' -f1\n";
        ProcessResult result;
        await using (var watch = Pg.WatchArgv(marker))
        {
            result = await ProcessRunner.RunAsync(spec with { StandardInput = "eval \"$(cat)\"\n" + check });
            Assert.Empty(watch.Leaks);
        }

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal(["600", "700", expectedHash], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(file.Path));
        Assert.False(Directory.Exists(Path.GetDirectoryName(file.Path)));
        Assert.Contains(file.Path, File.ReadAllText(Pg.StandInLog), StringComparison.Ordinal);
        Assert.DoesNotContain(marker, File.ReadAllText(Pg.StandInLog), StringComparison.Ordinal);

        // A whole lever over ssh with the key: converges, and the key is in no argv, output or log line.
        await using (var watch = Pg.WatchArgv(marker))
        {
            var up = await new CloneLifecycle(settings).UpAsync();
            Assert.True(up.Verify.Passed);
            Assert.Empty(watch.Leaks);
        }

        Assert.DoesNotContain(marker, File.ReadAllText(Pg.StandInLog), StringComparison.Ordinal);
        // No key file holds this test's key any more (other runs on the machine may have their own key files alive now).
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "govclone-*"), d => HoldsMarker(Path.Combine(d, "ssh-key"), marker));
    }

    private static bool HoldsMarker(string file, string marker)
    {
        try
        {
            return File.Exists(file) && File.ReadAllText(file).Contains(marker, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // removed (or its folder) between the listing and the read
        }
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
