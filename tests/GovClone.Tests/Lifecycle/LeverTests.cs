using GovClone.Configuration;
using GovClone.Sql;
using GovClone.Tests.Support;

namespace GovClone.Tests.Lifecycle;

public class LeverTests : CloneTestBase
{
    private const string CommittedEvidence =
        "own=30 (CLONE_TEST_F6_SEED) | gap=0 | ruleset=1 (RS-CLONE-TEST-1) | scan_run=2 | cand_state=5 | cand_object=35 | cursor=1 (clone-test-worker, wm-2, events_seen=20) | gov_emit=0 | gov_active=0 | dot_tools=309 | axis_tables=0";

    private const string BaselineEvidence =
        "own=0 | gap=210 | ruleset=0 | scan_run=0 | cand_state=0 | cand_object=0 | cursor=0 | gov_emit=0 | gov_active=0 | dot_tools=309 | axis_tables=0";

    [Fact]
    public async Task Production_sits_at_the_clean_baseline()
    {
        await using var conn = await Pg.OpenAsync(TestServer.Source);
        Assert.Equal(BaselineEvidence, Evidence(await GovernanceMetrics.ReadAsync(conn, CancellationToken.None)));
    }

    [Fact]
    public async Task Up_converges_to_the_committed_state_and_a_second_up_changes_nothing()
    {
        var first = await Lifecycle.UpAsync();
        Assert.True(first.Verify.Passed);
        Assert.True(first.ProductionUnchanged);
        Assert.Equal(2, first.Changes); // cloned, seeded
        Assert.Equal(CommittedEvidence, Evidence(await MetricsAsync()));

        var second = await Lifecycle.UpAsync();
        Assert.Equal(0, second.Changes);
        Assert.True(second.Verify.Passed);
        Assert.All(second.Steps, s => Assert.False(s.Changed));
    }

    [Fact]
    public async Task Clone_copies_the_source_analyzes_and_marks_complete_and_a_second_clone_copies_nothing()
    {
        var r = await Lifecycle.CloneAsync();
        Assert.True(r.Changed);
        Assert.Equal(BaselineEvidence, Evidence(await MetricsAsync()));

        var status = await Lifecycle.StatusAsync();
        Assert.True(status.State.Complete);
        Assert.Equal(1, status.State.MarkerGeneration);
        Assert.True(status.State.ConnectRevokedFromPublic);

        // ANALYZE ran: planner statistics exist for the restored governed tables.
        var analyzed = (long)(await Pg.ScalarAsync(Clone, "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"))!;
        Assert.True(analyzed > 200, $"only {analyzed} tables analyzed");

        var again = await Lifecycle.CloneAsync();
        Assert.False(again.Changed);
    }

    [Fact]
    public async Task Seed_gives_the_committed_state_exactly_and_is_idempotent()
    {
        await Lifecycle.CloneAsync();
        await Lifecycle.SeedAsync();
        Assert.Equal(CommittedEvidence, Evidence(await MetricsAsync()));
        var again = await Lifecycle.SeedAsync();
        Assert.False(again.Changed);
        Assert.Equal(CommittedEvidence, Evidence(await MetricsAsync()));
    }

    [Fact]
    public async Task Reset_gives_the_clean_baseline_and_is_idempotent_and_seed_returns()
    {
        await Lifecycle.UpAsync();
        var reset = await Lifecycle.ResetAsync();
        Assert.True(reset.Changed);
        var m = await MetricsAsync();
        Assert.Equal(BaselineEvidence, Evidence(m));
        Assert.Equal(0, m.Single(x => x.Name == "own").Value);
        Assert.Equal(210, m.Single(x => x.Name == "gap").Value);
        Assert.Equal(0, m.Where(x => x.Name is "cand_state" or "cand_object").Sum(x => x.Value));

        Assert.False((await Lifecycle.ResetAsync()).Changed);
        await Lifecycle.SeedAsync();
        Assert.Equal(CommittedEvidence, Evidence(await MetricsAsync()));
    }

    [Fact]
    public async Task Verify_catches_a_one_row_drift_with_the_exact_have_and_want()
    {
        await Lifecycle.UpAsync();
        await Pg.ExecuteAsync(Clone, """
            INSERT INTO governance_candidate_object (ruleset_version, candidate_state_id, collection, item)
            SELECT ruleset_version, candidate_state_id, collection, item || '-dup' FROM governance_candidate_object LIMIT 1
            """);
        var result = await Lifecycle.VerifyAsync();
        Assert.False(result.Passed);
        var drift = Assert.Single(result.Drift);
        Assert.Equal("cand_object", drift.Want.Name);
        Assert.Equal(36, drift.Have!.Value);
        Assert.Equal(35, drift.Want.Value);

        // reset + seed return to the committed state (the extra row carries the test ruleset's marker).
        await Lifecycle.ResetAsync();
        await Lifecycle.SeedAsync();
        Assert.True((await Lifecycle.VerifyAsync()).Passed);
    }

