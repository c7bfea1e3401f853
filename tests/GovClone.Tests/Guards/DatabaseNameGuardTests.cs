using GovClone.Guards;

namespace GovClone.Tests.Guards;

public class DatabaseNameGuardTests
{
    [Theory]
    [InlineData("directus_gov_test_20260602")]
    [InlineData("directus_gov_test_x")]
    [InlineData("directus_gov_test_a_b_9")]
    public void Accepts_prefixed_plain_names(string name) => DatabaseNameGuard.RequireClone(name, "directus");

    [Theory]
    [InlineData("directus", "production source")]
    [InlineData("directus_gov_20260602", "prefix")]
    [InlineData("gov_test_20260602", "prefix")]
    [InlineData("directus_gov_test_", "prefix")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("directus_gov_test_x; DROP DATABASE directus", "identifier")]
    [InlineData("directus_gov_test_x\"; DROP DATABASE directus; --", "identifier")]
    [InlineData("directus_gov_test_x' OR '1'='1", "identifier")]
    [InlineData("Directus_Gov_Test_20260602", "identifier")]
    [InlineData("directus_gov_test_20260602 ", "identifier")]
    [InlineData("directus_gov_tеst_20260602", "identifier")] // Cyrillic 'е'
    [InlineData("directus＿gov_test_20260602", "identifier")] // full-width low line
    [InlineData("directus_gov_test_\u200b", "identifier")] // zero-width space
    [InlineData("directus_gov_test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bytes")]
    public void Refuses_bad_clone_names_naming_the_setting_and_fix(string name, string why)
    {
        var ex = Assert.Throws<GuardException>(() => DatabaseNameGuard.RequireClone(name, "directus"));
        Assert.Equal("govclone:cloneDatabase", ex.Setting);
        Assert.Contains(why, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Fix:", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.ExitCode);
    }

    [Fact]
    public void Refuses_the_source_even_when_it_carries_the_prefix()
    {
        var ex = Assert.Throws<GuardException>(() => DatabaseNameGuard.RequireClone("directus_gov_test_same", "directus_gov_test_same"));
        Assert.Contains("production source", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sixty_three_bytes_pass_and_sixty_four_do_not()
    {
        var ok = "directus_gov_test_" + new string('a', 63 - 18);
        DatabaseNameGuard.RequireClone(ok, "directus");
        Assert.Throws<GuardException>(() => DatabaseNameGuard.RequireClone(ok + "a", "directus"));
    }

    [Fact]
    public void Quoting_escapes_embedded_quotes()
    {
        Assert.Equal("\"a\"\"b\"", DatabaseNameGuard.QuoteIdentifier("a\"b"));
        Assert.Equal("'it''s'", DatabaseNameGuard.QuoteLiteral("it's"));
    }
}
