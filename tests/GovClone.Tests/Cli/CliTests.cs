using System.Text.Json;

namespace GovClone.Tests.Cli;

/// <summary>`govclone` in-process, with its own environment: exit codes, tables, JSON, bad input.</summary>
public class CliTests : CliTestBase
{
    [Fact]
    public async Task Up_twice_then_status_json_and_verify()
    {
        var (exit, output, _) = await RunAsync("up");
        Assert.Equal(0, exit);
        Assert.Contains("up: converged, 2 change(s)", output, StringComparison.Ordinal);
        (exit, output, _) = await RunAsync("up");
        Assert.Equal(0, exit);
        Assert.Contains("up: converged, 0 change(s)", output, StringComparison.Ordinal);
        Assert.Contains("production: unchanged", output, StringComparison.Ordinal);

        (exit, output, _) = await RunAsync("status", "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal(30, root.GetProperty("metrics").GetProperty("own").GetProperty("value").GetInt64());
        Assert.Equal("clone-test-worker, wm-2, events_seen=20", root.GetProperty("metrics").GetProperty("cursor").GetProperty("detail").GetString());
        Assert.Equal(309, root.GetProperty("metrics").GetProperty("dot_tools").GetProperty("value").GetInt64());
        Assert.Equal("RETAIN", root.GetProperty("decision").GetProperty("verdict").GetString());

        (exit, output, _) = await RunAsync("verify");
        Assert.Equal(0, exit);
        Assert.Contains("verify: PASS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_1_on_drift_with_the_have_want_table()
    {
        await RunAsync("up");
        await Pg.ExecuteAsync(Clone, "UPDATE governance_ruleset SET is_active = true");
        var (exit, output, _) = await RunAsync("verify");
        Assert.Equal(1, exit);
        Assert.Contains("gov_active have 1 want 0", output, StringComparison.Ordinal);
        Assert.Contains("DRIFT", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_markdown_renders_the_seeds_shape_from_live_facts()
    {
        await RunAsync("up");
        var (exit, output, _) = await RunAsync("decide", "--markdown");
        Assert.Equal(0, exit);
        Assert.Contains("Decision: **RETAIN** the clone `" + Clone + "`", output, StringComparison.Ordinal);
        Assert.Contains("| factor | assessment |", output, StringComparison.Ordinal);
        Assert.Contains("own=30 (CLONE_TEST_F6_SEED) | gap=0 | ruleset=1 (RS-CLONE-TEST-1)", output, StringComparison.Ordinal);
        Assert.Contains("Reset-in-place", output, StringComparison.Ordinal);
        Assert.Contains("sql/engine/drop_family.sql", output, StringComparison.Ordinal);

        var (_, drop, _) = await RunAsync("decide", "--json", "--production-rollout-landed", "true", "--production-seed-verified", "true");
        Assert.Equal("DROP", JsonDocument.Parse(drop).RootElement.GetProperty("verdict").GetString());
    }

    [Theory]
    [InlineData("--clone-database", "directus")]
    [InlineData("--clone-database", "directus_gov_test_x;drop")]
    [InlineData("--port", "99999")]
    [InlineData("--transport", "carrier-pigeon")]
    [InlineData("--source-database", "")]
    public async Task Bad_input_exits_2_naming_the_setting_and_mutates_nothing(string flag, string value)
    {
        var (exit, _, err) = await RunAsync("up", flag, value);
        Assert.Equal(2, exit);
        Assert.Contains("govclone:", err, StringComparison.Ordinal);
        Assert.Contains("Fix:", err, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\t")]
    [InlineData("\0")]
    [InlineData(" ")]
    [InlineData("\u0445")] // Cyrillic 'х'
    public async Task A_clone_name_with_a_control_character_or_look_alike_is_refused_naming_cloneDatabase_and_creates_nothing(string tail)
    {
        var bad = Clone + tail;
        foreach (var args in new[] { new[] { "up", "--clone-database", bad }, ["up", "--clone-database", bad, "--template-database", Clone + "_template"] })
        {
            var (exit, _, err) = await RunAsync(args);
            Assert.Equal(2, exit);
            Assert.Contains("govclone:cloneDatabase", err, StringComparison.Ordinal);
            Assert.DoesNotContain("govclone:templateDatabase", err, StringComparison.Ordinal);
        }

        Assert.Equal(0L, await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{Clone}%'"));
    }

    [Fact]
    public async Task Unknown_commands_exit_2()
    {
        var (exit, _, err) = await RunAsync("frobnicate");
        Assert.Equal(2, exit);
        Assert.Contains("frobnicate", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drop_twice_is_idempotent()
    {
        await RunAsync("clone");
        Assert.Equal(0, (await RunAsync("drop", "--yes")).Exit);
        var (exit, output, _) = await RunAsync("drop", "-y");
        Assert.Equal(0, exit);
        Assert.Contains("nothing to drop", output, StringComparison.Ordinal);
    }
}
