using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Sql;
using GovClone.Tests.Support;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Tests.Branches;

/// <summary><c>branch create</c>, <c>list</c>, <c>drop</c>, <c>gc</c> and the levers on a branch, against the real server.</summary>
public class BranchLifecycleTests(SharedBranchClone shared) : BranchTestBase(shared), IClassFixture<SharedBranchClone>
{
    [Fact]
    public async Task Create_copies_the_template_closes_it_marks_it_seeds_it_and_runs_the_suite_leaving_clone_and_template_alone()
    {
        var cloneMarker = await CommentAsync(Clone);
        var templateMarker = await CommentAsync(Kept.TemplateDatabase);
        var source = await UnseededDigestsAsync(TestServer.Source);

        var result = await CreateAsync("pr1", owner: "pr-1");
        Assert.True(result.Copied);
        Assert.True(result.Passed, string.Join("; ", result.Verify.Drift));
        var db = Clone + "_pr1";
        Assert.Equal(db, result.Branch.Database);
        Assert.Equal(source, await UnseededDigestsAsync(db)); // a whole copy of the template, i.e. of the source

        var marker = BranchMarker.Parse(await CommentAsync(db))!;
        Assert.True(marker.Complete);
        Assert.Equal((Clone, TestServer.Source, Kept.CloneGeneration, "pr-1"), (marker.Parent, marker.Source, marker.Generation, marker.Owner));
        Assert.EndsWith(" at=" + marker.TemplateAt, templateMarker, StringComparison.Ordinal);
        Assert.NotNull(marker.Created);
        Assert.True(marker.Used >= marker.Created);
        Assert.Equal(true, await Pg.ScalarAsync("postgres", $"""
            SELECT d.datacl IS NOT NULL AND NOT EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY'))
            FROM pg_database d WHERE datname = '{db}'
            """));
        Assert.Equal(false, await Pg.ScalarAsync("postgres", $"SELECT datistemplate FROM pg_database WHERE datname = '{db}'"));

        // The clone and the template are as they were; production too (the base class checks its fingerprint).
        Assert.Equal(cloneMarker, await CommentAsync(Clone));
        Assert.Equal(templateMarker, await CommentAsync(Kept.TemplateDatabase));
        Assert.True((await Lifecycle.VerifyAsync()).Passed);

        // A second create copies nothing; drift on the branch is seeded back.
        await Pg.ExecuteAsync(db, "DELETE FROM governance_candidate_object WHERE ctid = (SELECT min(ctid) FROM governance_candidate_object)");
        var again = await CreateAsync("pr1");
        Assert.False(again.Copied);
        Assert.True(again.Passed);
        Assert.Contains(again.Steps, s => s.Lever == "seed" && s.Changed);
        Assert.Equal(marker.Created, BranchMarker.Parse(await CommentAsync(db))!.Created);
        var third = await CreateAsync("pr1");
        Assert.False(third.Changed);
    }

