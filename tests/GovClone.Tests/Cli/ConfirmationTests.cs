using System.Diagnostics;
using System.Text;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Tests.Support;
using GovClone.Transport;

namespace GovClone.Tests.Cli;

/// <summary>
/// drop, reset and clone --force confirm like `pulumi destroy`: on a terminal they ask for the clone's name
/// (tested on a real pseudo-terminal through `script`); without one they need --yes and refuse with exit 2,
/// naming the flag, before touching anything; --dry-run prints the exact SQL or script and changes nothing.
/// </summary>
public class ConfirmationTests : CliTestBase
{
    /// <summary>Every database with its marker, and the clone's governance metrics: what "nothing changed" compares.</summary>
    private async Task<string> SnapshotAsync() =>
        await Pg.ScalarAsync("postgres", $"SELECT string_agg(datname || ':' || coalesce(shobj_description(oid, 'pg_database'), ''), ',' ORDER BY datname) FROM pg_database WHERE datname LIKE '{Clone}%'")
        + "|" + Evidence(await MetricsAsync());

    [Theory]
    [InlineData("drop")]
    [InlineData("reset")]
    [InlineData("clone --force")]
    [InlineData("seed --profile baseline")]
    [InlineData("seed --purge-foreign")]
    [InlineData("reset --purge-foreign")]
    public async Task Without_a_terminal_a_destructive_lever_needs_yes_and_changes_nothing(string lever)
    {
        Assert.Equal(0, (await RunAsync("up")).Exit);
        var before = await SnapshotAsync();

        var (exit, output, err) = await RunAsync(lever.Split(' '));
        Assert.Equal(2, exit);
        Assert.Contains("--yes: `govclone " + lever + "`", err, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", err, StringComparison.Ordinal);
        Assert.Empty(output);

        var json = await JsonAsync(lever);
        Assert.Equal((2, "refused", "--yes"), ((int)json["exitCode"]!, (string?)json["error"]!["kind"], (string?)json["error"]!["setting"]));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_real_process_whose_stdin_is_not_a_terminal_is_refused_too()
    {
        Assert.Equal(0, (await RunAsync("up")).Exit);
        var psi = LabKit.CliStartInfo(LabKit.FindCli("tests/GovClone.Tests"), CliRunner.RepoRoot, "", Pg.Password, ["drop", "--no-stack-file"], Env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
        psi.RedirectStandardInput = true;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("--yes", await err, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(Clone));
    }

    [Fact]
    public async Task Dry_runs_print_the_exact_sql_and_script_and_change_nothing()
    {
        Assert.Equal(0, (await RunAsync("up")).Exit);
        var before = await SnapshotAsync();

        var (exit, drop, err) = await RunAsync("drop", "--dry-run");
        Assert.True(exit == 0, err);
        foreach (var statement in CloneLifecycle.DropStatements(Settings))
        {
            Assert.Contains(statement, drop, StringComparison.Ordinal);
        }

        (exit, var reset, err) = await RunAsync("reset", "--dry-run");
        Assert.True(exit == 0, err);
        Assert.Contains(SqlScripts.Get(SqlScripts.ResetInPlace).TrimEnd(), reset, StringComparison.Ordinal);
        Assert.Contains($"SET govclone.expected_database = '{Clone}';", reset, StringComparison.Ordinal);

        (exit, var clone, err) = await RunAsync("clone", "--force", "--dry-run");
        Assert.True(exit == 0, err);
        var (_, script, _) = await RunAsync("script", "--force");
        Assert.Equal(GovClone.Engine.EngineScript.Clone(Settings with { Password = null }, new ServerTransport(Settings with { Password = null }), force: true), script);
        var lines = clone.Split('\n', 3);
        Assert.StartsWith("# govclone clone --dry-run: nothing was connected to or changed.", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("# at the server, through `", lines[1], StringComparison.Ordinal);
        Assert.Equal(script.TrimEnd(), lines[2].TrimEnd());

        var json = await JsonAsync("drop", "--dry-run");
        Assert.Equal((true, false), ((bool)json["dryRun"]!, (bool)json["changed"]!));
        Assert.Equal(CloneLifecycle.DropStatements(Settings), json["plan"]!.AsArray().Select(s => (string)s!["text"]!));

        Assert.Equal(before, await SnapshotAsync());
    }

    /// <summary>govclone on a pseudo-terminal (util-linux `script`), answering the prompt with <paramref name="keys"/>.</summary>
    private async Task<(int Exit, string Screen)> OnTerminalAsync(string keys, params string[] args)
    {
        var command = ShellQuote.Join(["dotnet", LabKit.FindCli("tests/GovClone.Tests"), .. args, "--no-stack-file"]);
        var psi = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = CliRunner.RepoRoot,
        };
        foreach (var a in new[] { "-q", "-e", "-c", command, "/dev/null" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SHELL"] = "/bin/sh";
        psi.Environment["TERM"] = "xterm";
        psi.Environment.Remove("PGPASSWORD");
        foreach (var (k, v) in Env)
        {
            psi.Environment[k] = v;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)); // a hang guard, not a timing assumption
        using var p = Process.Start(psi)!;
        var screen = new StringBuilder();
        var prompted = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[256];
            int n;
            while ((n = await p.StandardOutput.ReadAsync(buffer, timeout.Token)) > 0)
            {
                lock (screen)
                {
                    screen.Append(buffer, 0, n);
                    if (screen.ToString().Contains("to confirm:", StringComparison.Ordinal))
                    {
                        prompted.TrySetResult();
                    }
                }
            }

            prompted.TrySetResult();
        });
        try
        {
            await prompted.Task.WaitAsync(timeout.Token);
            await p.StandardInput.WriteAsync(keys);
            await p.StandardInput.FlushAsync();
            await p.WaitForExitAsync(timeout.Token);
            await reader;
        }
        catch (OperationCanceledException)
        {
            var processes = ProcessTree(p.Id); // before the kill: where each process waits, and its signal masks
            p.Kill(entireProcessTree: true);
            var stderr = await p.StandardError.ReadToEndAsync();
            lock (screen)
            {
                Assert.Fail($"govclone {string.Join(' ', args)} on a terminal did not end within the hang guard; its screen:\n{screen}\nstderr: {stderr}\nprocesses:\n{processes}");
            }
        }

        lock (screen)
        {
            // What a person reads: without the colour and cursor sequences.
            return (p.ExitCode, System.Text.RegularExpressions.Regex.Replace(screen.ToString(), @"\x1b(\[[0-9;?]*[A-Za-z]|[=>])", ""));
        }
    }

    /// <summary>For a hang's report: each process under <paramref name="root"/> with its state, wait channel and signal masks.</summary>
    private static string ProcessTree(int root)
    {
        var ps = new ProcessStartInfo("ps", ["-e", "-o", "pid=,ppid=,stat=,wchan:24=,pending=,blocked=,ignored=,caught=,args="]) { RedirectStandardOutput = true };
        using var run = Process.Start(ps)!;
        var rows = run.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length == 3).ToList();
        run.WaitForExit();
        var tree = new HashSet<string> { root.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        for (var grew = true; grew;)
        {
            grew = rows.Aggregate(false, (g, f) => tree.Contains(f[1]) ? tree.Add(f[0]) | g : g);
        }

        return "pid ppid stat wchan pending blocked ignored caught args\n" + string.Join('\n', rows.Where(f => tree.Contains(f[0])).Select(f => string.Join(' ', f)));
    }

    [Fact]
    public async Task On_a_terminal_drop_asks_for_the_clones_name_a_wrong_answer_aborts_and_the_right_one_drops()
    {
        Assert.Equal(0, (await RunAsync("up")).Exit);
        var before = await SnapshotAsync();

        var (exit, screen) = await OnTerminalAsync("directus\r", "drop");
        Assert.True(exit == 2, screen);
        Assert.Contains($"Type the clone's name ({Clone}) to confirm:", screen, StringComparison.Ordinal);
        Assert.Contains("'directus' is not the clone's name; drop cancelled, nothing was changed", screen, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());

        (exit, screen) = await OnTerminalAsync("\u0003", "reset");
        Assert.True(exit == 130, screen);
        // The prompt takes Ctrl-C as input (the terminal sends no SIGINT, which a test host started in the background
        // inherits ignored), so the process ends normally and its last line is on the screen.
        Assert.Contains("cancelled at the confirmation (Ctrl-C); nothing was changed", screen, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());

        (exit, screen) = await OnTerminalAsync(Clone + "\r", "drop");
        Assert.True(exit == 0, screen);
        Assert.Contains($"dropped {Clone}", screen, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
    }

    [Theory]
    [InlineData("seed --branch pr1 --profile baseline", "seed --profile baseline --branch")]
    [InlineData("seed --branch pr1 --purge-foreign", "seed --purge-foreign --branch")]
    [InlineData("reset --branch pr1", "reset --branch")]
    [InlineData("reset --branch pr1 --purge-foreign", "reset --purge-foreign --branch")]
    [InlineData("branch create pr1 --profile baseline", "branch create --profile baseline")]
    public async Task The_branch_levers_that_reset_or_purge_need_yes_before_any_connection(string lever, string named)
    {
        var before = await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{Clone}%'");
        var (exit, output, err) = await RunAsync(lever.Split(' '));
        Assert.True(exit == 2, err);
        Assert.Contains("--yes: `govclone " + named + "`", err, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", err, StringComparison.Ordinal);
        Assert.Empty(output);
        Assert.Equal(before, await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{Clone}%'"));
    }

    [Fact]
    public async Task Dry_runs_of_the_levers_that_discard_show_the_reset_and_the_purge()
    {
        var (exit, seed, err) = await RunAsync("seed", "--profile", "baseline", "--dry-run");
        Assert.True(exit == 0, err);
        Assert.Contains(SqlScripts.Get(SqlScripts.ResetInPlace).TrimEnd(), seed, StringComparison.Ordinal);
        (exit, var purge, err) = await RunAsync("reset", "--purge-foreign", "--dry-run");
        Assert.True(exit == 0, err);
        Assert.True(purge.IndexOf(SqlScripts.Get(SqlScripts.PurgeForeignRows).TrimEnd(), StringComparison.Ordinal) is var i && i >= 0
            && i < purge.IndexOf(SqlScripts.Get(SqlScripts.ResetInPlace).TrimEnd(), StringComparison.Ordinal), purge);
    }

    [Fact]
    public async Task On_a_terminal_seed_to_the_baseline_asks_for_the_clones_name()
    {
        Assert.Equal(0, (await RunAsync("up")).Exit);
        var before = await SnapshotAsync();
        var (exit, screen) = await OnTerminalAsync("nope\r", "seed", "--profile", "baseline");
        Assert.True(exit == 2, screen);
        Assert.Contains("resets the governance state", screen, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());

        (exit, screen) = await OnTerminalAsync(Clone + "\r", "seed", "--profile", "baseline");
        Assert.True(exit == 0, screen);
        Assert.True((await Lifecycle.VerifyAsync(GovClone.Configuration.SeedProfile.Baseline)).Passed);
    }
}
