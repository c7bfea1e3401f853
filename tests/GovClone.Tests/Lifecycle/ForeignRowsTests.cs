using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Tests.Support;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// seed, reset and up exit 0 only when the suite passes for the profile afterwards. Rows the seed did not write keep
/// the clone from either profile: the seed and the reset refuse while they exist, change nothing and name them (table,
/// count, whose), and <c>--purge-foreign</c> (sql/purge_foreign_rows.sql, guarded) removes them when asked. Real rows,
/// in every governance table, on a real clone.
/// </summary>
public class ForeignRowsTests : CloneTestBase
{
    /// <summary>One kind of row the seed did not write, per table, and what the report must say about it.</summary>
    public static TheoryData<string, string, string> Kinds => new()
    {
        { "governance_object_ownership", "INSERT INTO governance_object_ownership (object_type, object_key, owner_team, created_by, created_at) VALUES ('collection', 'grp_alice_x', 'alice-team', 'alice', now())", "created_by=alice (collection grp_alice_x)" },
        { "governance_ruleset", "INSERT INTO governance_ruleset (ruleset_version, status, is_active, created_at) VALUES ('RS-PROD-7', 'active', true, now())", "ruleset_version=RS-PROD-7 (active, active)" },
        // A foreign scan run of the seed's own ruleset: a tangle the seed's deletes could not undo.
        { "candidate_scan_run", "INSERT INTO candidate_scan_run (run_id, ruleset_version, started_at) VALUES ('SCAN-NIGHTLY-9', 'RS-CLONE-TEST-1', now())", "run_id=SCAN-NIGHTLY-9 (ruleset RS-CLONE-TEST-1)" },
        // A foreign candidate that points at one of the seed's scan runs and ownership rows.
        { "governance_candidate_state", """
            INSERT INTO governance_ruleset (ruleset_version, status, created_at) VALUES ('RS-OTHER-2', 'draft', now());
            INSERT INTO governance_candidate_state (ruleset_version, run_id, candidate_key, state, updated_at) VALUES ('RS-OTHER-2', 'SCAN-CLONE-TEST-1', 'CAND-OTHER-1', 'new', now());
            INSERT INTO governance_candidate_object (ruleset_version, candidate_state_id, ownership_id, collection, item)
            SELECT 'RS-OTHER-2', currval(pg_get_serial_sequence('governance_candidate_state', 'id')), (SELECT min(id) FROM governance_object_ownership), 'hr_accounts', '7';
            """, "ruleset_version=RS-OTHER-2 (CAND-OTHER-1)" },
        { "gov_worker_cursor", "INSERT INTO gov_worker_cursor (worker_name, watermark, updated_at) VALUES ('prod-worker', 'wm-99', now())", "worker_name=prod-worker (wm-99)" },
        { "gov_emit_event", "INSERT INTO gov_emit_event (worker_name, event_type, payload, emitted_at) VALUES ('prod-worker', 'owner.missing', '{}', now())", "worker_name=prod-worker (owner.missing)" },
        { "axis_* tables", "CREATE TABLE axis_trial_1 (id int)", "public.axis_trial_1" },
    };

    [Fact]
    public void The_seed_and_the_reset_embed_the_one_definition_of_foreign_rows() =>
        Assert.All(new[] { SqlScripts.SeedCommitted, SqlScripts.ResetInPlace }, f => Assert.Contains(ForeignRows.CheckBlock, SqlScripts.Get(f), StringComparison.Ordinal));

