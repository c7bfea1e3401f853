using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GovClone.Cli;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Tests.Lifecycle;
using GovClone.Tests.Support;
using GovClone.Transport;

namespace GovClone.Tests.Engine;

/// <summary>
/// The clone engine as files (engine/*.sh, sql/engine/*.sql): the bundle is a header plus the files verbatim, it
/// runs by hand as documented, it passes shellcheck, and govclone reads only its events.
/// </summary>
public partial class EngineTests : CloneTestBase
{
    private static string Repo => SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory);

    [Fact]
    public async Task The_bundle_is_the_generated_header_then_every_engine_file_verbatim_and_no_value_outside_the_header()
    {
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["cloneMethod"] = "streams", ["hostFreeBytes"] = "12345" });
        var t = new ServerTransport(settings);
        var bundle = EngineScript.Clone(settings, t, force: true);
        var header = EngineScript.Header(settings, t, force: true);
        Assert.StartsWith(header, bundle, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(Repo, "engine"), "*.sh"))
        {
            Assert.Contains(File.ReadAllText(file), bundle, StringComparison.Ordinal);
        }

        // The SQL files are single-quoted words in govclone_sql: bash prints each one back byte for byte.
        var files = Directory.GetFiles(Path.Combine(Repo, "sql", "engine"), "*.sql").Order(StringComparer.Ordinal).ToArray();
        var start = bundle.IndexOf("\ngovclone_sql() {\n", StringComparison.Ordinal);
        Assert.True(start > 0, "the bundle defines govclone_sql");
        var end = bundle.IndexOf("\n  esac\n}\n", start, StringComparison.Ordinal);
        Assert.True(end > start, "govclone_sql's case ends in the bundle");
        var printed = await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-s"])
        {
            StandardInput = bundle[start..(end + 10)] + "for f in " + string.Join(' ', files.Select(Path.GetFileName)) + "; do govclone_sql \"$f\" || exit 1; printf '\\0'; done\n",
        });
        Assert.True(printed.Succeeded, printed.StandardError);
        Assert.Equal(files.Select(File.ReadAllText), printed.StandardOutput.Split('\0')[..^1]);

        // Parameters reach the files only through the header: no setting's value appears anywhere after it.
        var body = bundle[header.Length..];
        Assert.DoesNotContain(Clone, body, StringComparison.Ordinal);
        Assert.DoesNotContain("12345", body, StringComparison.Ordinal);
        Assert.Contains("readonly GOVCLONE_CLONE_DATABASE=" + Clone + "\n", header, StringComparison.Ordinal);
        Assert.Contains("readonly GOVCLONE_FORCE=true\n", header, StringComparison.Ordinal);
    }

    [Fact]
    public void The_header_quotes_every_value_and_sets_every_GOVCLONE_variable_the_engine_reads()
    {
        // A value no setting accepts, made by hand: the header still quotes it into one word.
        var settings = Pg.Settings(Clone) with { SourceDatabase = "prod db's $(x)" };
        var t = new ServerTransport(settings);
        Assert.Contains("readonly GOVCLONE_SOURCE_DATABASE='prod db'\"'\"'s $(x)'\n", EngineScript.Header(settings, t), StringComparison.Ordinal);

        // Every GOVCLONE_* a file reads is set by the header (so nothing leaks in from the caller's environment),
        // except the three that say how the files were loaded, and the lifeline, which the transport's stdin preamble
        // sets (ServerTransport.BashScript: only a run by govclone has one).
        var read = Directory.GetFiles(Path.Combine(Repo, "engine"), "*.sh")
            .SelectMany(f => GovcloneVariable().Matches(File.ReadAllText(f)).Select(m => m.Value))
            .Where(v => v is not ("GOVCLONE_ENGINE_DIR" or "GOVCLONE_SQL_DIR" or "GOVCLONE_LIFELINE"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(read);
        Assert.Empty(read.Except(EngineScript.ParameterNames(settings, t)));
    }

    [Fact]
    public async Task The_bundle_govclone_script_prints_is_what_runs_and_passes_shellcheck()
    {
        var env = new Dictionary<string, string>
        {
            ["GOVCLONE_HOST"] = Pg.Server.Host,
            ["GOVCLONE_PORT"] = Pg.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory,
            ["GOVCLONE_CLONE_DATABASE"] = Clone,
            ["GOVCLONE_USER"] = Pg.Server.SuperUser,
            ["GOVCLONE_SSL_MODE"] = "disable",
        };
        var stdout = new StringWriter();
        var exit = await GovCloneCli.RunAsync(["script", "--force"], new CliHost(stdout, new StringWriter(), Repo, env) { IsTerminal = false });
        Assert.Equal(0, exit);
        // The stack file's ssh transport, the flags and the environment, loaded as the CLI loads them.
        var settings = SettingsLoader.Load(new SettingsSources { StackName = "nonprod", SearchDirectory = Repo, Environment = env });
        Assert.Equal(TransportKind.Ssh, settings.Transport);
        Assert.Equal(EngineScript.Clone(settings, new ServerTransport(settings), force: true), stdout.ToString());

        var shellcheck = await ProcessRunner.RunAsync(new ProcessSpec("shellcheck", ["-s", "bash", "-"]) { StandardInput = stdout.ToString() });
        Assert.True(shellcheck.Succeeded, "shellcheck of the bundle (scripts/install-prerequisites installs it):\n" + shellcheck.StandardOutput + shellcheck.StandardError);
    }

    [Fact]
    public async Task The_engine_runs_by_hand_from_the_checkout_with_GOVCLONE_variables_and_reports_events()
    {
        // What engine/README.md documents: the same files, the parameters from the environment.
        var psi = new ProcessStartInfo("bash", ["engine/main.sh", "clone"])
        {
            WorkingDirectory = Repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("GOVCLONE_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(name);
        }

        psi.Environment["GOVCLONE_SOURCE_DATABASE"] = TestServer.Source;
        psi.Environment["GOVCLONE_CLONE_DATABASE"] = Clone;
        psi.Environment["GOVCLONE_RETAIN_TEMPLATE"] = "false";
        psi.Environment["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory;
        psi.Environment["GOVCLONE_HOST"] = Pg.Server.Host;
        psi.Environment["GOVCLONE_PORT"] = Pg.Server.Port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["GOVCLONE_USER"] = Pg.Server.SuperUser;
        psi.Environment["PGPASSWORD"] = Pg.Password;
        psi.Environment["PGSSLMODE"] = "disable";
        // The masking govclone would send (the default profile): the clone is then current for the lifecycle's settings.
        psi.Environment["GOVCLONE_MASKING"] = Settings.Masking.EngineText;
        psi.Environment["GOVCLONE_MASKING_ID"] = Settings.Masking.Identity;
        // The work folders: one of an engine whose process is gone (removed), one of a live process (kept).
        using var tmp = new FaultTests.TempDirectory();
        psi.Environment["TMPDIR"] = tmp.Path;
        var gonePid = Enumerable.Range(400_000, 1000).First(pid => !Directory.Exists($"/proc/{pid}"));
        var stale = Directory.CreateDirectory(Path.Combine(tmp.Path, $"govclone-clone.{gonePid}.AbC123")).FullName;
        var live = Directory.CreateDirectory(Path.Combine(tmp.Path, $"govclone-clone.{Environment.ProcessId}.XyZ789")).FullName;
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        var stdout = await stdoutTask;
        await p.WaitForExitAsync();

        Assert.True(p.ExitCode == 0, stderr);
        Assert.Equal([live], Directory.GetDirectories(tmp.Path)); // its own removed on exit, the stale one swept
        Assert.False(Directory.Exists(stale));
        var events = stdout.Split('\n').Select(EngineEvent.Parse).OfType<EngineEvent>().ToList();
        Assert.Equal("streams", events.OfType<MethodEvent>().Single().Method);
        Assert.Equal(7, events.OfType<StepEvent>().Count(s => s.IsStart));
        Assert.True(events.OfType<ChangedEvent>().Single().Changed);
        Assert.False(events.OfType<TemplateEvent>().Single().Kept);
        Assert.Equal(await SourceRowsAsync(), events.OfType<CopiedEvent>().Sum(c => c.Rows));
        var copy = events.OfType<StepEvent>().Single(s => !s.IsStart && s.StepName == "copy");
        Assert.Equal(events.OfType<CopiedEvent>().Sum(c => c.Rows), copy.Rows);
        Assert.True(copy.Bytes > 0, "the copy step reports the clone's size after it");

        // Issue 26.1: every event carries the engine's clock (ms, never going back), and each lane's jobs their spans.
        var lines = stdout.Split('\n').Where(l => l.StartsWith("govclone-event ", StringComparison.Ordinal)).Select(l => l["govclone-event ".Length..]).ToList();
        var stamped = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (Lane: e.TryGetProperty("lane", out var lane) ? lane.GetString()!.Split('.')[0] : "main", Ms: e.GetProperty("ms").GetInt64())).ToList();
        Assert.All(stamped, e => Assert.True(e.Ms >= 0));
        foreach (var lane in stamped.GroupBy(e => e.Lane))
        {
            // lanes write at once, so their lines interleave; within one lane (and the main line) time never goes back
            Assert.Equal(lane.Select(e => e.Ms).Order(), lane.Select(e => e.Ms));
        }

        Assert.Equal(stamped.Max(e => e.Ms), stamped[^1].Ms);
        var timeline = GovClone.Bench.CloneTimeline.FromEvents(lines.Select(l => (0.0, l)).ToList(), []);
        var copySpan = Assert.Single(timeline.Spans, s => s.Row == "steps" && s.Part == "copy");
        var jobs = timeline.Spans.Where(s => s.Row.StartsWith("lane ", StringComparison.Ordinal)).ToList();
        Assert.Equal(events.OfType<CopiedEvent>().Count(), jobs.Count(s => s.Part == "data"));
        Assert.Equal(jobs.Count(s => s.Part == "data"), jobs.Count(s => s.Part == "build"));
        Assert.All(jobs, s => Assert.True(s.Start <= s.End && s.Start >= copySpan.Start && s.End <= copySpan.End, $"{s} within {copySpan}"));
        Assert.Contains(timeline.Findings(), f => f.StartsWith("lane 0:", StringComparison.Ordinal));
        Assert.True((await Lifecycle.StatusAsync()).State.Complete, "marked with the marker govclone reads");
        Assert.True(Lifecycle.IsCurrent((await Lifecycle.StatusAsync()).State));
    }

    [Fact]
    public async Task The_last_progress_shows_the_rows_the_result_states_which_are_the_rows_copied()
    {
        var progress = new List<CloneProgress>();
        var lifecycle = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "false" }), new SyncProgress(progress.Add));
        var result = await lifecycle.CloneAsync();

        var rows = long.Parse(ResultRows().Match(result.Summary).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.Equal(await SourceRowsAsync(), rows); // exact: what the COPYs wrote
        Assert.Equal(rows, progress[^1].RowsCopied);
        Assert.All(progress, p => Assert.True(p.RowsCopied <= rows, $"a progress line showed {p.RowsCopied} rows of {rows}"));
    }

    [Fact]
    public async Task The_cli_prints_each_step_and_a_last_progress_line_with_the_results_rows()
    {
        var (exit, stdout, stderr) = await CliAsync("clone", "--retain-template", "false");
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Count(l => l.StartsWith("govclone: clone ", StringComparison.Ordinal) && l.Contains("/7: ", StringComparison.Ordinal)
            && !l.Contains(" written (", StringComparison.Ordinal))); // a step's line, not a periodic progress line
        Assert.Contains("govclone: clone complete", lines);
        var done = lines.Single(l => l.StartsWith("govclone: done: ", StringComparison.Ordinal));
        var result = lines.Single(l => l.StartsWith("clone: changed: ", StringComparison.Ordinal));
        var rows = ResultRows().Match(result).Groups[1].Value;
        Assert.Contains($", {rows} rows, ", done, StringComparison.Ordinal);
        Assert.DoesNotContain("govclone-event", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_exits_2_through_the_cli_and_prints_no_step_for_a_clone_never_made()
    {
        var (exit, stdout, stderr) = await CliAsync("clone", "--clone-method", "template");

        Assert.Equal(2, exit);
        Assert.Contains("govclone:cloneMethod", stderr, StringComparison.Ordinal);
        Assert.Contains("is not a current template", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("clone 1/", stdout, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
    }

    [Fact]
    public async Task A_run_whose_lock_is_gone_before_the_template_is_made_creates_no_template_and_up_drops_an_unmarked_one()
    {
        // The tool dies (its lock session ends) just as the engine goes to make the template: the holder check in
        // front of CREATE DATABASE stops it. A psql stand-in ends the lock session when the template's SQL comes.
        using var bin = new FaultTests.TempDirectory();
        await using var runLock = await RunLock.AcquireAsync(Lifecycle.Connections, Settings, "test", CancellationToken.None);
        var real = Pg.Server.BinDirectory;
        FaultTests.WriteTool(bin.Path, "psql", string.Create(CultureInfo.InvariantCulture, $$"""
            if [[ " $* " == *" -d postgres "* ]]; then
              input="$(cat)"
              if [[ "$input" == *"-- template_create.sql"* ]]; then
                {{real}}/psql -h {{Pg.Server.Host}} -p {{Pg.Server.Port}} -U {{Pg.Server.SuperUser}} -d postgres -X -q -c "SELECT pg_terminate_backend({{runLock.Holder.BackendPid}})" >/dev/null
              fi
              printf '%s\n' "$input" | {{real}}/psql "$@"
              exit $?
            fi
            exec {{real}}/psql "$@"
            """));
        FaultTests.WriteTool(bin.Path, "pg_dump", $"exec {real}/pg_dump \"$@\"");
        FaultTests.WriteTool(bin.Path, "pg_restore", $"exec {real}/pg_restore \"$@\"");
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["pgBinDir"] = bin.Path, ["retainTemplate"] = "true", ["cloneMethod"] = "dump" });
        var transport = new ServerTransport(settings);
        var result = await ProcessRunner.RunAsync(transport.BashScript(EngineScript.Clone(settings, transport, holder: runLock.Holder), EngineScript.CloneApplicationName));

        Assert.True(result.Succeeded, result.StandardError); // the clone was marked; a template is only a speed-up
        var template = result.StandardOutput.Split('\n').Select(EngineEvent.Parse).OfType<TemplateEvent>().Single();
        Assert.False(template.Kept);
        Assert.Contains(GovCloneErrorCodes.LockNotHeld, result.StandardError, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase), "no template was created after the lock was gone");

        // A template left marked building (as an interrupted retention leaves one: template_create.sql marks it at once) is
        // never current, and this family's leftover: up drops it. An unmarked one is nobody's: named, never dropped.
        var retaining = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true" }));
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{settings.TemplateDatabase}\" TEMPLATE \"{Clone}\"");
        var unmarked = await Assert.ThrowsAsync<GuardException>(() => retaining.UpAsync());
        Assert.Contains($"{settings.TemplateDatabase}, which would be the template of {Clone}, carries no govclone marker", unmarked.Message, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{settings.TemplateDatabase}\" IS 'govclone:building family={Clone} role=template at=2026-06-02T00:00:00Z'");
        Assert.False((await retaining.StatusAsync()).Template.Current);
        var up = await retaining.UpAsync();
        Assert.True(up.Verify.Passed);
        Assert.Contains(up.Steps, s => s.Lever == "template" && s.Changed && s.Summary.StartsWith("dropped " + settings.TemplateDatabase, StringComparison.Ordinal));
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
    }

    [Fact]
    public async Task A_failure_with_the_marker_intact_says_the_clone_is_untouched_and_ends_with_the_classified_cause()
    {
        await Lifecycle.CloneAsync();
        // A lost lock at the first write: the engine classifies it by its SQLSTATE (GC002), not by its text.
        LockHolder gone;
        await using (var runLock = await RunLock.AcquireAsync(Lifecycle.Connections, Settings, "test", CancellationToken.None))
        {
            gone = runLock.Holder;
        }

        var transport = new ServerTransport(Settings);
        var result = await ProcessRunner.RunAsync(transport.BashScript(EngineScript.Clone(Settings, transport, force: true, holder: gone), EngineScript.CloneApplicationName));
        Assert.Equal(1, result.ExitCode);
        var failure = result.StandardOutput.Split('\n').Select(EngineEvent.Parse).OfType<FailureEvent>().Single();
        Assert.Equal(FailureEvent.LostLock, failure.Class);
        Assert.Equal(GovCloneErrorCodes.LockNotHeld, failure.SqlState);

        // Through the lever: the schema transaction fails (injected), the earlier clone keeps its marker.
        using var bin = new FaultTests.TempDirectory();
        foreach (var tool in new[] { "pg_dump", "pg_restore" })
        {
            FaultTests.WriteTool(bin.Path, tool, $"exec {Pg.Server.BinDirectory}/{tool} \"$@\"");
        }

        FaultTests.WriteTool(bin.Path, "psql", $$"""
            for a in "$@"; do
              case "$a" in */pre-data.psql) sed -i 's/^COMMIT;$/SELECT 1 \/ 0;\nCOMMIT;/' "$a" ;; esac
            done
            exec {{Pg.Server.BinDirectory}}/psql "$@"
            """);
        var failing = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["pgBinDir"] = bin.Path, ["cloneMethod"] = "streams" }));
        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => failing.CloneAsync(force: true));
        Assert.Contains("is untouched (its complete marker is intact)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("carries no complete marker", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTICE", ex.Message, StringComparison.Ordinal);
        var last = ex.Message.Split('\n')[^1];
        Assert.StartsWith("cause (other, SQLSTATE 22012): ", last, StringComparison.Ordinal);
        Assert.Contains("division by zero", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_is_classified_by_its_SQLSTATE_at_the_server_and_named_in_the_failure()
    {
        // The restore's psql fails as on a full disk: the server's error as psql prints it with the engine's
        // VERBOSITY verbose (SQLSTATE 53100). The class comes from that code, the fix from the class.
        using var bin = new FaultTests.TempDirectory();
        var real = Pg.Server.BinDirectory;
        FaultTests.WriteTool(bin.Path, "pg_dump", $"exec {real}/pg_dump \"$@\"");
        FaultTests.WriteTool(bin.Path, "pg_restore", $"exec {real}/pg_restore \"$@\"");
        FaultTests.WriteTool(bin.Path, "psql", $$"""
            case " $* " in
              *" -o /dev/null "*)
                head -c 100000 | {{real}}/psql "$@" >/dev/null 2>&1
                echo 'psql:<stdin>:77: ERROR:  53100: could not extend file "base/1/2": No space left on device' >&2
                exit 3 ;;
              *) exec {{real}}/psql "$@" ;;
            esac
            """);
        var lifecycle = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["pgBinDir"] = bin.Path, ["cloneMethod"] = "dump" }));
        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => lifecycle.CloneAsync());
        var last = ex.Message.Split('\n')[^1];
        Assert.StartsWith("cause (disk_full, SQLSTATE 53100): ", last, StringComparison.Ordinal);
        Assert.Contains("free space", last, StringComparison.Ordinal);
        Assert.Contains("at step 2/4 (copy)", ex.Message, StringComparison.Ordinal);
        Assert.False((await Lifecycle.StatusAsync()).State.Complete);
    }

    /// <summary>`govclone` in-process against the test server (local transport), as a non-terminal.</summary>
    private async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var env = new Dictionary<string, string>
        {
            ["GOVCLONE_HOST"] = Pg.Server.Host,
            ["GOVCLONE_PORT"] = Pg.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["GOVCLONE_TRANSPORT"] = "local",
            ["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory,
            ["GOVCLONE_CLONE_DATABASE"] = Clone,
            ["GOVCLONE_USER"] = Pg.Server.SuperUser,
            ["GOVCLONE_SSL_MODE"] = "disable",
            ["GOVCLONE_PASSWORD"] = Pg.Password,
        };
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await GovCloneCli.RunAsync(args, new CliHost(stdout, stderr, Repo, env) { IsTerminal = false });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Rows of every user table of the source, counted exactly.</summary>
    private async Task<long> SourceRowsAsync()
    {
        await using var conn = await Pg.OpenAsync(TestServer.Source);
        var digests = await LabKit.TableDigestsAsync(conn);
        return digests.Values.Sum(d => long.Parse(d.Split(' ')[0], CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"GOVCLONE_[A-Z_]+")]
    private static partial Regex GovcloneVariable();

    [GeneratedRegex(@", ~?([0-9,]+) rows,")]
    private static partial Regex ResultRows();
}
