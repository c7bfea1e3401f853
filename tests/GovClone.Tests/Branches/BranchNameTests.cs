using GovClone.Branches;
using GovClone.Configuration;

namespace GovClone.Tests.Branches;

/// <summary>The C# half of the branch guard, the marker, the duration and the branch settings: no server needed.</summary>
public class BranchNameTests
{
    private static GovCloneSettings Settings(params (string Key, string? Value)[] overrides) =>
        SettingsParser.Parse(overrides.ToDictionary(o => o.Key, o => o.Value));

    [Theory]
    [InlineData("pr123")]
    [InlineData("a")]
    [InlineData("pr_123")]
    [InlineData("_x")]
    [InlineData("123")]
    [InlineData("abcdefghij0123456789")]
    [InlineData("next1")]
    [InlineData("spareparts")]
    public void A_valid_name_gives_the_clone_and_an_underscore_and_the_name(string name)
    {
        var b = BranchName.Of(Settings(), name);
        Assert.Equal(name, b.Name);
        Assert.Equal("directus_gov_test_20260602_" + name, b.Database);
        Assert.Equal("directus_gov_test_20260602", b.Parent);
        Assert.Equal(name, BranchName.NameIn(b.Parent, b.Database));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("PR123", "a-z, 0-9 and _ only")]
    [InlineData("pr-123", "a-z, 0-9 and _ only")]
    [InlineData("pr 123", "a-z, 0-9 and _ only")]
    [InlineData("pr123\n", "a-z, 0-9 and _ only")]
    [InlineData("pr123\r", "a-z, 0-9 and _ only")]
    [InlineData("pr\u0000123", "a-z, 0-9 and _ only")]
    [InlineData("pr\u0430", "a-z, 0-9 and _ only")] // Cyrillic a
    [InlineData("pr\uff3f1", "a-z, 0-9 and _ only")] // full-width underscore
    [InlineData("pr1;drop", "a-z, 0-9 and _ only")]
    [InlineData("abcdefghij0123456789x", "at most 20")]
    [InlineData("template", "the clone family uses")]
    [InlineData("next", "the clone family uses")]
    [InlineData("old", "the clone family uses")]
    [InlineData("spare", "the clone family uses")]
    [InlineData("foo_next", "the clone family uses")]
    [InlineData("x_template", "the clone family uses")]
    [InlineData("a_old", "the clone family uses")]
    [InlineData("b_spare", "the clone family uses")]
    [InlineData("bspare", "the clone family uses")] // <clone>_bspare is the ready branch spare
    [InlineData("pr1_bspare", "the clone family uses")]
    public void A_bad_name_is_refused_naming_NAME_and_the_fix(string name, string why)
    {
        var ex = Assert.Throws<GuardException>(() => BranchName.Of(Settings(), name));
        Assert.Equal("NAME", ex.Setting);
        Assert.Equal(2, ex.ExitCode);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(ex.Fix));
    }

    [Fact]
    public void The_branch_can_never_be_the_template_the_app_or_an_allowlisted_database_nor_longer_than_63_bytes()
    {
        var tpl = Assert.Throws<GuardException>(() => BranchName.Of(Settings(("templateDatabase", "directus_gov_test_20260602_tpl")), "tpl"));
        Assert.Contains("retained template", tpl.Message, StringComparison.Ordinal);
        Assert.Throws<GuardException>(() => BranchName.Of(Settings(("appDatabase", "directus_gov_test_20260602_app")), "app"));
        Assert.Throws<GuardException>(() => BranchName.Of(Settings(("queryAllowlist", "directus,directus_gov_test_20260602_q")), "q"));

        // A 56-byte clone (the longest: room for <clone>_bspare) leaves room for 6 characters of NAME.
        var longClone = "directus_gov_test_" + new string('x', 56 - "directus_gov_test_".Length);
        var s = Settings(("cloneDatabase", longClone), ("templateDatabase", "directus_gov_test_tpl"));
        Assert.Equal(63, BranchName.Of(s, "abcdef").Database.Length);
        var ex = Assert.Throws<GuardException>(() => BranchName.Of(s, "abcdefg"));
        Assert.Contains("at most 6 characters", ex.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Databases_named_like_branches_are_told_apart_from_the_family()
    {
        const string clone = "directus_gov_test_20260602";
        Assert.Equal("pr1", BranchName.NameIn(clone, clone + "_pr1"));
        Assert.Null(BranchName.NameIn(clone, clone));
        Assert.Null(BranchName.NameIn(clone, clone + "_template"));
        Assert.Null(BranchName.NameIn(clone, clone + "_next"));
        Assert.Null(BranchName.NameIn(clone, clone + "_foo_spare"));
        Assert.Null(BranchName.NameIn(clone, clone + "pr1"));
        Assert.Null(BranchName.NameIn(clone, clone + "_" + new string('a', 21)));
        Assert.Null(BranchName.NameIn(clone, "directus"));
    }

    [Theory]
    [InlineData("pr-123", "pr_123")]
    [InlineData("PR-7", "pr_7")]
    [InlineData("alice.test", "alice_test")]
    [InlineData("nonprod", "nonprod")]
    public void A_stack_names_its_branch(string stack, string name) =>
        Assert.Equal(name, BranchName.OfStack(Settings(("branchOf", "directus_gov_test_20260602")), stack).Name);

    [Theory]
    [InlineData("pull-request-123456789012")]
    [InlineData("spare")]
    [InlineData("feature-next")]
    public void A_stack_whose_name_gives_no_branch_fails_naming_branchOf(string stack)
    {
        var ex = Assert.Throws<ConfigurationException>(() => BranchName.OfStack(Settings(("branchOf", "directus_gov_test_20260602")), stack));
        Assert.Equal("govclone:branchOf", ex.Setting);
        Assert.Contains("pr-123", ex.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void BranchOf_names_the_parent_which_is_the_clone()
    {
        var s = Settings(("branchOf", "directus_gov_test_x"));
        Assert.Equal("directus_gov_test_x", s.BranchOf);
        Assert.Equal("directus_gov_test_x", s.CloneDatabase); // cloneDatabase defaults to it
        Assert.Equal("directus_gov_test_x_template", s.TemplateDatabase);
        Assert.Equal("directus_gov_test_x", Settings(("branchOf", "directus_gov_test_x"), ("cloneDatabase", "directus_gov_test_x")).CloneDatabase);
        var ex = Assert.Throws<ConfigurationException>(() => Settings(("branchOf", "directus_gov_test_x"), ("cloneDatabase", "directus_gov_test_y")));
        Assert.Equal("govclone:branchOf", ex.Setting);
        Assert.Throws<GuardException>(() => Settings(("branchOf", "directus")));
        Assert.Throws<GuardException>(() => Settings(("branchOf", "directus_gov_test_x\n")));
        Assert.Null(Settings().BranchOf);
        Assert.Null(Settings(("branchOf", string.Empty)).BranchOf);
        Assert.Equal((10, 2L * 1024 * 1024 * 1024), (Settings().MaxBranches, Settings().BranchMinFreeBytes));
        var bad = Assert.Throws<ConfigurationException>(() => Settings(("branchMinFreeBytes", "2GB")));
        Assert.Equal("govclone:branchMinFreeBytes", bad.Setting);
    }

    [Fact]
    public void Markers_parse_and_anything_else_is_no_branch()
    {
        var complete = BranchMarker.Parse("govclone:branch parent=directus_gov_test_x source=directus generation=3 template=2026-06-02T10:00:00Z owner=pr-123 created=2026-06-02T10:00:05Z used=2026-06-02T11:00:00Z")!;
        Assert.True(complete.Complete);
        Assert.Equal(("directus_gov_test_x", "directus", 3, "2026-06-02T10:00:00Z", "pr-123"), (complete.Parent, complete.Source, complete.Generation, complete.TemplateAt, complete.Owner));
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 10, 0, 5, TimeSpan.Zero), complete.Created);
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 11, 0, 0, TimeSpan.Zero), complete.LastUse);
        var incomplete = BranchMarker.Parse("govclone:branch-incomplete parent=directus_gov_test_x owner=alice created=2026-06-02T10:00:05Z")!;
        Assert.False(incomplete.Complete);
        Assert.Equal(incomplete.Created, incomplete.LastUse);
        Assert.Null(BranchMarker.Parse(null));
        Assert.Null(BranchMarker.Parse(string.Empty));
        Assert.Null(BranchMarker.Parse("govclone:complete source=directus generation=1 at=2026-06-02T10:00:00Z"));
        Assert.Null(BranchMarker.Parse("govclone:template source=directus clone=x generation=1 at=2026-06-02T10:00:00Z"));
        Assert.Null(BranchMarker.Parse("govclone:branchparent=x"));
        Assert.Null(BranchMarker.Parse("govclone:branch owner=x"));
    }

    [Theory]
    [InlineData("alice", true)]
    [InlineData("pr-123", true)]
    [InlineData("pulumi:pr-123", true)]
    [InlineData("a.b_c@d", true)]
    [InlineData("", false)]
    [InlineData("two words", false)]
    [InlineData("x=y", false)]
    [InlineData("new\nline", false)]
    [InlineData("\u00e9", false)]
    public void Owner_labels_hold_no_space_or_equals(string owner, bool ok)
    {
        Assert.Equal(ok, BranchMarker.IsOwnerLabel(owner));
        Assert.False(BranchMarker.IsOwnerLabel(new string('a', 65)));
    }

    [Theory]
    [InlineData("24h", 24 * 3600)]
    [InlineData("90m", 90 * 60)]
    [InlineData("45s", 45)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("1d12h", 36 * 3600)]
    [InlineData("0s", 0)]
    public void Durations_take_s_m_h_d(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), BranchDuration.Parse(text));
        Assert.Equal(TimeSpan.FromSeconds(seconds), BranchDuration.Parse(BranchDuration.Format(TimeSpan.FromSeconds(seconds))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("24")]
    [InlineData("h")]
    [InlineData("24x")]
    [InlineData("-1h")]
    [InlineData("1.5h")]
    [InlineData("24h\n")]
    [InlineData(" 24h")]
    [InlineData("24H")]
    [InlineData("9999999999h")]
    public void Anything_else_is_refused_naming_the_option(string text)
    {
        var ex = Assert.Throws<ConfigurationException>(() => BranchDuration.Parse(text));
        Assert.Equal("--older-than", ex.Setting);
        Assert.Equal(2, ex.ExitCode);
    }
}
