using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Lifecycle;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// Issue 21.7: no leftovers, ever. A clone stopped mid-copy leaves its <c>&lt;clone&gt;_next</c> marked building (its marker
/// written when it was created, naming this family); status lists it with its size, the decision's disk cost counts it,
/// and the next lever to take the lock drops it and says so. <c>clone --force</c> and <c>spare</c> leave none.
/// </summary>
public class LeftoverTests : CloneTestBase
{
    private string Next => Clone + FamilyRules.NextSuffix;

    [Fact]
    public async Task An_interrupted_clones_next_is_listed_counted_and_dropped_by_the_next_lever_that_says_so()
    {
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        await InterruptAReCloneAsync();
        Assert.StartsWith($"govclone:building family={Clone} role=next at=", await MarkerAsync(Next), StringComparison.Ordinal);

        var status = await Lifecycle.StatusAsync();
        var leftover = Assert.Single(status.Leftovers);
        Assert.Equal((Next, "next", "building"), (leftover.Name, leftover.Role, leftover.Kind));
        Assert.True(leftover.SizeBytes > 0);
        Assert.Contains(status.Facts.CompanionSizes, c => c.Name == Next && c.Bytes == leftover.SizeBytes);
        Assert.Contains(Next, status.Decision.Factors.Single(x => x.Factor == "Disk cost").Assessment, StringComparison.Ordinal);

        var seed = await Lifecycle.SeedAsync();
        Assert.Contains($"dropped {Next}", seed.Summary, StringComparison.Ordinal);
        Assert.Contains("left by an interrupted run of this family", seed.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Next));
        Assert.Empty((await Lifecycle.StatusAsync()).Leftovers);
    }

    [Fact]
    public async Task A_build_whose_client_died_between_its_create_and_its_marker_is_known_by_its_creation_fingerprint()
    {
        // psql killed right after CREATE DATABASE committed, before the marker that follows it: the CREATE itself carried
        // this family's fingerprint for the name (CONNECTION LIMIT, from prefix_guard.sql), so it is still this family's.
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        var fingerprint = await FingerprintAsync(Clone, "next");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE {Next} CONNECTION LIMIT {fingerprint}");
        var leftover = Assert.Single((await Lifecycle.StatusAsync()).Leftovers);
        Assert.Equal((Next, "building"), (leftover.Name, leftover.Kind));
        Assert.Contains($"dropped {Next}", (await Lifecycle.SeedAsync()).Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Next));

        // Another family's fingerprint, or any other limit, is not this family's: named, never dropped.
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE {Next} CONNECTION LIMIT {await FingerprintAsync("directus_gov_test_someone", "next")}");
        try
        {
            await Assert.ThrowsAsync<GuardException>(() => Lifecycle.SeedAsync());
            Assert.True(await Pg.DatabaseExistsAsync(Next));
        }
        finally
        {
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {Next} WITH (FORCE)");
        }
    }

    /// <summary>The creation fingerprint prefix_guard.sql gives <paramref name="clone"/>'s <paramref name="role"/>.</summary>
    private async Task<string> FingerprintAsync(string clone, string role)
    {
        await using var conn = await Pg.OpenAsync("postgres");
        await using var cmd = new NpgsqlCommand(GovClone.Engine.EngineFiles.Settings(("clone", clone)) + GovClone.Engine.EngineFiles.GetSql("prefix_guard.sql")
            + $"SELECT current_setting('govclone.fingerprint_{role}');", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var last = string.Empty;
        do
        {
            while (await r.ReadAsync())
            {
                last = r.GetValue(0) as string ?? last;
            }
        }
        while (await r.NextResultAsync());
        return last;
    }

    [Fact]
    public async Task Up_drops_an_interrupted_runs_next_and_says_so()
    {
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        await InterruptAReCloneAsync();
        var up = await Lifecycle.UpAsync();
        Assert.Contains(up.Steps, s => s.Lever == "leftovers" && s.Summary.StartsWith($"dropped {Next}", StringComparison.Ordinal));
        Assert.False(await Pg.DatabaseExistsAsync(Next));
    }

    [Fact]
    public async Task Clone_force_and_spare_leave_no_leftover()
    {
        var kept = Settings with { RetainTemplate = RetainTemplate.Yes, KeepSpare = KeepSpare.Yes };
        var lifecycle = new CloneLifecycle(kept);
        await lifecycle.UpAsync();
        await lifecycle.CloneAsync(force: true);
        Assert.Empty((await lifecycle.StatusAsync()).Leftovers);
        await lifecycle.SpareAsync();
        await lifecycle.CloneAsync(force: true, remakeSpare: false, CancellationToken.None);
        await lifecycle.SpareAsync();
        var status = await lifecycle.StatusAsync();
        Assert.Empty(status.Leftovers);
        Assert.False(await Pg.DatabaseExistsAsync(Clone + FamilyRules.OldSuffix));
        Assert.False(await Pg.DatabaseExistsAsync(Next));
    }

    [Fact]
    public async Task A_next_of_another_family_or_without_a_marker_is_never_taken_for_a_leftover()
    {
        Assert.True((await Lifecycle.UpAsync()).Verify.Passed);
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE {Next}");
        try
        {
            var refused = await Assert.ThrowsAsync<GuardException>(() => Lifecycle.SeedAsync());
            Assert.Contains("carries no govclone marker", refused.Message, StringComparison.Ordinal);
            await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE {Next} IS 'govclone:building family=directus_gov_test_someone role=next at=x'");
            refused = await Assert.ThrowsAsync<GuardException>(() => Lifecycle.UpAsync());
            Assert.Contains("belongs to the family of directus_gov_test_someone", refused.Message, StringComparison.Ordinal);
            Assert.True(await Pg.DatabaseExistsAsync(Next));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {Next} WITH (FORCE)");
        }
    }

    /// <summary>A re-clone from the source cancelled once its build has data: what Ctrl-C does to the CLI.</summary>
    private async Task InterruptAReCloneAsync()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Phase.Contains("copying data", StringComparison.Ordinal))
            {
                cts.Cancel();
            }
        });
        var streams = new CloneLifecycle(Settings with { CloneMethod = CloneMethod.Streams }, progress);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streams.CloneAsync(force: true, ct: cts.Token));
        await Eventually.HoldsAsync(async () => (long)(await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{Next}'"))! == 0, "the cancelled engine's sessions on the build are gone");
        Assert.True(await Pg.DatabaseExistsAsync(Next));
    }

    private async Task<string?> MarkerAsync(string database) =>
        (string?)await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'");
}
