using System.Diagnostics;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Tests.Support;
using GovClone.Transport;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// The quick half of the fault suite (scripts/faults runs the slow, randomized half): interrupted and
/// truncated clones, orphaned server-side scripts, concurrent runs, and secrets in argv.
/// </summary>
public class FaultTests : CloneTestBase
{
    [Fact]
    public async Task A_dump_cut_short_mid_copy_is_rolled_back_and_never_marked_complete()
    {
        // A pg_dump that dies inside a COPY's data. psql --single-transaction would commit what it had read;
        // the clone script commits only after pg_dump exited 0, so nothing of the partial restore remains.
        var dump = await CaptureDumpAsync();
        var copy = dump.IndexOf("\nCOPY public.dot_tools", StringComparison.Ordinal);
        Assert.True(copy > 0, "the source dump has the dot_tools COPY");
        var cut = System.Text.Encoding.UTF8.GetByteCount(dump[..(dump.IndexOf('\n', copy + 1) + 1)]) + 200;

        using var bin = new TempDirectory();
        WriteTool(bin.Path, "psql", $"exec {Pg.Server.BinDirectory}/psql \"$@\"");
        WriteTool(bin.Path, "pg_dump", $"{Pg.Server.BinDirectory}/pg_dump \"$@\" | head -c {cut}\nexit 1");
        var lifecycle = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["pgBinDir"] = bin.Path, ["cloneMethod"] = "dump" }));

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => lifecycle.CloneAsync());
        Assert.Contains($"{Clone} does not exist; what was built is only in {Clone}_next, which the next lever to take the lock drops", ex.Message, StringComparison.Ordinal);

        // The restore went to the build, <clone>_next, and was rolled back there; no clone was made of it.
        var status = await Lifecycle.StatusAsync();
        Assert.False(status.State.Exists);
        Assert.Equal(0L, await Pg.ScalarAsync(Clone + "_next", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));

        var up = await Lifecycle.UpAsync();
        Assert.True(up.Verify.Passed, "up converges from a truncated restore");
    }

    [Fact]
    public async Task A_masked_small_table_whose_source_read_fails_fails_the_clone_and_never_commits_its_lane()
    {
        // The small masked tables (directus_users, …) are fed to the rest-of-data lane by their own masked COPY at the
        // source. When that read could not connect (a loaded host: "timeout expired"), the lane used to end the COPY
        // with no rows and COMMIT, and the clone failed later at a foreign key naming the missing users.
        using var bin = new TempDirectory();
        WriteTool(bin.Path, "pg_dump", $"exec {Pg.Server.BinDirectory}/pg_dump \"$@\"");
        WriteTool(bin.Path, "pg_restore", $"exec {Pg.Server.BinDirectory}/pg_restore \"$@\"");
        WriteTool(bin.Path, "psql", $$"""
            if [[ "$*" == *'COPY (SELECT'*'TO STDOUT'* && "$*" != *'FORMAT binary'* ]]; then
              echo 'psql: error: connection to server at "127.0.0.1", port 5432 failed: timeout expired' >&2
              exit 2
            fi
            exec {{Pg.Server.BinDirectory}}/psql "$@"
            """);
        var lifecycle = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?>
        {
            ["pgBinDir"] = bin.Path,
            ["cloneMethod"] = "streams",
            ["masking"] = "credentials",
            ["retainTemplate"] = "false",
        }));

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => lifecycle.CloneAsync());
        Assert.Contains("a data stream failed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("violates foreign key", ex.Message, StringComparison.Ordinal);
        Assert.False((await Lifecycle.StatusAsync()).State.Exists);

        var up = await Lifecycle.UpAsync();
        Assert.True(up.Verify.Passed, "up converges once the source reads again");
    }

    [Fact]
    public async Task A_clone_script_whose_run_is_gone_changes_nothing_and_never_marks_complete()
    {
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        var markerBefore = (await Lifecycle.StatusAsync()).State.Marker;

        // The lock session of a run whose tool was killed: it held the lock, then went away.
        LockHolder gone;
        await using (var runLock = await RunLock.AcquireAsync(Lifecycle.Connections, Settings, "test", CancellationToken.None))
        {
            gone = runLock.Holder;
        }

        var transport = new ServerTransport(Settings);
        var orphan = EngineScript.Clone(Settings, transport, force: true, holder: gone);
        var result = await ProcessRunner.RunAsync(transport.BashScript(orphan, EngineScript.CloneApplicationName));

        Assert.False(result.Succeeded);
        Assert.Contains("the run that started this clone", result.StandardError, StringComparison.Ordinal);
        var after = await Lifecycle.StatusAsync();
        Assert.True(after.State.Complete);
        Assert.Equal(markerBefore, after.State.Marker);
        Assert.True((await Lifecycle.VerifyAsync()).Passed, "the orphan neither unmarked nor emptied the clone");
    }

    [Fact]
    public async Task A_live_holder_passes_the_same_check()
    {
        await using var runLock = await RunLock.AcquireAsync(Lifecycle.Connections, Settings, "test", CancellationToken.None);
        var transport = new ServerTransport(Settings);
        var result = await ProcessRunner.RunAsync(transport.BashScript(EngineScript.Clone(Settings, transport, holder: runLock.Holder), EngineScript.CloneApplicationName));
        Assert.True(result.Succeeded, result.StandardError);
        Assert.True((await Lifecycle.StatusAsync()).State.Complete);
    }

    [Fact]
    public async Task Cancelling_a_clone_mid_restore_kills_it_leaves_no_complete_clone_and_up_converges()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Phase.Contains("copying data", StringComparison.Ordinal))
            {
                cts.Cancel();
            }
        });
        var lifecycle = new CloneLifecycle(Settings, progress);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lifecycle.CloneAsync(ct: cts.Token));

        await WaitForNoSessionsAsync(Clone);
        await WaitForNoSessionsAsync(Clone + "_next");
        Assert.False((await Lifecycle.StatusAsync()).State.Complete);
        var refused = await Assert.ThrowsAsync<OperationFailedException>(() => Lifecycle.VerifyAsync());
        Assert.Contains("does not exist", refused.Message, StringComparison.Ordinal); // verify never takes the half build for a clone

        var up = await Lifecycle.UpAsync();
        Assert.True(up.Verify.Passed);
        Assert.Contains(up.Steps, s => s.Lever == "clone" && s.Changed);
    }

    [Fact]
    public async Task An_invalid_clone_left_by_an_interrupted_drop_is_never_complete_and_up_or_drop_removes_it()
    {
        // A server killed inside DROP DATABASE (PostgreSQL >= 15.4) leaves the catalog row, marked invalid
        // (datconnlimit -2), and removes the files: no connection, no ALTER, pg_database_size NULL. Made here
        // as the server leaves it, with the worst case on top: the clone still carries its complete marker.
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true" });
        var lifecycle = new CloneLifecycle(settings);
        Assert.True((await lifecycle.UpAsync()).Verify.Passed);
        await MakeInvalidAsync(Clone);
        await Pg.ExecuteAsync("postgres", $"UPDATE pg_database SET datistemplate = false WHERE datname = '{settings.TemplateDatabase}'");
        await MakeInvalidAsync(settings.TemplateDatabase);

        var status = await lifecycle.StatusAsync();
        Assert.True(status.State is { Exists: true, Invalid: true, Complete: false, SizeBytes: null }, status.State.ToString());
        Assert.False(status.Template.Current, "an invalid template is never current");
        var refused = await Assert.ThrowsAsync<OperationFailedException>(() => lifecycle.VerifyAsync());
        Assert.Contains("invalid database", refused.Message, StringComparison.Ordinal);

        // up drops what is left and re-clones from the source (the template is not current), retaining a new template.
        var up = await lifecycle.UpAsync();
        Assert.True(up.Verify.Passed);
        var clone = up.Steps.Single(s => s.Lever == "clone");
        Assert.Contains("by streams", clone.Summary, StringComparison.Ordinal);
        var after = await lifecycle.StatusAsync();
        Assert.True(after.State is { Complete: true, Invalid: false }, after.State.ToString());
        Assert.True(after.Template.Current);

        // drop removes an invalid clone and an invalid template too; a second drop changes nothing.
        await MakeInvalidAsync(Clone);
        await Pg.ExecuteAsync("postgres", $"UPDATE pg_database SET datistemplate = false WHERE datname = '{settings.TemplateDatabase}'");
        await MakeInvalidAsync(settings.TemplateDatabase);
        Assert.True((await lifecycle.DropAsync()).Changed);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        Assert.False((await lifecycle.DropAsync()).Changed);
    }

    /// <summary>What an interrupted DROP DATABASE leaves: the row marked invalid, as PostgreSQL's own tests make one, and the files gone.</summary>
    private async Task MakeInvalidAsync(string database)
    {
        var oid = Convert.ToUInt32(await Pg.ScalarAsync("postgres", $"SELECT oid FROM pg_database WHERE datname = '{database}'"), System.Globalization.CultureInfo.InvariantCulture);
        await Pg.ExecuteAsync("postgres", $"UPDATE pg_database SET datconnlimit = -2 WHERE datname = '{database}'");
        await Pg.ExecuteAsync("postgres", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        Npgsql.NpgsqlConnection.ClearAllPools();
        await WaitForNoSessionsAsync(database);
        // Nothing is dirty in the shared buffers for it any more, so removing its files cannot trouble the checkpointer.
        await Pg.ExecuteAsync("postgres", "CHECKPOINT");
        Directory.Delete(Path.Combine(Pg.Server.DataDirectory, "base", oid.ToString(System.Globalization.CultureInfo.InvariantCulture)), recursive: true);
    }

    [Fact]
    public async Task Two_ups_at_once_are_serialized_and_copy_once()
    {
        var a = new CloneLifecycle(Settings);
        var b = new CloneLifecycle(Settings);
        var results = await Task.WhenAll(a.UpAsync(), b.UpAsync());
        Assert.All(results, r => Assert.True(r.Verify.Passed));
        Assert.Equal(1, results.Count(r => r.Steps.Any(s => s.Lever == "clone" && s.Changed)));
        Assert.Equal(1, results.Count(r => r.Steps.Any(s => s.Lever == "seed" && s.Changed)));
    }

    [Fact]
    public async Task Up_and_drop_at_once_leave_a_complete_clone_or_none()
    {
        var up = new CloneLifecycle(Settings).UpAsync();
        var drop = new CloneLifecycle(Settings).DropAsync();
        await Task.WhenAll(up, drop);
        var state = (await Lifecycle.StatusAsync()).State;
        Assert.True(!state.Exists || state.Complete, $"half state after concurrent up and drop: {state}");
        if (state.Exists)
        {
            Assert.True((await Lifecycle.VerifyAsync()).Passed);
        }
    }

    [Fact]
    public async Task A_run_that_cannot_get_the_lock_fails_naming_the_setting_and_changes_nothing()
    {
        await using var held = await RunLock.AcquireAsync(Lifecycle.Connections, Settings, "holder", CancellationToken.None);
        var impatient = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["lockTimeoutSeconds"] = "1" }));
        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => impatient.UpAsync());
        Assert.Contains("another govclone run holds the lock", ex.Message, StringComparison.Ordinal);
        Assert.Contains("govclone:lockTimeoutSeconds", ex.Message, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("docker")]
    [InlineData("ssh")]
    public async Task No_password_appears_in_any_argv_output_or_status_during_a_clone(string transport)
    {
        var settings = Pg.Settings(Clone, new Dictionary<string, string?>
        {
            ["transport"] = transport,
            ["sshHost"] = transport == "ssh" ? "contabo" : null, // the ssh stand-in's host
            ["pgBinDir"] = transport == "local" ? Pg.ToolShims : null, // the shims log every argv (docker/ssh: the stand-ins and their shims)
        });
        var lines = new List<string>();
        var lifecycle = new CloneLifecycle(settings, new SyncProgress(p => lines.Add(p.Phase + " " + p.Message)));
        UpResult up;
        await using (var watch = Pg.WatchArgv(Pg.Password))
        {
            up = await lifecycle.UpAsync();
            Assert.Empty(watch.Leaks);
            Assert.Contains("pg_dump", watch.ProgramsSeen); // the log holds the clone's children
        }

        Assert.True(up.Verify.Passed);
        var status = await lifecycle.StatusAsync();
        Assert.DoesNotContain(Pg.Password, System.Text.Json.JsonSerializer.Serialize(status), StringComparison.Ordinal);
        Assert.DoesNotContain(Pg.Password, string.Join('\n', lines), StringComparison.Ordinal);
        Assert.DoesNotContain(Pg.Password, string.Join('\n', up.Steps.Select(s => s.Summary)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_argv_watch_sees_a_secret_on_a_command_line()
    {
        // The argv log the secret tests read must be able to fail: a tool started through the shims with the secret in its
        // argv is caught however briefly it lives (psql --version exits at once), and only within the watch's window.
        const string canary = "canary-not-a-real-secret-91f3";
        await RunShimAsync();
        await using var watch = Pg.WatchArgv(canary);
        Assert.Empty(watch.Leaks); // the run before the watch started is not in it
        await RunShimAsync();
        var leak = Assert.Single(watch.Leaks);
        Assert.Contains("psql --version -c ***", leak, StringComparison.Ordinal);
        Assert.DoesNotContain(canary, leak, StringComparison.Ordinal);
        Assert.Contains("psql", watch.ProgramsSeen);

        async Task RunShimAsync()
        {
            using var p = Process.Start(new ProcessStartInfo(Path.Combine(Pg.ToolShims, "psql"), ["--version", "-c", canary]) { RedirectStandardOutput = true })!;
            await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
        }
    }

    private async Task<string> CaptureDumpAsync()
    {
        var psi = new ProcessStartInfo(Path.Combine(Pg.Server.BinDirectory, "pg_dump"))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-h", Pg.Server.Host, "-p", Pg.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", Pg.Server.SuperUser, "--no-owner", "--no-privileges", "-d", TestServer.Source })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["PGPASSWORD"] = Pg.Password;
        using var p = Process.Start(psi)!;
        var text = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(0, p.ExitCode);
        return text;
    }

    internal static void WriteTool(string dir, string name, string body)
    {
        var path = System.IO.Path.Combine(dir, name);
        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private Task WaitForNoSessionsAsync(string database) =>
        Eventually.HoldsAsync(
            async () => (long)(await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"))! == 0,
            $"sessions on {database} still open");

    internal sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = Directory.CreateTempSubdirectory("govclone-bin-").FullName;
            File.SetUnixFileMode(Path, (UnixFileMode)0b111_101_101);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
