using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Tests.Support;

namespace GovClone.Tests.Branches;

/// <summary>
/// A clone converged with a retained template (what branches are copied from); the test's branches dropped at the end.
/// The clone is the test's own, or (given a <see cref="SharedBranchClone"/>) the class's: then each test starts with an
/// <c>up</c> of it, which copies nothing when an earlier test left it complete, and a fresh clone when one dropped it
/// or its template.
/// </summary>
public abstract class BranchTestBase : CloneTestBase
{
    private readonly SharedBranchClone? _shared;

    protected BranchTestBase()
    {
    }

    protected BranchTestBase(SharedBranchClone shared)
        : base((shared ?? throw new ArgumentNullException(nameof(shared))).Clone, dropFamily: false)
    {
        _shared = shared;
    }

    protected GovCloneSettings Kept { get; private set; } = null!;

    protected BranchLifecycle Branches { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Kept = Settings with { RetainTemplate = RetainTemplate.Yes };
        if (_shared is null)
        {
            var up = await new CloneLifecycle(Kept).UpAsync();
            Assert.True(up.Verify.Passed);
        }
        else
        {
            await SharedBranchClone.ConvergeAsync(Pg, Kept);
        }

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

/// <summary>
/// One clone for the tests of a class (they run one after another): converged with a retained template before each
/// test, its whole family dropped after the last one.
/// </summary>
public sealed class SharedBranchClone : IAsyncLifetime
{
    public string Clone { get; } = TestServer.NewCloneName();

    /// <summary>
    /// <c>up</c> with the retained template; when an earlier test left no current template (it re-cloned without one, or
    /// replaced it), the family is dropped and made again, exactly as a test's own clone is.
    /// </summary>
    public static async Task ConvergeAsync(TestServer pg, GovCloneSettings kept)
    {
        ArgumentNullException.ThrowIfNull(pg);
        var lifecycle = new CloneLifecycle(kept);
        var up = await lifecycle.UpAsync();
        bool current;
        await using (var maintenance = await pg.OpenAsync("postgres"))
        {
            current = (await lifecycle.ReadTemplateAsync(maintenance, CancellationToken.None)).Current;
        }

        if (!up.Verify.Passed || !current)
        {
            await DropAsync(pg, kept);
            up = await lifecycle.UpAsync();
        }

        Assert.True(up.Verify.Passed);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        var pg = await TestServer.GetAsync();
        await DropAsync(pg, pg.Settings(Clone));
    }

    private static async Task DropAsync(TestServer pg, GovCloneSettings settings)
    {
        foreach (var sql in CloneLifecycle.DropStatements(settings))
        {
            await pg.ExecuteAsync("postgres", sql);
        }
    }
}
