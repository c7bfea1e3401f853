using System.Globalization;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Tests.Support;
using GovClone.Transport;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// Issue 15.6: a re-clone faster than a copy can be. After a clone the ready spare <c>&lt;clone&gt;_spare</c> is a
/// FILE_COPY of the retained template, marked last; a re-clone swaps names with it (the spare's database becomes the
/// clone: nothing is copied), then the spare is remade under its own lock. Only a marked spare of the current template
/// is ever used. And issue 13.5's swap: the old clone serves until the new one is complete.
/// </summary>
public sealed class SpareTests : CloneTestBase
{
    /// <summary>The database's oid; null when there is no such database.</summary>
    private async Task<long?> OidAsync(string database) =>
        await Pg.ScalarAsync("postgres", $"SELECT oid::bigint FROM pg_database WHERE datname = '{database}'") as long?;

    /// <summary>The database's comment (its marker); null when it has none, or there is no such database.</summary>
    private async Task<string?> MarkerAsync(string database) =>
        await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'") as string;

    private string SpareName => Clone + "_spare";

    private string OldName => Clone + "_old";

    [Fact]
    public async Task A_re_clone_with_a_ready_spare_is_a_swap_of_names_and_the_spare_is_remade_after()
    {
        await Lifecycle.CloneAsync();
        var fresh = await DigestsAsync(Clone);
        var status = await Lifecycle.StatusAsync();
        Assert.True(status.Spare.Current, status.SpareSummary);
        Assert.Contains("ready", status.SpareSummary, StringComparison.Ordinal);
        Assert.Contains(status.Facts.CompanionSizes, c => c.Name == SpareName && c.Bytes > 0);
        Assert.Contains(SpareName, status.Decision.Factors.Single(f => f.Factor == "Disk cost").Assessment, StringComparison.Ordinal);
        Assert.Equal(false, await Pg.ScalarAsync("postgres", $"SELECT datallowconn FROM pg_database WHERE datname = '{SpareName}'"));
        Assert.StartsWith(EngineScript.SpareMarkerFor(Settings) + " template=", await MarkerAsync(SpareName), StringComparison.Ordinal);

        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        Assert.NotEqual(fresh, await DigestsAsync(Clone));
        var spareOid = await OidAsync(SpareName);
        var cloneOid = await OidAsync(Clone);
        var events = new List<EngineEvent>();
        var lifecycle = new CloneLifecycle(Settings, events: e => events.Add(e));

        var reclone = await lifecycle.CloneAsync(force: true, remakeSpare: false, CancellationToken.None);
        Assert.Contains("by spare", reclone.Summary, StringComparison.Ordinal);
        Assert.True(reclone.SpareDue);
        var ready = Assert.Single(events.OfType<ReadyEvent>());
        Assert.Equal((Clone, "spare"), (ready.Database, ready.Method));
        Assert.Equal(spareOid, await OidAsync(Clone)); // the spare's database is the clone now: nothing was copied
        Assert.Equal(cloneOid, await OidAsync(OldName)); // the old clone, retired: marked old, this family's until dropped
        Assert.StartsWith($"govclone:old family={Clone} at=", await MarkerAsync(OldName), StringComparison.Ordinal);
        Assert.Null(await OidAsync(SpareName));
        var state = (await lifecycle.StatusAsync()).State;
        Assert.True(lifecycle.IsCurrent(state), state.ToString());
        Assert.True(state.ConnectRevokedFromPublic);
        Assert.Equal(true, await Pg.ScalarAsync("postgres", $"SELECT datallowconn FROM pg_database WHERE datname = '{Clone}'"));
        Assert.Equal(fresh, await DigestsAsync(Clone));

        // Then, off the critical path: the retired clone dropped, a new spare made and marked.
        var spare = await lifecycle.SpareAsync();
        Assert.True(spare.Changed, spare.Summary);
        Assert.Null(await OidAsync(OldName));
        Assert.True((await lifecycle.StatusAsync()).Spare.Current);
        Assert.NotEqual(spareOid, await OidAsync(SpareName));
        Assert.False((await lifecycle.SpareAsync()).Changed, "a current spare is kept as it is");
        Assert.True((await lifecycle.UpAsync()).Verify.Passed, "a clone swapped in from the spare passes the suite once seeded");
    }

