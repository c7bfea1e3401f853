using System.Globalization;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Branches;

/// <summary>
/// Issue 26.4: the ready branch spare <c>&lt;clone&gt;_bspare</c>, made by <c>govclone spare</c> and renamed to the branch by
/// <c>branch create</c> (no copy), against the real server: taken when it copies the current template, dropped when
/// stale, dropped by <c>drop</c>, its bytes in the budget and the decision but never counted as a branch, and its name
/// refused by the guards outside the prefix.
/// </summary>
public class BranchSpareTests(SharedBranchClone shared) : BranchTestBase(shared), IClassFixture<SharedBranchClone>
{
    private string SpareName => Clone + FamilyRules.BranchSpareSuffix;

    private GovCloneSettings NoFloor => Kept with { BranchMinFreeBytes = 0 };

    [Fact]
    public async Task Create_renames_a_ready_branch_spare_instead_of_copying_and_the_next_create_copies()
    {
        var spare = await new CloneLifecycle(NoFloor).SpareAsync();
        Assert.Contains($"branch spare: {SpareName} made", spare.Summary, StringComparison.Ordinal);
        var oid = await OidAsync(SpareName);
        Assert.NotNull(oid);
        var marker = FamilyMarker.Parse(await CommentAsync(SpareName), SpareName)!;
        Assert.Equal((MarkerKinds.BranchSpare, Clone, FamilyRules.Roles.BranchSpare), (marker.Kind, marker.Family, marker.Role));
        Assert.Equal((await OidAsync(Kept.TemplateDatabase))!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), marker["oid"]);
        Assert.Equal(false, await Pg.ScalarAsync("postgres", $"SELECT datallowconn FROM pg_database WHERE datname = '{SpareName}'"));

        // Not a branch: the list and the budget do not count it.
        var branches = new BranchLifecycle(NoFloor with { MaxBranches = 1 });
        Assert.Empty(await branches.ListAsync());

