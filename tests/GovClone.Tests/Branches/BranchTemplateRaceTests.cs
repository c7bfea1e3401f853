using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Branches;

/// <summary>
/// A branch's copy against a rebuild of the template it copies (a re-clone from the source replaces the template):
/// no branch is ever marked complete from a template that was not the same, whole and current, all through its copy.
/// </summary>
public class BranchTemplateRaceTests(SharedBranchClone shared) : BranchTestBase(shared), IClassFixture<SharedBranchClone>
{
    /// <summary>A lifecycle that runs <paramref name="meanwhile"/> once, when the copy step starts (after the template was read, before CREATE DATABASE).</summary>
    private BranchLifecycle AtCopy(Action meanwhile)
    {
        var done = 0;
        return new BranchLifecycle(Kept, step =>
        {
            if (step is { Name: "copy", Phase: "start" } && Interlocked.Exchange(ref done, 1) == 0)
            {
                meanwhile();
            }
        });
    }

    private void Sql(string database, string sql)
    {
        using var conn = new NpgsqlConnection(Pg.Server.ConnectionString(database));
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public async Task A_template_replaced_between_its_read_and_the_copy_fails_the_mark_and_the_new_one_is_copied()
    {
        var template = Kept.TemplateDatabase;
        var marker = (await CommentAsync(template))!;
        var oid = await Pg.ScalarAsync("postgres", $"SELECT oid::bigint FROM pg_database WHERE datname = '{template}'");
        // Dropped and made again under the same name with the very same marker: only the oid tells them apart.
        var lifecycle = AtCopy(() =>
        {
            Sql("postgres", $"ALTER DATABASE \"{template}\" IS_TEMPLATE false");
            Sql("postgres", $"DROP DATABASE \"{template}\"");
            Sql("postgres", $"CREATE DATABASE \"{template}\" TEMPLATE \"{Clone}\"");
            Sql("postgres", $"ALTER DATABASE \"{template}\" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true");
            Sql("postgres", $"COMMENT ON DATABASE \"{template}\" IS '{marker}'");
        });

        var result = await CreateAsync("swap", lifecycle: lifecycle);
        Assert.NotEqual(oid, await Pg.ScalarAsync("postgres", $"SELECT oid::bigint FROM pg_database WHERE datname = '{template}'"));
        Assert.Contains(result.Steps, s => s.Summary.Contains("the template changed while", StringComparison.Ordinal));
        Assert.True(result.Copied && result.Passed);
        Assert.True(BranchMarker.Parse(await CommentAsync(Clone + "_swap"))!.Complete);
    }

    [Fact]
    public async Task A_template_re_marked_between_its_read_and_the_copy_is_copied_again_and_the_branch_names_the_new_one()
    {
        var template = Kept.TemplateDatabase;
        var newer = EngineScript.TemplateMarkerFor(Kept) + " at=2099-01-01T00:00:00Z";
        var result = await CreateAsync("remark", lifecycle: AtCopy(() => Sql("postgres", $"COMMENT ON DATABASE \"{template}\" IS '{newer}'")));
        Assert.Contains(result.Steps, s => s.Summary.Contains("attempt 1", StringComparison.Ordinal));
        Assert.Equal("2099-01-01T00:00:00Z", BranchMarker.Parse(await CommentAsync(Clone + "_remark"))!.TemplateAt);
    }

    [Fact]
    public async Task A_template_released_while_the_copy_waits_for_it_leaves_no_branch_marked_complete()
    {
        var template = Kept.TemplateDatabase;
        // The release's first write (marking it dropping) holds the template's lock in an open transaction: the copy must wait for it.
        await using var release = await Pg.OpenAsync("postgres");
        await using var tx = await release.BeginTransactionAsync();
        await using (var unmark = new NpgsqlCommand($"COMMENT ON DATABASE \"{template}\" IS 'govclone:dropping family={Clone} role=template at=2026-06-02T00:00:00Z'", release, tx))
        {
            await unmark.ExecuteNonQueryAsync();
        }

        var create = CreateAsync("late");
        // Wait (a condition, not a time) until the branch's CREATE DATABASE is waiting on the template's lock.
        await Eventually.HoldsAsync(async () => create.IsCompleted || (long)(await Pg.ScalarAsync("postgres",
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE DATABASE%'"))! > 0,
            "the branch's CREATE DATABASE never waited for the template's lock");
        Assert.False(create.IsCompleted);
        await tx.CommitAsync(); // the template is released: the copy now copies a template that is no longer current

        var ex = await Assert.ThrowsAsync<GuardException>(() => create);
        Assert.Equal("govclone:retainTemplate", ex.Setting);
        Assert.False(await Pg.DatabaseExistsAsync(Clone + "_late"), "the copy of a released template is dropped, never marked");
    }

    [Fact]
    public async Task Branches_made_while_a_re_clone_rebuilds_the_template_are_whole_copies_or_none()
    {
        var source = await UnseededDigestsAsync(TestServer.Source);
        var reclone = new CloneLifecycle(Kept with { CloneMethod = CloneMethod.Streams }).CloneAsync(force: true);
        var made = new List<string>();
        for (var i = 0; i < 3 && !reclone.IsCompleted; i++)
        {
            var name = "rc" + i;
            var result = await CreateAsync(name);
            Assert.True(result.Passed);
            made.Add(name);
        }

        await reclone;
        await using (var maintenance = await Pg.OpenAsync("postgres"))
        {
            Assert.True((await new CloneLifecycle(Kept).ReadTemplateAsync(maintenance, CancellationToken.None)).Current);
        }

        foreach (var b in await Branches.ListAsync())
        {
            Assert.Equal(BranchState.Complete, b.State);
            Assert.Equal(source, await UnseededDigestsAsync(b.Database));
        }

        Assert.Equal(made, (await Branches.ListAsync()).Select(b => b.Name));
    }
}
