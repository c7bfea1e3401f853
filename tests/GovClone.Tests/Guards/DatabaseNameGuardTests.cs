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
    [InlineData("directus_gov_test_x\n", "identifier")] // .NET's $ matches before a final \n: the old regex let this pass
    [InlineData("directus_gov_test_x\r", "identifier")]
    [InlineData("directus_gov_test_x\r\n", "identifier")]
    [InlineData("directus_gov_test_x\n# DROP DATABASE directus", "identifier")]
    [InlineData("\ndirectus_gov_test_x", "identifier")]
    [InlineData("directus_gov_test_\tx", "identifier")]
    [InlineData("directus_gov_test_x\0", "identifier")]
    [InlineData("directus_gov_test_\0", "identifier")]
    [InlineData("directus_gov_test_x y", "identifier")]
    [InlineData(" directus_gov_test_x", "identifier")]
    [InlineData("directus_gov_test_x\u00a0", "identifier")] // no-break space
    [InlineData("directus_gov_test_\u0445", "identifier")] // Cyrillic 'х' after the prefix
    [InlineData("directus_gov_test_x\u0085", "identifier")] // next line (NEL)
    [InlineData("directus_gov_test_x\u2028", "identifier")] // line separator
    [InlineData("directus_gov_test_ﬁ", "identifier")] // ligature that folds to "fi"
    [InlineData("directus_gov_test_１", "identifier")] // full-width digit
    public void Refuses_bad_clone_names_naming_the_setting_and_fix(string name, string why)
    {
        var ex = Assert.Throws<GuardException>(() => DatabaseNameGuard.RequireClone(name, "directus"));
        Assert.Equal("govclone:cloneDatabase", ex.Setting);
        Assert.Contains(why, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Fix:", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.ExitCode);
    }

    [Fact]
    public void A_name_that_is_only_the_prefix_is_refused_in_words_that_say_so()
    {
        var ex = Assert.Throws<GuardException>(() => DatabaseNameGuard.RequireClone("directus_gov_test_", "directus"));
        Assert.Contains("'directus_gov_test_' has nothing after the prefix directus_gov_test_", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("does not start with", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("directus\n")]
    [InlineData("directus\r")]
    [InlineData("directus\0")]
    [InlineData("direc tus")]
    [InlineData("dirеctus")] // Cyrillic 'е'
    [InlineData("1directus")]
    public void Refuses_bad_names_of_databases_that_are_only_read(string name)
    {
        var ex = Assert.Throws<ConfigurationException>(() => DatabaseNameGuard.RequireIdentifier(name, "govclone:sourceDatabase"));
        Assert.Equal("govclone:sourceDatabase", ex.Setting);
    }

    [Theory]
    [InlineData("directus")]
    [InlineData("Directus_App-2")]
    [InlineData("_x$y")]
    public void Accepts_plain_names_of_databases_that_are_only_read(string name) =>
        DatabaseNameGuard.RequireIdentifier(name, "govclone:sourceDatabase");

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
