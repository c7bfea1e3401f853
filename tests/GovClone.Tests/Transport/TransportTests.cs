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
        await using (var watch = new ArgvWatch(marker))
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
        await using (var watch = new ArgvWatch(marker))
        {
            var up = await new CloneLifecycle(settings).UpAsync();
            Assert.True(up.Verify.Passed);
            Assert.Empty(watch.Leaks);
        }

        Assert.DoesNotContain(marker, File.ReadAllText(Pg.StandInLog), StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "govclone-*"), d => File.Exists(Path.Combine(d, "ssh-key")));
    }

    [Fact]
    public void No_script_or_command_line_carries_the_password()
    {
        foreach (var transport in new[] { "local", "docker", "ssh" })
        {
            var settings = For(transport);
            var t = new ServerTransport(settings);
            Assert.DoesNotContain(Pg.Password, ServerScripts.Clone(settings, t), StringComparison.Ordinal);
            Assert.DoesNotContain(Pg.Password, t.BashScript("true").Display, StringComparison.Ordinal);
            Assert.All(LeverCommands.For(settings), l => Assert.DoesNotContain(Pg.Password, l.ByHand, StringComparison.Ordinal));
        }
    }
}