    [Fact]
    public async Task An_extra_ownership_row_makes_seed_reset_and_up_exit_1_naming_it_and_purge_foreign_reaches_the_state()
    {
        Assert.Equal(0, (await Cli("up")).Exit);
        await Pg.ExecuteAsync(Clone, "INSERT INTO governance_object_ownership (object_type, object_key, owner_team, created_by, created_at) VALUES ('collection', 'hr_accounts', 'hr', 'alice', now())");
        var before = await GovernanceDigestAsync();

        foreach (var lever in new[] { "seed", "reset", "up" })
        {
            var (exit, output, error) = await Cli(lever);
            Assert.True(exit == 1, $"{lever} exited {exit}\n{output}\n{error}");
            Assert.Contains("rows the seed did not write", error, StringComparison.Ordinal);
            Assert.Contains("governance_object_ownership: 1 (created_by=alice (collection hr_accounts))", error, StringComparison.Ordinal);
            Assert.Contains("Nothing was changed", error, StringComparison.Ordinal);
            Assert.Contains(lever == "reset" ? "`govclone reset --purge-foreign`" : "`govclone seed --purge-foreign`", error, StringComparison.Ordinal);
            Assert.Contains(lever == "reset" ? "own have 31" : "own have 31 (CLONE_TEST_F6_SEED, alice) want 30 (CLONE_TEST_F6_SEED)", error, StringComparison.Ordinal);
            Assert.Equal(before, await GovernanceDigestAsync());
        }

        Assert.Equal(1, (await Cli("verify")).Exit);

        var reset = await Cli("reset", "--purge-foreign");
        Assert.True(reset.Exit == 0, reset.Err);
        Assert.Contains("deleted first (--purge-foreign): governance_object_ownership: 1 (created_by=alice (collection hr_accounts))", reset.Out, StringComparison.Ordinal);
        Assert.True((await Lifecycle.VerifyAsync(SeedProfile.Baseline)).Passed);

        var seed = await Cli("seed");
        Assert.True(seed.Exit == 0, seed.Err);
        Assert.Contains("suite PASS", seed.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await Cli("verify")).Exit);
        Assert.Equal(0L, await Pg.ScalarAsync(Clone, "SELECT count(*) FROM governance_object_ownership WHERE created_by = 'alice'"));
    }

    [Fact]
    public async Task Every_kind_of_foreign_row_is_named_refused_without_a_change_and_removed_only_by_purge_foreign()
    {
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        foreach (var (table, sql, sample) in Kinds.Select(k => ((string)k[0], (string)k[1], (string)k[2])))
        {
            await Pg.ExecuteAsync(Clone, sql);
            await using (var conn = await Pg.OpenAsync(Clone))
            {
                var group = Assert.Single(await ForeignRows.ReadAsync(conn, CancellationToken.None), g => g.Table == table);
                Assert.Contains(sample, group.Sample, StringComparison.Ordinal);
            }

            var before = await GovernanceDigestAsync();
            foreach (var profile in new[] { SeedProfile.Committed, SeedProfile.Baseline })
            {
                var ex = await Assert.ThrowsAsync<StateNotReachedException>(() => Lifecycle.SeedAsync(profile));
                Assert.Equal(1, ex.ExitCode);
                Assert.Contains(ex.ForeignRows, g => g.Table == table && g.Sample.Contains(sample, StringComparison.Ordinal));
                Assert.NotEmpty(ex.Drift);
                Assert.Contains(table + ": ", ex.Message, StringComparison.Ordinal);
                Assert.Equal(before, await GovernanceDigestAsync());
            }

            var seeded = await Lifecycle.SeedAsync(SeedProfile.Committed, purgeForeign: true);
            Assert.Contains("deleted first (--purge-foreign): ", seeded.Summary, StringComparison.Ordinal);
            Assert.Contains(table + ": ", seeded.Summary, StringComparison.Ordinal);
            Assert.True((await Lifecycle.VerifyAsync()).Passed, table);
            await using (var conn = await Pg.OpenAsync(Clone))
            {
                Assert.Empty(await ForeignRows.ReadAsync(conn, CancellationToken.None));
            }
        }
    }

    [Fact]
    public async Task A_seed_whose_suite_still_fails_exits_1_with_the_drift()
    {
        // Drift in what the seed does not write (production's own data): the seed runs, but cannot reach the state.
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        await Pg.ExecuteAsync(Clone, "DELETE FROM dot_tools WHERE id = (SELECT min(id) FROM dot_tools)");
        var ex = await Assert.ThrowsAsync<StateNotReachedException>(() => Lifecycle.SeedAsync());
        Assert.Contains("dot_tools have 308 want 309", ex.Message, StringComparison.Ordinal);
        Assert.Contains("re-clone", ex.Message, StringComparison.Ordinal);
        Assert.Empty(ex.ForeignRows);
        var (exit, _, error) = await Cli("seed");
        Assert.Equal(1, exit);
        Assert.Contains("dot_tools have 308 want 309", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task By_hand_the_seed_file_refuses_too_and_the_purge_file_then_lets_it_pass()
    {
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        await Pg.ExecuteAsync(Clone, "INSERT INTO gov_worker_cursor (worker_name, watermark, updated_at) VALUES ('prod-worker', 'wm-1', now())");

        var seed = await PsqlFileAsync(SqlScripts.SeedCommitted);
        Assert.Equal(3, seed.ExitCode);
        Assert.Contains("govclone: the clone holds rows the seed did not write, so it cannot reach its state: gov_worker_cursor: 1 (worker_name=prod-worker (wm-1))", seed.StandardError, StringComparison.Ordinal);
        Assert.Equal(1L, await Pg.ScalarAsync(Clone, "SELECT count(*) FROM gov_worker_cursor WHERE worker_name = 'prod-worker'"));

        var purge = await PsqlFileAsync(SqlScripts.PurgeForeignRows);
        Assert.True(purge.Succeeded, purge.StandardError);
        var again = await PsqlFileAsync(SqlScripts.SeedCommitted);
        Assert.True(again.Succeeded, again.StandardError);
        Assert.True((await Lifecycle.VerifyAsync()).Passed);
    }

    // --yes: reset asks for confirmation on a terminal and needs it without one; these tests are about the seed, not the prompt.
    private Task<(int Exit, string Out, string Err)> Cli(params string[] args) => InProcessCli.RunAsync(Pg, Clone, [.. args, "--yes"]);

    private Task<ProcessResult> PsqlFileAsync(string file) =>
        ProcessRunner.RunAsync(new ProcessSpec(Path.Combine(Pg.Server.BinDirectory, "psql"),
            ["-X", "-v", "ON_ERROR_STOP=1", "-h", Pg.Server.Host, "-p", Pg.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", Pg.Server.SuperUser, "-d", Clone, "-f", "-"])
        {
            StandardInput = SqlScripts.Get(file),
            Environment = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password },
        });

    /// <summary>Every row of the governance tables and the axis_* tables, as one text: equal means nothing changed.</summary>
    private async Task<string> GovernanceDigestAsync() => (string)(await Pg.ScalarAsync(Clone, """
        SELECT concat_ws(' | ',
          (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM governance_object_ownership t),
          (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM governance_ruleset t),
          (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM candidate_scan_run t),
          (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM governance_candidate_state t),
          (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM governance_candidate_object t),
          (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM gov_worker_cursor t),
          (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM gov_emit_event t),
          (SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname LIKE 'axis\_%'))
        """))!;
}
