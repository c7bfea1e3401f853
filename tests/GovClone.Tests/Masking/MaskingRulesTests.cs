using GovClone.Configuration;

namespace GovClone.Tests.Masking;

public class MaskingRulesTests
{
    private static MaskingRules Parse(params string[] items) => MaskingRules.Parse(items);

    [Fact]
    public void The_default_is_the_credentials_profile_and_none_is_an_exact_copy()
    {
        var settings = SettingsParser.Parse(new Dictionary<string, string?>());
        Assert.Equal(MaskingProfile.Credentials, settings.Masking.Profile);
        Assert.Contains(settings.Masking.Effective, r => r.ColumnName == "public.directus_users.password" && r.Strategy == "null");
        Assert.Contains(settings.Masking.Effective, r => r.ColumnName == "public.directus_sessions.token" && r.Strategy == "hash");
        Assert.StartsWith("credentials-", settings.Masking.Identity, StringComparison.Ordinal);
        var none = SettingsParser.Parse(new Dictionary<string, string?> { ["masking"] = "none" });
        Assert.True(none.Masking.IsNone);
        Assert.Equal("none", none.Masking.Identity);
        Assert.Equal(string.Empty, none.Masking.EngineText);
    }

    [Fact]
    public void Rules_add_to_and_replace_a_profile_s_defaults_and_change_the_identity()
    {
        var personal = Parse("personal");
        var custom = Parse("personal", "directus_users.first_name: constant:Ada", "directus_activity.ip: keep", "app.people.phone: redact");
        Assert.NotEqual(personal.Identity, custom.Identity);
        Assert.StartsWith("personal-", custom.Identity, StringComparison.Ordinal);
        Assert.Contains(custom.Effective, r => r.ColumnName == "public.directus_users.first_name" && r.Value == "Ada" && !r.FromProfile);
        Assert.DoesNotContain(custom.Effective, r => r.ColumnName == "public.directus_activity.ip");
        Assert.Contains(custom.Effective, r => r.ColumnName == "app.people.phone" && r.Strategy == "redact");
        Assert.Contains("?public.directus_users.email=email", custom.EngineText, StringComparison.Ordinal);
        Assert.Contains(";public.directus_users.first_name=constant:Ada", custom.EngineText, StringComparison.Ordinal);
        Assert.Equal(Parse("personal").Identity, personal.Identity); // deterministic
    }

    [Theory]
    [InlineData("secret", "is not a masking profile")]
    [InlineData("directus_users.email: scramble", "is not a masking strategy")]
    [InlineData("directus_users: null", "is not table.column")]
    [InlineData("Directus_Users.email: null", "is not table.column")]
    [InlineData("dot_tools.name: redact", "a governance table the seed and the regression suite need")]
    [InlineData("governance_object_ownership.steward_email: email", "a governance table")]
    [InlineData("directus_users.email: constant:a;b", "holds ';'")]
    public void Bad_rules_are_refused_naming_the_rule_and_the_fix(string item, string problem)
    {
        var ex = Assert.Throws<ConfigurationException>(() => SettingsParser.Parse(new Dictionary<string, string?> { ["masking"] = item }));
        Assert.Equal("govclone:masking", ex.Setting);
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(ex.Fix));
        Assert.Equal(2, ex.ExitCode);
    }

    [Fact]
    public void A_profile_after_a_rule_and_a_column_named_twice_are_refused()
    {
        Assert.Contains("a profile comes first", Assert.Throws<ConfigurationException>(() => Parse("directus_users.email: email", "personal")).Problem, StringComparison.Ordinal);
        Assert.Contains("a second time", Assert.Throws<ConfigurationException>(() => Parse("a.b: hash", "a.b: null")).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_engine_header_carries_the_rules_and_their_identity_and_the_markers_the_identity()
    {
        var s = SettingsParser.Parse(new Dictionary<string, string?> { ["masking"] = "personal" });
        var header = GovClone.Engine.EngineScript.Header(s, new GovClone.Transport.ServerTransport(s));
        Assert.Contains("readonly GOVCLONE_MASKING_ID=" + s.Masking.Identity + "\n", header, StringComparison.Ordinal);
        Assert.Contains("GOVCLONE_MASKING=", header, StringComparison.Ordinal);
        Assert.Contains(" masking=" + s.Masking.Identity, GovClone.Engine.EngineScript.MarkerFor(s), StringComparison.Ordinal);
        Assert.EndsWith(" masking=" + s.Masking.Identity, GovClone.Engine.EngineScript.TemplateMarkerFor(s), StringComparison.Ordinal);
        Assert.EndsWith(" masking=" + s.Masking.Identity, GovClone.Engine.EngineScript.SpareMarkerFor(s), StringComparison.Ordinal);
    }
}
