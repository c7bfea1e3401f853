using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Tests.Support;

namespace GovClone.Tests.Branches;

/// <summary>A test's own clone, converged with a retained template (what branches are copied from); its branches dropped at the end.</summary>
public abstract class BranchTestBase : CloneTestBase
{
    protected GovCloneSettings Kept { get; private set; } = null!;

    protected BranchLifecycle Branches { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Kept = Settings with { RetainTemplate = RetainTemplate.Yes };
        var up = await new CloneLifecycle(Kept).UpAsync();
        Assert.True(up.Verify.Passed);
        Branches = new BranchLifecycle(Kept);
    }

    public override async Task DisposeAsync()
    {
        foreach (var db in await DatabasesAsync())
        {
            if (db != Kept.TemplateDatabase && db != Clone)
            {
                await Pg.ExecuteAsync("postgres", $"ALTER DATABASE \"{db}\" IS_TEMPLATE false");
                await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)");
            }
        }

        await base.DisposeAsync();
    }

    /// <summary>Every database whose name starts with the clone's (the clone, its family, its branches).</summary>
    protected async Task<List<string>> DatabasesAsync()
    {
        var list = new List<string>();
        await using var conn = await Pg.OpenAsync("postgres");
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY 1", conn);
        cmd.Parameters.AddWithValue(Clone);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(r.GetString(0));
        }

        return list;
    }

    protected async Task<string?> CommentAsync(string database) =>
        (string?)await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'");

    protected Task<BranchCreateResult> CreateAsync(string name, SeedProfile profile = SeedProfile.Committed, string owner = "tester", BranchLifecycle? lifecycle = null) =>
        (lifecycle ?? Branches).CreateAsync(name, new BranchCreateOptions(profile, owner));

    /// <summary>Row counts and checksums of every table but the ones the seed writes: a whole copy of the source has the source's.</summary>
    protected async Task<SortedDictionary<string, string>> UnseededDigestsAsync(string database)
    {
        await using var conn = await Pg.OpenAsync(database);
        var all = await LabKit.TableDigestsAsync(conn);
        foreach (var seeded in new[] { "governance_object_ownership", "governance_ruleset", "candidate_scan_run", "governance_candidate_state", "governance_candidate_object", "gov_worker_cursor" })
        {
            all.Remove("public." + seeded);
        }

        return all;
    }
}
