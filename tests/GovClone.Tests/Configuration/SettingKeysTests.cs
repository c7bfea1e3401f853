using System.Globalization;
using GovClone.Configuration;

namespace GovClone.Tests.Configuration;

/// <summary>
/// The key table's types, allowed values and ranges are what `govclone config`, help and shell completion show;
/// these tests hold them to what SettingsParser actually accepts and refuses.
/// </summary>
public class SettingKeysTests
{
    /// <summary>Values other keys need for a key's value to be judged alone (transport ssh needs an sshHost).</summary>
    private static Dictionary<string, string?> With(SettingKey key, string value)
    {
        var raw = new Dictionary<string, string?> { [key.Name] = value };
        if (key == SettingKeys.Transport)
        {
            raw[SettingKeys.SshHost.Name] = "contabo";
        }

        return raw;
    }

    public static TheoryData<string> ChoiceKeys() =>
        [.. SettingKeys.All.Where(k => k.Type is SettingType.Choice or SettingType.Boolean).Select(k => k.Name)];

    public static TheoryData<string> NumberKeys() =>
        [.. SettingKeys.All.Where(k => k.Type == SettingType.WholeNumber).Select(k => k.Name)];

    [Theory]
    [MemberData(nameof(ChoiceKeys))]
    public void Every_allowed_value_parses_and_anything_else_is_refused_with_the_whole_list(string name)
    {
        var key = SettingKeys.Find(name)!;
        Assert.NotEmpty(key.Allowed);
        foreach (var value in key.Allowed)
        {
            SettingsParser.Parse(With(key, value));
        }

        var ex = Assert.Throws<ConfigurationException>(() => SettingsParser.Parse(With(key, "bogus")));
        Assert.Equal(key.ConfigKey, ex.Setting);
        Assert.Equal(2, ex.ExitCode);
        foreach (var value in key.Allowed)
        {
            Assert.Contains(value, ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(NumberKeys))]
    public void Whole_numbers_hold_exactly_the_range_the_table_shows(string name)
    {
        var key = SettingKeys.Find(name)!;
        Assert.NotNull(key.Min);
        Assert.NotNull(key.Max);
        SettingsParser.Parse(With(key, key.Min.Value.ToString(CultureInfo.InvariantCulture)));
        SettingsParser.Parse(With(key, key.Max.Value.ToString(CultureInfo.InvariantCulture)));
        foreach (var outside in new[] { key.Min.Value - 1, key.Max.Value + 1 })
        {
            var ex = Assert.Throws<ConfigurationException>(() => SettingsParser.Parse(With(key, outside.ToString(CultureInfo.InvariantCulture))));
            Assert.Equal(key.ConfigKey, ex.Setting);
        }

        Assert.Contains($"{key.Min}-{key.Max}", key.TypeText, StringComparison.Ordinal);
    }

    [Fact]
    public void Follow_ups_take_exactly_the_listed_items()
    {
        var s = SettingsParser.Parse(new Dictionary<string, string?> { ["followUps"] = string.Join(',', SettingKeys.FollowUps.Allowed) });
        Assert.Equal(SettingKeys.FollowUps.Allowed, s.FollowUps);
        var ex = Assert.Throws<ConfigurationException>(() => SettingsParser.Parse(new Dictionary<string, string?> { ["followUps"] = "axis,bogus" }));
        Assert.Equal("govclone:followUps", ex.Setting);
    }

    [Fact]
    public void Keys_are_found_by_short_name_and_by_stack_file_key()
    {
        Assert.Same(SettingKeys.CloneDatabase, SettingKeys.Find("cloneDatabase"));
        Assert.Same(SettingKeys.CloneDatabase, SettingKeys.Find("govclone:cloneDatabase"));
        Assert.Null(SettingKeys.Find("clonedatabase"));
        Assert.Null(SettingKeys.Find("postgresql:cloneDatabase"));
    }

    [Fact]
    public void Every_key_has_a_type_and_secrets_are_typed_secret()
    {
        foreach (var key in SettingKeys.All)
        {
            Assert.Equal(key.IsSecret, key.Type == SettingType.Secret);
            Assert.False(string.IsNullOrWhiteSpace(key.TypeText));
        }
    }
}