    [Fact]
    public async Task Only_a_marked_spare_of_the_current_template_is_ever_swapped_in()
    {
        var retain = Pg.Settings(Clone, new Dictionary<string, string?> { ["keepSpare"] = "false" });
        await new CloneLifecycle(retain).CloneAsync();
        Assert.Null(await OidAsync(SpareName));

        // A spare copied but never marked ready (a remake cut short before its mark: still marked building, as spare_create.sql
        // marks it at once): not used, and replaced.
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{SpareName}\" TEMPLATE \"{Settings.TemplateDatabase}\"");
        await Pg.ExecuteAsync("postgres", $"ALTER DATABASE \"{SpareName}\" ALLOW_CONNECTIONS false");
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{SpareName}\" IS 'govclone:building family={Clone} role=spare at=2026-06-02T00:00:00Z'");
        Assert.False((await Lifecycle.StatusAsync()).Spare.Current);
        var reclone = await Lifecycle.CloneAsync(force: true, remakeSpare: false, CancellationToken.None);
        Assert.Contains("by template", reclone.Summary, StringComparison.Ordinal);
        Assert.True((await Lifecycle.SpareAsync()).Changed);
        Assert.True((await Lifecycle.StatusAsync()).Spare.Current);

        // A spare of an older template (the template made again by a clone from the source) is never current: that
        // clone drops it before it replaces the template, and the remake copies the new one.
        var spareMarker = await MarkerAsync(SpareName);
        var streams = await new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["cloneMethod"] = "streams" }))
            .CloneAsync(force: true, remakeSpare: false, CancellationToken.None);
        Assert.Contains("by streams", streams.Summary, StringComparison.Ordinal);
        Assert.Null(await OidAsync(SpareName));
        await Lifecycle.SpareAsync();
        Assert.NotEqual(spareMarker, await MarkerAsync(SpareName));
        Assert.True((await Lifecycle.StatusAsync()).Spare.Current);

        // keepSpare false: none kept, the re-clone copies the template.
        var none = new CloneLifecycle(retain);
        Assert.Contains("by template", (await none.CloneAsync(force: true)).Summary, StringComparison.Ordinal);
        Assert.Null(await OidAsync(SpareName));
        Assert.Contains("none (keepSpare false)", (await none.StatusAsync()).SpareSummary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_spare_lock_lets_seed_run_while_a_re_clone_waits_for_the_remake()
    {
        await Lifecycle.CloneAsync();
        var impatient = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["lockTimeoutSeconds"] = "1" }));
        await using (await RunLock.AcquireSpareAsync(Lifecycle.Connections, Settings, CancellationToken.None))
        {
            // A `govclone spare` at work: seed and verify do not touch the family, so they go on.
            Assert.True((await impatient.SeedAsync()).Changed);
            Assert.True((await impatient.VerifyAsync()).Passed);
            var ex = await Assert.ThrowsAsync<OperationFailedException>(() => impatient.CloneAsync(force: true));
            Assert.Contains("holds the spare lock", ex.Message, StringComparison.Ordinal);
            Assert.Contains("govclone-lock:spare", ex.Message, StringComparison.Ordinal);
        }

        Assert.Contains("by spare", (await impatient.CloneAsync(force: true)).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spare_remake_whose_lock_is_gone_before_its_mark_leaves_no_spare_that_is_used()
    {
        await new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["keepSpare"] = "false" })).CloneAsync();
        // `govclone spare` killed just as the spare's marker goes: a psql stand-in ends the lock session when
        // spare_mark.sql comes. The holder check in front of it stops the engine: the copy is there, unmarked.
        using var bin = new FaultTests.TempDirectory();
        var real = Pg.Server.BinDirectory;
        FaultTests.WriteTool(bin.Path, "pg_dump", $"exec {real}/pg_dump \"$@\"");
        FaultTests.WriteTool(bin.Path, "pg_restore", $"exec {real}/pg_restore \"$@\"");
        await using var spareLock = await RunLock.AcquireSpareAsync(Lifecycle.Connections, Settings, CancellationToken.None);
        FaultTests.WriteTool(bin.Path, "psql", string.Create(CultureInfo.InvariantCulture, $$"""
            if [[ " $* " == *" -d postgres "* ]]; then
              input="$(cat)"
              if [[ "$input" == *"-- spare_mark.sql"* ]]; then
                {{real}}/psql -h {{Pg.Server.Host}} -p {{Pg.Server.Port}} -U {{Pg.Server.SuperUser}} -d postgres -X -q -c "SELECT pg_terminate_backend({{spareLock.Holder.BackendPid}})" >/dev/null
              fi
              printf '%s\n' "$input" | {{real}}/psql "$@"
              exit $?
            fi
            exec {{real}}/psql "$@"
            """));
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["pgBinDir"] = bin.Path });
        var transport = new ServerTransport(settings);
        var result = await ProcessRunner.RunAsync(transport.BashScript(EngineScript.Spare(settings, transport, spareLock.Holder), EngineScript.SpareApplicationName));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(FailureEvent.LostLock, result.StandardOutput.Split('\n').Select(EngineEvent.Parse).OfType<FailureEvent>().Single().Class);
        Assert.NotNull(await OidAsync(SpareName));
        Assert.StartsWith($"govclone:building family={Clone} role=spare at=", await MarkerAsync(SpareName), StringComparison.Ordinal); // this family's leftover, never ready

        Assert.False((await Lifecycle.StatusAsync()).Spare.Current);
        Assert.Contains("by template", (await Lifecycle.CloneAsync(force: true)).Summary, StringComparison.Ordinal);
        Assert.True((await Lifecycle.StatusAsync()).Spare.Current, "the next remake replaced it");
    }

    [Fact]
    public async Task The_old_clone_serves_until_the_new_one_is_swapped_in()
    {
        var streams = Pg.Settings(Clone, new Dictionary<string, string?> { ["cloneMethod"] = "streams", ["keepSpare"] = "false" });
        await new CloneLifecycle(streams).CloneAsync();
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        var seeded = await DigestsAsync(Clone);

        // The re-clone's data dump waits at the copy step until the test has looked at the clone: meanwhile the build
        // is <clone>_next, and the clone is the old one, complete, seeded, readable.
        using var bin = new FaultTests.TempDirectory();
        var real = Pg.Server.BinDirectory;
        var go = Path.Combine(bin.Path, "go");
        FaultTests.WriteTool(bin.Path, "psql", $"exec {real}/psql \"$@\"");
        FaultTests.WriteTool(bin.Path, "pg_restore", $"exec {real}/pg_restore \"$@\"");
        FaultTests.WriteTool(bin.Path, "pg_dump", $$"""
            case " $* " in
              *" --section=data "*) while [ ! -e {{go}} ]; do sleep 0.05; done ;;
            esac
            exec {{real}}/pg_dump "$@"
            """);
        var copying = new TaskCompletionSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Phase.StartsWith("clone 4/", StringComparison.Ordinal))
            {
                copying.TrySetResult();
            }
        });
        var reclone = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["cloneMethod"] = "streams", ["keepSpare"] = "false", ["pgBinDir"] = bin.Path }), progress)
            .CloneAsync(force: true);
        await copying.Task.WaitAsync(Eventually.Patience);
        Assert.StartsWith(EngineScript.MarkerFor(streams) + " ", await MarkerAsync(Clone), StringComparison.Ordinal);
        Assert.Equal(seeded, await DigestsAsync(Clone));
        Assert.NotNull(await OidAsync(Clone + "_next"));
        await File.WriteAllTextAsync(go, "");

        Assert.Contains("by streams", (await reclone).Summary, StringComparison.Ordinal);
        Assert.NotEqual(seeded, await DigestsAsync(Clone));
        Assert.Null(await OidAsync(OldName));
        Assert.Null(await OidAsync(Clone + "_next"));
    }

    private async Task<IReadOnlyDictionary<string, string>> DigestsAsync(string database)
    {
        await using var conn = await Pg.OpenAsync(database);
        return await LabKit.TableDigestsAsync(conn);
    }
}