    [Fact]
    public async Task Verify_against_the_baseline_profile()
    {
        await Lifecycle.CloneAsync();
        Assert.True((await Lifecycle.VerifyAsync(SeedProfile.Baseline)).Passed);
        var committed = await Lifecycle.VerifyAsync(SeedProfile.Committed);
        Assert.False(committed.Passed);
        Assert.Contains(committed.Drift, d => d.Want.Name == "own" && d.Have!.Value == 0 && d.Want.Value == 30);
    }

    [Fact]
    public async Task Compact_runs_vacuum_full_and_keeps_the_state()
    {
        await Lifecycle.UpAsync();
        var before = (long)(await Pg.ScalarAsync(Clone, "SELECT relfilenode::bigint FROM pg_class WHERE relname = 'governance_object_ownership'"))!;
        var r = await Lifecycle.CompactAsync();
        Assert.Contains("VACUUM (FULL, ANALYZE)", r.Summary, StringComparison.Ordinal);
        var after = (long)(await Pg.ScalarAsync(Clone, "SELECT relfilenode::bigint FROM pg_class WHERE relname = 'governance_object_ownership'"))!;
        Assert.NotEqual(before, after); // VACUUM FULL rewrites every table
        Assert.Equal(CommittedEvidence, Evidence(await MetricsAsync()));
    }

    [Fact]
    public async Task Compact_rewrites_only_the_clones_own_tables_so_an_open_transaction_on_a_shared_catalog_stalls_nothing()
    {
        await Lifecycle.UpAsync();
        await using var watch = await Pg.OpenAsync("postgres"); // opened first: a new connection is what a queued shared-catalog lock would stall
        const string sharedFilenodes = "SELECT string_agg(pg_relation_filenode(c.oid)::text, ',' ORDER BY c.oid) FROM pg_class c WHERE c.relisshared AND c.relkind = 'r'";
        var filenodesBefore = await ScalarOnAsync(watch, sharedFilenodes);

        // Another clone's snapshot session on production, as the engine's is: an open transaction that read the shared
        // catalogs (pg_dump does). A database-wide VACUUM FULL queues an exclusive lock on them behind it, and every new
        // connection to the server, production's app's included, then waits behind that: a server-wide stall (found in
        // this suite: one test's clone and another's compact waited on each other through it until one was killed).
        await using var holder = await Pg.OpenAsync(TestServer.Source);
        await ScalarOnAsync(holder, "BEGIN READ ONLY; SELECT count(*) FROM pg_database; SELECT count(*) FROM pg_subscription; SELECT count(*)::text FROM pg_authid");

        var compact = Lifecycle.CompactAsync();
        const string queued = "SELECT string_agg(format('%s by pid %s (%s)', l.relation::regclass, l.pid, l.mode), '; ') "
            + "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relisshared";
        while (!compact.IsCompleted)
        {
            var waiting = await ScalarOnAsync(watch, queued);
            Assert.True(waiting is null, $"compact queued a lock on a shared catalog: {waiting}");
            await Task.WhenAny(compact, Task.Delay(50));
        }

        var r = await compact;
        Assert.Contains("VACUUM (FULL, ANALYZE)", r.Summary, StringComparison.Ordinal);
        Assert.Equal(CommittedEvidence, Evidence(await MetricsAsync()));
        Assert.Equal(filenodesBefore, await ScalarOnAsync(watch, sharedFilenodes)); // no shared catalog rewritten
    }

    private static async Task<string?> ScalarOnAsync(Npgsql.NpgsqlConnection conn, string sql)
    {
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync() as string;
    }

    [Fact]
    public async Task Drop_with_open_sessions_succeeds_and_a_second_drop_is_a_no_op()
    {
        await Lifecycle.CloneAsync();
        await using var open = await Pg.OpenAsync(Clone); // an open session on the clone
        var first = await Lifecycle.DropAsync();
        Assert.True(first.Changed);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        var second = await Lifecycle.DropAsync();
        Assert.False(second.Changed);
    }

    [Fact]
    public async Task Status_reports_the_clone_and_decides_retain()
    {
        await Lifecycle.UpAsync();
        var s = await Lifecycle.StatusAsync();
        Assert.True(s.State.Exists);
        Assert.True(s.State.Complete);
        Assert.True(s.State.SizeBytes > 1_000_000);
        Assert.Equal(0, s.AppConnections);
        Assert.Equal(0, s.WorkerLeases);
        Assert.True(s.Facts.StateMatchesProfile);
        Assert.Equal(GovClone.Decision.LifecycleVerdict.RETAIN, s.Decision.Verdict);
        Assert.Equal(CommittedEvidence, s.Facts.Evidence);
    }

    [Fact]
    public async Task Levers_on_a_missing_clone_say_to_run_up()
    {
        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => Lifecycle.SeedAsync());
        Assert.Contains("govclone up", ex.Message, StringComparison.Ordinal);
        var s = await Lifecycle.StatusAsync();
        Assert.False(s.State.Exists);
    }
}