    [Fact]
    public async Task A_branch_takes_its_own_profile_and_levers_on_it_need_it_complete_and_record_their_use()
    {
        var result = await CreateAsync("base", SeedProfile.Baseline);
        Assert.True(result.Passed);
        Assert.Equal(SeedProfile.Baseline, result.Verify.Profile);
        Assert.True((await Lifecycle.VerifyAsync(SeedProfile.Committed)).Passed, "the clone keeps its own profile");

        var db = Clone + "_base";
        var used = BranchMarker.Parse(await CommentAsync(db))!.Used;
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{db}\" IS '{(await CommentAsync(db))!.Replace(" used=", " used=2000-01-01T00:00:00Z x=", StringComparison.Ordinal)}'");
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), BranchMarker.Parse(await CommentAsync(db))!.Used);
        Assert.True((await Branches.VerifyAsync("base", SeedProfile.Baseline)).Passed);
        Assert.True(BranchMarker.Parse(await CommentAsync(db))!.Used >= used, "verify records the use");

        var seeded = await Branches.SeedAsync("base", SeedProfile.Committed, purgeForeign: false);
        Assert.True(seeded.Changed);
        Assert.True((await Branches.VerifyAsync("base", SeedProfile.Committed)).Passed);
        var reset = await Branches.SeedAsync("base", SeedProfile.Baseline, purgeForeign: false);
        Assert.Equal("reset", reset.Lever);

        var missing = await Assert.ThrowsAsync<OperationFailedException>(() => Branches.VerifyAsync("nope", null));
        Assert.Contains("govclone branch create nope", missing.Message, StringComparison.Ordinal);
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_half\"");
        var half = await Assert.ThrowsAsync<GuardException>(() => Branches.SeedAsync("half", SeedProfile.Committed, false));
        Assert.Contains("carries no govclone marker", half.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("branch create", half.Message, StringComparison.Ordinal); // no advice that would drop it
    }

    [Fact]
    public async Task Without_a_current_template_create_refuses_changing_nothing_and_make_template_makes_one_under_the_clones_levers()
    {
        await new CloneLifecycle(Kept with { RetainTemplate = RetainTemplate.No }).CloneAsync();
        Assert.False(await Pg.DatabaseExistsAsync(Kept.TemplateDatabase));
        var before = await DatabasesAsync();
        var ex = await Assert.ThrowsAsync<GuardException>(() => CreateAsync("pr2"));
        Assert.Equal("govclone:retainTemplate", ex.Setting);
        Assert.Contains("--make-template", ex.Fix, StringComparison.Ordinal);
        Assert.Contains("never reads production", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DatabasesAsync());

        var made = await Branches.CreateAsync("pr2", new BranchCreateOptions(SeedProfile.Committed, "tester", MakeTemplate: true));
        Assert.True(made.Passed);
        await using (var maintenance = await Pg.OpenAsync("postgres"))
        {
            Assert.True((await Lifecycle.ReadTemplateAsync(maintenance, CancellationToken.None)).Current);
        }

        Assert.True((await Lifecycle.VerifyAsync()).Passed, "the clone is seeded again after its re-clone");
    }

    [Fact]
    public async Task Drop_drops_only_the_branch_and_is_idempotent_and_nothing_else_can_be_dropped_by_it()
    {
        await CreateAsync("gone");
        var db = Clone + "_gone";
        var dropped = await Branches.DropAsync("gone");
        Assert.True(dropped.Changed);
        Assert.False(await Pg.DatabaseExistsAsync(db));
        Assert.False((await Branches.DropAsync("gone")).Changed);

        // The clone, its template and its companions are no branch names; a database that carries another marker is no branch.
        foreach (var name in new[] { "template", "next", "old", "spare", "", "x_next" })
        {
            await Assert.ThrowsAsync<GuardException>(() => Branches.DropAsync(name));
        }

        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_other\"");
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{Clone}_other\" IS 'govclone:complete source=directus generation=1 at=2026-06-02T00:00:00Z'");
        var foreign = await Assert.ThrowsAsync<GuardException>(() => Branches.DropAsync("other"));
        Assert.Contains("another govclone marker", foreign.Message, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(Clone + "_other"));
        Assert.DoesNotContain(await Branches.ListAsync(), b => b.Name == "other");

        Assert.True(await Pg.DatabaseExistsAsync(Clone));
        Assert.True(await Pg.DatabaseExistsAsync(Kept.TemplateDatabase));
    }

    [Fact]
    public async Task Dropping_the_clone_leaves_its_branches_and_says_which_remain()
    {
        await CreateAsync("kept");
        var drop = await new CloneLifecycle(Kept).DropAsync();
        Assert.True(drop.Changed);
        Assert.Contains("1 branch of it remains (kept)", drop.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.True(await Pg.DatabaseExistsAsync(Clone + "_kept"));

        var again = await new CloneLifecycle(Kept).DropAsync();
        Assert.False(again.Changed);
        Assert.Contains("1 branch of it remains (kept)", again.Summary, StringComparison.Ordinal);
        Assert.True((await Branches.DropAsync("kept")).Changed);
        Assert.DoesNotContain("branch", (await new CloneLifecycle(Kept).DropAsync()).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sql_guard_refuses_every_database_that_is_not_a_branch_of_the_clone()
    {
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_marked\"");
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{Clone}_marked\" IS 'govclone:template source=directus clone=x generation=1 at=2026-06-02T00:00:00Z'");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_theirs\"");
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{Clone}_theirs\" IS 'govclone:branch parent=directus_gov_test_someone_else owner=x created=2026-06-02T00:00:00Z used=2026-06-02T00:00:00Z'");
        string[] refused =
        [
            Clone, Kept.TemplateDatabase, Clone + "_next", Clone + "_old", Clone + "_spare", Clone + "_a_next", "directus", "postgres",
            "directus_gov_test_elsewhere", Clone + "_", Clone + "_PR1", Clone + "_pr1\n", Clone + "_" + new string('a', 21), Clone + "x",
            Clone + "_marked", Clone + "_theirs",
        ];
        foreach (var branch in refused)
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => GuardAsync(Clone, branch, Kept.TemplateDatabase));
            Assert.Equal(GovCloneErrorCodes.Guard, ex.SqlState);
        }

        await GuardAsync(Clone, Clone + "_pr1", Kept.TemplateDatabase);
        await GuardAsync(Clone, Clone + "_next1", Kept.TemplateDatabase);
        var tpl = await Assert.ThrowsAsync<PostgresException>(() => GuardAsync(Clone, Clone + "_tpl", Clone + "_tpl"));
        Assert.Equal(GovCloneErrorCodes.Guard, tpl.SqlState);
        var unset = await Assert.ThrowsAsync<PostgresException>(() => GuardAsync(string.Empty, Clone + "_pr1", Kept.TemplateDatabase));
        Assert.Equal(GovCloneErrorCodes.Guard, unset.SqlState);
    }

    private async Task GuardAsync(string clone, string branch, string template)
    {
        await using var conn = await Pg.OpenAsync("postgres");
        await using var cmd = new NpgsqlCommand(EngineFiles.Settings(("clone", clone), ("branch", branch), ("template", template)) + BranchSql.Get(BranchSql.Guard), conn);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task List_shows_state_age_size_last_use_sessions_and_owner()
    {
        await CreateAsync("a", owner: "alice");
        await CreateAsync("b", owner: "pr-2");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_cut\"");
        var list = await Branches.ListAsync();
        Assert.Equal(["a", "b", "cut"], list.Select(b => b.Name));
        var a = list[0];
        Assert.Equal((BranchState.Complete, "alice", 0, true), (a.State, a.Owner, a.Sessions, a.ConnectRevokedFromPublic));
        Assert.True(a.SizeBytes > 1024 * 1024);
        Assert.True(a.Age >= TimeSpan.Zero && a.Age < TimeSpan.FromMinutes(10));
        Assert.Equal(a.Marker!.Used, a.LastUse);
        Assert.Equal(BranchState.Unmarked, list[2].State);
        Assert.Null(list[2].Age);

        await using (var session = await Pg.OpenAsync(Clone + "_b"))
        {
            var b = (await Branches.ListAsync()).Single(x => x.Name == "b");
            Assert.Equal(1, b.Sessions);
            Assert.Equal(b.Now, b.LastUse);
            Assert.Equal(TimeSpan.Zero, b.Idle);
        }

        // Status counts them; the decision's disk cost adds them up. An unmarked database is listed, not counted:
        // nothing tells a create cut short from a database that merely shares the name.
        var status = await Lifecycle.StatusAsync();
        Assert.Equal(["a", "b"], status.Branches.Select(b => b.Name));
        Assert.Contains("2 branches", status.Decision.Factors.Single(f => f.Factor == "Disk cost").Assessment, StringComparison.Ordinal);
        Assert.Equal(2, status.Facts.BranchSizes.Count);
    }

    [Fact]
    public async Task Gc_drops_idle_branches_only_skipping_busy_used_and_unmarked_ones_and_dry_run_changes_nothing()
    {
        foreach (var name in new[] { "old1", "old2", "fresh", "open", "locked" })
        {
            await CreateAsync(name);
        }

        // old1, old2, open and locked were last used two days ago; fresh just now.
        foreach (var name in new[] { "old1", "old2", "open", "locked" })
        {
            var db = Clone + "_" + name;
            var comment = (await CommentAsync(db))!;
            var aged = System.Text.RegularExpressions.Regex.Replace(comment, " used=[^ ]+", " used=" + DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{db}\" IS '{aged}'");
        }

        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_cut\"");
        await using var session = await Pg.OpenAsync(Clone + "_open");
        await using var holder = await Pg.OpenAsync("postgres");
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_lock({BranchLifecycle.LockKey(BranchName.Of(Kept, "locked"))})", holder))
        {
            await lockCmd.ExecuteNonQueryAsync();
        }

        var before = await DatabasesAsync();
        var dry = await Branches.GcAsync(TimeSpan.FromHours(24), dryRun: true);
        Assert.Equal(["locked", "old1", "old2"], dry.Dropped.Select(b => b.Name).Order());
        Assert.False(dry.Changed);
        Assert.Equal(before, await DatabasesAsync());

        var gc = await Branches.GcAsync(TimeSpan.FromHours(24), dryRun: false);
        Assert.Equal(["old1", "old2"], gc.Dropped.Select(b => b.Name).Order());
        Assert.Contains(gc.Skipped, s => s.Name == "locked" && s.Reason.Contains("busy", StringComparison.Ordinal));
        Assert.Contains(gc.Skipped, s => s.Name == "cut" && s.Reason.Contains("branch drop cut", StringComparison.Ordinal));
        Assert.Equal(2, gc.Kept); // fresh (recent) and open (a session)
        Assert.Equal(["cut", "fresh", "locked", "open"], (await Branches.ListAsync()).Select(b => b.Name));
        Assert.True(await Pg.DatabaseExistsAsync(Clone));
        Assert.True(await Pg.DatabaseExistsAsync(Kept.TemplateDatabase));

        // 0s: every idle one goes, whatever its age; busy and open ones stay.
        var all = await Branches.GcAsync(TimeSpan.Zero, dryRun: false);
        Assert.Equal(["fresh"], all.Dropped.Select(b => b.Name));
    }

    [Fact]
    public async Task The_budget_refuses_past_maxBranches_or_under_the_free_space_floor_naming_the_setting_and_changing_nothing()
    {
        await CreateAsync("one");
        var capped = new BranchLifecycle(Kept with { MaxBranches = 1 });
        var before = await DatabasesAsync();
        var cap = await Assert.ThrowsAsync<GuardException>(() => CreateAsync("two", lifecycle: capped));
        Assert.Equal("govclone:maxBranches", cap.Setting);
        Assert.Equal(2, cap.ExitCode);
        Assert.Equal(before, await DatabasesAsync());

        var floor = new BranchLifecycle(Kept with { BranchMinFreeBytes = long.MaxValue / 2 });
        var full = await Assert.ThrowsAsync<GuardException>(() => CreateAsync("two", lifecycle: floor));
        Assert.Equal("govclone:branchMinFreeBytes", full.Setting);
        Assert.Equal(before, await DatabasesAsync());

        // An existing complete branch converges within any budget: nothing is copied.
        Assert.True((await CreateAsync("one", lifecycle: capped)).Passed);
    }

    [Fact]
    public async Task Two_creates_at_once_from_the_same_template_both_complete_and_a_cap_of_one_more_keeps_exactly_one()
    {
        var both = await Task.WhenAll(CreateAsync("pra"), CreateAsync("prb"));
        Assert.All(both, r => Assert.True(r.Passed && r.Copied));
        var source = await UnseededDigestsAsync(TestServer.Source);
        foreach (var name in new[] { "pra", "prb" })
        {
            Assert.True(BranchMarker.Parse(await CommentAsync(Clone + "_" + name))!.Complete);
            Assert.Equal(source, await UnseededDigestsAsync(Clone + "_" + name));
        }

        // Room for one more only: of two creates at once, one completes and the other is refused, whatever the order.
        var capped = new BranchLifecycle(Kept with { MaxBranches = 3 });
        var race = await Task.WhenAll(Try(CreateAsync("prc", lifecycle: capped)), Try(CreateAsync("prd", lifecycle: capped)));
        Assert.Single(race, r => r is BranchCreateResult { Passed: true });
        Assert.Single(race, r => r is GuardException { Setting: "govclone:maxBranches" });
        Assert.Equal(3, (await Branches.ListAsync()).Count);

        static async Task<object> Try(Task<BranchCreateResult> t)
        {
            try
            {
                return await t;
            }
            catch (GuardException ex)
            {
                return ex;
            }
        }
    }

    [Fact]
    public async Task Branch_levers_do_not_wait_for_the_clones_lock()
    {
        await using var held = await RunLock.AcquireAsync(Lifecycle.Connections, Kept, "test-holds-the-clone-lock", CancellationToken.None);
        var impatient = new BranchLifecycle(Kept with { LockTimeoutSeconds = 2 });
        Assert.True((await CreateAsync("free", lifecycle: impatient)).Passed);
        Assert.True((await impatient.VerifyAsync("free", null)).Passed);
        Assert.True((await impatient.DropAsync("free")).Changed);
        // While the clone's own levers do wait for it.
        await Assert.ThrowsAsync<OperationFailedException>(() => new CloneLifecycle(Kept with { LockTimeoutSeconds = 1 }).SeedAsync());
    }

    [Fact]
    public async Task A_create_cut_short_is_made_again_by_the_next_create()
    {
        // Incomplete: cut before the checked mark (the incomplete marker, naming this family, follows the CREATE in its
        // session; an old create's marker says parent=). Unmarked: nothing says it is a branch of this clone (issue 22):
        // named in a refusal, never dropped or copied over.
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_cut\" TEMPLATE \"{Kept.TemplateDatabase}\"");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_half\"");
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{Clone}_half\" IS 'govclone:branch-incomplete parent={Clone} owner=x created=2026-06-02T00:00:00Z'");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_late\"");
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{Clone}_late\" IS 'govclone:branch-incomplete family={Clone} owner=x created=2026-06-02T00:00:00Z'");
        // Cut between its CREATE and its first mark: the CREATE carried this family's fingerprint for the name.
        string? fingerprint = null;
        await using (var conn = await Pg.OpenAsync("postgres"))
        {
            await using var cmd = new NpgsqlCommand(GovClone.Engine.EngineFiles.Settings(("clone", Clone), ("branch", Clone + "_quick")) + GovClone.Engine.EngineFiles.GetSql("prefix_guard.sql")
                + "SELECT current_setting('govclone.fingerprint_branch');", conn);
            await using var r = await cmd.ExecuteReaderAsync();
            do
            {
                while (await r.ReadAsync())
                {
                    fingerprint = r.GetString(0);
                }
            }
            while (await r.NextResultAsync());
        }

        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_quick\" TEMPLATE \"{Kept.TemplateDatabase}\" CONNECTION LIMIT {fingerprint}");
        Assert.Equal([BranchState.Unmarked, BranchState.Incomplete, BranchState.Incomplete, BranchState.Unmarked], (await Branches.ListAsync()).OrderBy(b => b.Name).Select(b => b.State));
        var unmarked = await Assert.ThrowsAsync<GuardException>(() => CreateAsync("cut"));
        Assert.Contains("carries no govclone marker", unmarked.Message, StringComparison.Ordinal);
        Assert.Equal(BranchState.Unmarked, (await Branches.ListAsync()).Single(b => b.Name == "cut").State);
        foreach (var name in new[] { "half", "late", "quick" })
        {
            var again = await CreateAsync(name);
            Assert.True(again.Copied && again.Passed);
            Assert.Contains(again.Steps, s => s.Lever == "branch drop" && s.Summary.Contains("cut short", StringComparison.Ordinal));
            Assert.True(BranchMarker.Parse(await CommentAsync(Clone + "_" + name))!.Complete);
        }
    }
}