        // A second `govclone spare` keeps it.
        Assert.Contains($"branch spare: {SpareName} ready", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        Assert.Equal(oid, await OidAsync(SpareName));

        var result = await CreateAsync("bs1", lifecycle: branches);
        Assert.True(result.Passed, string.Join("; ", result.Verify.Drift));
        Assert.True(result.Copied);
        Assert.True(result.UsedBranchSpare);
        Assert.True(result.SpareDue);
        Assert.Contains(result.Steps, s => s.Lever == "copy" && s.Summary.StartsWith($"renamed the ready branch spare {SpareName}", StringComparison.Ordinal));
        Assert.Equal(oid, await OidAsync(Clone + "_bs1")); // the very database: renamed, not copied
        Assert.False(await Pg.DatabaseExistsAsync(SpareName));
        Assert.True(BranchMarkerOf(await CommentAsync(Clone + "_bs1")).Complete);
        Assert.Equal(true, await Pg.ScalarAsync("postgres", $"""
            SELECT d.datallowconn AND d.datconnlimit = -1 AND d.datacl IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY'))
            FROM pg_database d WHERE datname = '{Clone}_bs1'
            """));

        // The budget is full now (maxBranches 1): `govclone spare` makes none, and says why.
        var full = await new CloneLifecycle(NoFloor with { MaxBranches = 1 }).SpareAsync();
        Assert.Contains("branch spare: none:", full.Summary, StringComparison.Ordinal);
        Assert.Contains("govclone:maxBranches 1", full.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(SpareName));

        // Without one, the next create copies the template, as before.
        var copied = await CreateAsync("bs2", lifecycle: new BranchLifecycle(NoFloor));
        Assert.True(copied.Passed);
        Assert.False(copied.UsedBranchSpare);
        Assert.Contains(copied.Steps, s => s.Lever == "copy" && s.Summary.StartsWith($"copied {Kept.TemplateDatabase}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stale_branch_spare_is_dropped_and_the_current_template_copied()
    {
        Assert.Contains("made", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        var spareOid = await OidAsync(SpareName);
        var templateOid = await OidAsync(Kept.TemplateDatabase);

        // The template re-cloned from the source after the spare was made (no clone spare: a fresh copy, a new template).
        var reclone = await new CloneLifecycle(NoFloor with { KeepSpare = KeepSpare.No, CloneMethod = CloneMethod.Streams }).CloneAsync(force: true, remakeSpare: false, CancellationToken.None);
        Assert.True(reclone.Changed, reclone.Summary);
        Assert.NotEqual(templateOid, await OidAsync(Kept.TemplateDatabase));
        Assert.Equal(spareOid, await OidAsync(SpareName)); // still there, now stale
        Assert.True((await new CloneLifecycle(NoFloor).UpAsync(remakeSpare: false, CancellationToken.None)).Verify.Passed);

        var result = await CreateAsync("stale", lifecycle: new BranchLifecycle(NoFloor));
        Assert.True(result.Passed, string.Join("; ", result.Verify.Drift));
        Assert.False(result.UsedBranchSpare);
        Assert.Contains(result.Steps, s => s.Lever == "branch spare" && s.Changed && s.Summary.StartsWith($"dropped the stale branch spare {SpareName}", StringComparison.Ordinal));
        Assert.False(await Pg.DatabaseExistsAsync(SpareName));
        Assert.NotEqual(spareOid, await OidAsync(Clone + "_stale"));
        Assert.EndsWith(" at=" + BranchMarkerOf(await CommentAsync(Clone + "_stale")).TemplateAt, await CommentAsync(Kept.TemplateDatabase), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Its_bytes_count_in_the_free_space_floor_and_the_decision_and_drop_removes_it()
    {
        // A floor no copy of the template can keep: no branch spare is made, and `spare` says which setting.
        var floor = await new CloneLifecycle(Kept with { BranchMinFreeBytes = long.MaxValue / 4 }).SpareAsync();
        Assert.Contains("under govclone:branchMinFreeBytes", floor.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(SpareName));

        // keepBranchSpare false: none, and an existing one dropped.
        Assert.Contains("made", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        Assert.Contains("branch spare: none: keepBranchSpare false; dropped the stale", (await new CloneLifecycle(NoFloor with { KeepBranchSpare = false }).SpareAsync()).Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(SpareName));

        // The status and the decision count it among the family's companions, with its size.
        Assert.Contains("made", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        var status = await new CloneLifecycle(NoFloor).StatusAsync();
        var counted = Assert.Single(status.Facts.CompanionSizes, c => c.Name == SpareName);
        Assert.True(counted.Bytes > 0);
        Assert.DoesNotContain(status.Branches, b => b.Database == SpareName);

        // drop removes it with the family.
        var drop = await new CloneLifecycle(NoFloor).DropAsync();
        Assert.Contains(SpareName, drop.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(SpareName));
    }

    [Fact]
    public async Task A_database_of_its_name_that_nobody_marked_is_never_taken_nor_dropped()
    {
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{SpareName}\"");
        var result = await CreateAsync("unmarked", lifecycle: new BranchLifecycle(NoFloor));
        Assert.True(result.Passed);
        Assert.False(result.UsedBranchSpare);
        Assert.True(await Pg.DatabaseExistsAsync(SpareName));
        var refused = await Assert.ThrowsAsync<GuardException>(() => new CloneLifecycle(NoFloor).SpareAsync());
        Assert.Contains(SpareName, refused.Message, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(SpareName));
    }

    [Fact]
    public async Task Take_by_hand_over_an_existing_database_refuses_42P04_and_keeps_the_spare_while_a_stale_one_gets_GC003()
    {
        // A current branch spare, and a database nobody marked already at the branch's name.
        Assert.Contains("made", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        var spareOid = await OidAsync(SpareName);
        var spareMarker = await CommentAsync(SpareName);
        var branch = Clone + "_dup";
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{branch}\"");
        var branchOid = await OidAsync(branch);
        var templateOid = (await OidAsync(Kept.TemplateDatabase))!.Value;
        var templateComment = (await CommentAsync(Kept.TemplateDatabase))!;

        // sql/branch/bspare_take.sql as its header runs it: psql -X -d postgres, its settings, -f the file.
        var exists = await TakeByHandAsync(branch, templateOid, templateComment);
        Assert.True(exists.ExitCode == 3, exists.StandardError); // psql: the file's error under its own ON_ERROR_STOP
        Assert.Contains($"ERROR:  42P04: govclone: the database {branch} already exists: the branch spare {SpareName} is not renamed over it", exists.StandardError, StringComparison.Ordinal);
        await AssertUnchangedAsync();
        Assert.Contains($"branch spare: {SpareName} ready", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        Assert.Equal(spareOid, await OidAsync(SpareName));

        // Not current: the template is not the one read before (its comment differs), or the spare copies another one.
        var changed = await TakeByHandAsync(branch, templateOid, templateComment + "x");
        Assert.True(changed.ExitCode == 3, changed.StandardError);
        Assert.Contains($"ERROR:  GC003: govclone: the branch spare {SpareName} is not a ready copy of the retained template", changed.StandardError, StringComparison.Ordinal);
        await AssertUnchangedAsync();
        var staleMarker = System.Text.RegularExpressions.Regex.Replace(spareMarker!, " oid=[0-9]+ ", " oid=0 ");
        Assert.NotEqual(spareMarker, staleMarker);
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{SpareName}\" IS '{staleMarker}'");
        var stale = await TakeByHandAsync(branch, templateOid, templateComment);
        Assert.True(stale.ExitCode == 3, stale.StandardError);
        Assert.Contains($"ERROR:  GC003: govclone: the branch spare {SpareName} is not a ready copy of the retained template", stale.StandardError, StringComparison.Ordinal);
        Assert.Equal((spareOid, staleMarker), (await OidAsync(SpareName), await CommentAsync(SpareName)));
        Assert.Equal(branchOid, await OidAsync(branch));

        // Current again and nothing at the branch's name: the same by-hand run renames it.
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{SpareName}\" IS '{spareMarker}'");
        await Pg.ExecuteAsync("postgres", $"DROP DATABASE \"{branch}\"");
        var taken = await TakeByHandAsync(branch, templateOid, templateComment);
        Assert.True(taken.ExitCode == 0, taken.StandardError);
        Assert.False(await Pg.DatabaseExistsAsync(SpareName));
        Assert.Equal(spareOid, await OidAsync(branch));
        Assert.StartsWith($"govclone:branch-incomplete family={Clone} owner=by-hand created=", await CommentAsync(branch), StringComparison.Ordinal);

        async Task AssertUnchangedAsync()
        {
            Assert.Equal((spareOid, spareMarker), (await OidAsync(SpareName), await CommentAsync(SpareName)));
            Assert.Equal(branchOid, await OidAsync(branch));
            Assert.Equal(string.Empty, await Pg.ScalarAsync("postgres", $"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '{branch}'"));
            Assert.Equal(false, await Pg.ScalarAsync("postgres", $"SELECT datallowconn FROM pg_database WHERE datname = '{SpareName}'"));
        }
    }

    [Fact]
    public async Task Create_over_a_database_at_the_branch_name_fails_naming_it_and_keeps_the_ready_branch_spare()
    {
        // branch create's rename (TryTakeAsync) when a database of the branch's name (one the branch guard lets by: a
        // branch marker of this family) came meanwhile: 42P04 reaches the caller; the ready branch spare is not dropped.
        Assert.Contains("made", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        var spareOid = await OidAsync(SpareName);
        var spareMarker = await CommentAsync(SpareName);
        var branch = GovClone.Branches.BranchName.Of(NoFloor, "dup2");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{branch.Database}\"");
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{branch.Database}\" IS '{FamilyRules.Marker(MarkerKinds.BranchIncomplete).Text(Clone, "someone", "2026-06-02T00:00:00Z")}'");
        var branchOid = await OidAsync(branch.Database);
        var templateOid = (await OidAsync(Kept.TemplateDatabase))!.Value;
        var templateComment = (await CommentAsync(Kept.TemplateDatabase))!;

        await using (var maintenance = await Pg.OpenAsync("postgres"))
        {
            var spare = new BranchSpare(NoFloor, new HostDisk(new GovClone.Transport.ServerTransport(NoFloor)));
            var ex = await Assert.ThrowsAsync<PostgresException>(() => spare.TryTakeAsync(maintenance, branch, templateOid, templateComment, "tester", CancellationToken.None));
            Assert.Equal(PostgresErrorCodes.DuplicateDatabase, ex.SqlState);
            Assert.Contains(branch.Database, ex.MessageText, StringComparison.Ordinal);
            Assert.True((await spare.ReadAsync(maintenance, CancellationToken.None)).Current);
        }

        Assert.Equal((spareOid, spareMarker), (await OidAsync(SpareName), await CommentAsync(SpareName)));
        Assert.Equal(branchOid, await OidAsync(branch.Database));

        // Its lock was let go: `govclone spare` takes it and keeps the spare.
        Assert.Contains($"branch spare: {SpareName} ready", (await new CloneLifecycle(NoFloor).SpareAsync()).Summary, StringComparison.Ordinal);
        Assert.Equal(spareOid, await OidAsync(SpareName));
    }

    [Theory]
    [InlineData("directus", "directus_bspare")] // production as the clone
    [InlineData("directus_gov_test_x", "directus")] // production named as the clone's branch spare
    [InlineData("directus_gov_test_x", "directus_gov_test_y_bspare")] // another family's
    public async Task The_guards_refuse_a_branch_spare_name_outside_the_prefix_or_the_family(string clone, string spare)
    {
        await using var conn = await Pg.OpenAsync("postgres");
        var sql = EngineFiles.Settings(("clone", clone), ("bspare", spare), ("branch", clone + "_pr1"), ("template", clone + "_template"))
            + EngineFiles.GetSql("prefix_guard.sql");
        await using var cmd = new NpgsqlCommand(sql, conn);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Equal("GC001", ex.SqlState);

        // The rename itself checks the names again, inside its transaction.
        var take = EngineFiles.Settings(("clone", clone), ("bspare", spare), ("branch", "directus"), ("template", clone + "_template"), ("owner", "t"),
            ("template_oid", "0"), ("template_comment", string.Empty), ("template_marker", "govclone:template"), ("bspare_marker", "govclone:branch-spare"))
            + GovClone.Branches.BranchSql.Get(GovClone.Branches.BranchSql.SpareTake);
        await using var takeCmd = new NpgsqlCommand(take, conn);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => takeCmd.ExecuteNonQueryAsync());
        Assert.Equal("GC001", refused.SqlState);
        Assert.True(await Pg.DatabaseExistsAsync("directus"));
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("2")]
    public void KeepBranchSpare_takes_true_or_false_and_names_itself_otherwise(string value)
    {
        Assert.True(TestServerSettings(("keepBranchSpare", "false")).KeepBranchSpare is false);
        Assert.True(TestServerSettings().KeepBranchSpare);
        var ex = Assert.Throws<ConfigurationException>(() => TestServerSettings(("keepBranchSpare", value)));
        Assert.Equal("govclone:keepBranchSpare", ex.Setting);
        Assert.Contains("true or false", ex.Fix, StringComparison.Ordinal);
    }

    /// <summary>sql/branch/bspare_take.sql run by plain psql, as its header shows, with the settings it reads.</summary>
    private async Task<ProcessResult> TakeByHandAsync(string branch, long templateOid, string templateComment)
    {
        var server = Pg.Server;
        string Set(string name, string value) => $"SET govclone.{name} = {DatabaseNameGuard.QuoteLiteral(value)}";
        var spec = new ProcessSpec(Path.Combine(server.BinDirectory, "psql"),
        [
            "-X", "-v", "VERBOSITY=verbose", "-h", server.Host, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.SuperUser, "-d", "postgres",
            "-c", Set("clone", Clone), "-c", Set("bspare", SpareName), "-c", Set("branch", branch), "-c", Set("template", Kept.TemplateDatabase),
            "-c", Set("owner", "by-hand"), "-c", Set("template_oid", templateOid.ToString(CultureInfo.InvariantCulture)), "-c", Set("template_comment", templateComment),
            "-c", Set("template_marker", EngineScript.TemplateMarkerFor(Kept)), "-c", Set("bspare_marker", FamilyRules.Marker(MarkerKinds.BranchSpare).Text(Clone, Kept.SourceDatabase, Kept.CloneGeneration.ToString(CultureInfo.InvariantCulture))),
            "-f", Path.Combine(InProcessCli.RepoRoot, "sql/branch/bspare_take.sql"),
        ])
        {
            Environment = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password, ["PGOPTIONS"] = null, ["PSQLRC"] = "/dev/null" },
        };
        return await ProcessRunner.RunAsync(spec, CancellationToken.None);
    }

    private GovCloneSettings TestServerSettings(params (string Key, string Value)[] values) =>
        Pg.Settings(Clone, values.ToDictionary(v => v.Key, v => (string?)v.Value));

    private static GovClone.Branches.BranchMarker BranchMarkerOf(string? comment) => GovClone.Branches.BranchMarker.Parse(comment)!;

    private async Task<long?> OidAsync(string database) =>
        await Pg.ScalarAsync("postgres", $"SELECT oid::bigint FROM pg_database WHERE datname = '{database}'") is long oid ? oid : null;
}
