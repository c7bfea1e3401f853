using GovClone.Decision;

namespace GovClone.Tests.Decision;

public class LifecycleDeciderTests
{
    private static LifecycleFacts Facts(bool landed = false, bool seeded = false, string[]? followUps = null, long size = 1200L << 20, long? free = 22L << 30) => new()
    {
        CloneDatabase = "directus_gov_test_20260602",
        CloneExists = true,
        CloneComplete = true,
        CloneSizeBytes = size,
        HostFreeBytes = free,
        HostTotalBytes = 96L << 30,
        AppConnections = 0,
        WorkerLeases = 0,
        ConnectRevokedFromPublic = true,
        InAppDatabaseSetting = false,
        InQueryAllowlist = false,
        StateMatchesProfile = true,
        Evidence = "own=30 (CLONE_TEST_F6_SEED) | gap=0",
        NameHasPrefix = true,
        ProductionRolloutLanded = landed,
        ProductionSeedVerified = seeded,
        FollowUps = followUps ?? [],
    };

    [Fact]
    public void Retains_until_the_rollout_lands() =>
        Assert.Equal(LifecycleVerdict.RETAIN, LifecycleDecider.Decide(Facts()).Verdict);

    [Fact]
    public void Retains_when_landed_but_production_seed_and_verify_have_not_run() =>
        Assert.Equal(LifecycleVerdict.RETAIN, LifecycleDecider.Decide(Facts(landed: true)).Verdict);

    [Theory]
    [InlineData("axis")]
    [InlineData("emit")]
    [InlineData("dot")]
    public void Retains_while_a_follow_up_is_queued(string followUp)
    {
        var d = LifecycleDecider.Decide(Facts(landed: true, seeded: true, followUps: [followUp]));
        Assert.Equal(LifecycleVerdict.RETAIN, d.Verdict);
        Assert.Contains(followUp, d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Drops_once_landed_verified_and_nothing_is_queued() =>
        Assert.Equal(LifecycleVerdict.DROP, LifecycleDecider.Decide(Facts(landed: true, seeded: true)).Verdict);

    [Fact]
    public void The_factor_table_is_the_seeds_and_reads_like_it()
    {
        var d = LifecycleDecider.Decide(Facts());
        Assert.Equal(["Disk cost", "Value", "Isolation", "Drift risk", "Naming"], d.Factors.Select(f => f.Factor));
        Assert.Equal("1200 MB on a host with 22 GB free (74 GB/96 GB used). Negligible.", d.Factors[0].Assessment);
        Assert.All(d.Factors, f => Assert.Equal(FactorStatus.Ok, f.Status));
    }

    [Fact]
    public void Disk_pressure_and_broken_isolation_are_flagged()
    {
        var d = LifecycleDecider.Decide(Facts(size: 10L << 30, free: 12L << 30) with { AppConnections = 2, WorkerLeases = 1 });
        Assert.Equal(FactorStatus.Warn, d.Factors[0].Status);
        Assert.Equal(FactorStatus.Warn, d.Factors[2].Status);
        Assert.Contains("2 app connection(s)", d.Factors[2].Assessment, StringComparison.Ordinal);
        Assert.Contains("1 active worker lease(s)", d.Factors[2].Assessment, StringComparison.Ordinal);
        Assert.Equal(LifecycleVerdict.RETAIN, d.Verdict);
    }

    [Fact]
    public void A_retained_template_counts_in_the_disk_cost()
    {
        // 1.2 GB alone is 6% of 20 GB free (negligible); with its template, 12% (a warning naming the template).
        var alone = LifecycleDecider.Decide(Facts(size: 1200L << 20, free: 20L << 30));
        var withTemplate = LifecycleDecider.Decide(Facts(size: 1200L << 20, free: 20L << 30) with { TemplateSizeBytes = 1200L << 20 });
        Assert.Equal(FactorStatus.Ok, alone.Factors[0].Status);
        Assert.Equal(FactorStatus.Warn, withTemplate.Factors[0].Status);
        Assert.Contains("clone 1200 MB + retained template 1200 MB", withTemplate.Factors[0].Assessment, StringComparison.Ordinal);
        Assert.Contains("retainTemplate false", withTemplate.Factors[0].Assessment, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_left_without_its_clone_is_spent_disk_not_nothing()
    {
        var d = LifecycleDecider.Decide(Facts() with { CloneExists = false, CloneComplete = false, CloneSizeBytes = null, TemplateSizeBytes = 309L << 20 });
        Assert.Equal("No clone on the server, but 309 MB (retained template 309 MB) remains (govclone drop removes it) on a host with 22 GB free (74 GB/96 GB used). Negligible.", d.Factors[0].Assessment);
        var nothing = LifecycleDecider.Decide(Facts() with { CloneExists = false, CloneComplete = false, CloneSizeBytes = null });
        Assert.Equal("No clone on the server, and no retained copy of it: nothing is spent.", nothing.Factors[0].Assessment);
    }

    [Fact]
    public void The_clones_companions_count_in_the_disk_cost()
    {
        var d = LifecycleDecider.Decide(Facts(size: 1200L << 20, free: 20L << 30) with
        {
            TemplateSizeBytes = 1200L << 20,
            CompanionSizes = [new("directus_gov_test_20260602_spare", 1200L << 20), new("directus_gov_test_20260602_old", null)],
        });
        Assert.StartsWith("3600 MB (clone 1200 MB + retained template 1200 MB + directus_gov_test_20260602_spare 1200 MB) on a host with 20 GB free", d.Factors[0].Assessment, StringComparison.Ordinal);
        Assert.Equal(FactorStatus.Warn, d.Factors[0].Status);
    }

    [Fact]
    public void Unknown_free_space_is_said_not_guessed()
    {
        var d = LifecycleDecider.Decide(Facts(free: null));
        Assert.Equal(FactorStatus.Unknown, d.Factors[0].Status);
        Assert.Contains("govclone:hostFreeBytes", d.Factors[0].Assessment, StringComparison.Ordinal);
    }
}
