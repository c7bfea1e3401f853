using System.Text.Json;
using GovClone.Tests.Support;

namespace GovClone.Tests.Cli;

/// <summary>What the CLI says about the clone, and what it refuses before acting on it.</summary>
public class CliOutputTests : CloneTestBase
{
    private Task<(int Exit, string Out, string Err)> Cli(params string[] args) => InProcessCli.RunAsync(Pg, Clone, args);

    [Fact]
    public async Task Status_json_says_whether_the_clone_is_current_with_both_generations()
    {
        Assert.Equal(0, (await Cli("clone")).Exit);

        var (exit, output, _) = await Cli("status", "--json");
        Assert.Equal(0, exit);
        using (var json = JsonDocument.Parse(output))
        {
            var root = json.RootElement;
            Assert.True(root.GetProperty("complete").GetBoolean());
            Assert.True(root.GetProperty("current").GetBoolean());
            Assert.Equal(1, root.GetProperty("markerGeneration").GetInt32());
            Assert.Equal(1, root.GetProperty("configuredGeneration").GetInt32());
        }

        // The stack now asks for generation 2: the clone is complete, but not what up keeps.
        (exit, output, _) = await Cli("status", "--json", "--clone-generation", "2");
        Assert.Equal(0, exit);
        using (var json = JsonDocument.Parse(output))
        {
            var root = json.RootElement;
            Assert.True(root.GetProperty("complete").GetBoolean());
            Assert.False(root.GetProperty("current").GetBoolean());
            Assert.Equal(1, root.GetProperty("markerGeneration").GetInt32());
            Assert.Equal(1, root.GetProperty("generation").GetInt32());
            Assert.Equal(2, root.GetProperty("configuredGeneration").GetInt32());
        }

        (exit, output, _) = await Cli("status", "--clone-generation", "2");
        Assert.Equal(0, exit);
        Assert.Contains("not current: it is of generation 1, and govclone:cloneGeneration is 2", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("decide", "--json", "--markdown")]
    [InlineData("decide", "--markdown", "--json")]
    public async Task Json_and_markdown_together_are_refused_naming_both(params string[] args)
    {
        var (exit, output, error) = await Cli(args);
        Assert.Equal(2, exit);
        // No decision record: stdout is empty or (with --json) the one result document of the refusal.
        Assert.True(output.Length == 0 || output.TrimStart().StartsWith('{'), output);
        Assert.Contains("--json", error, StringComparison.Ordinal);
        Assert.Contains("--markdown", error, StringComparison.Ordinal);
        Assert.Contains("Fix:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_lever_refuses_a_source_that_does_not_exist_before_touching_the_clone()
    {
        Assert.Equal(0, (await Cli("up")).Exit);
        var before = await SnapshotAsync();
        var missing = "directus_missing_" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[][] levers =
        [
            ["up"], ["clone"], ["clone", "--force"], ["seed"], ["seed", "--purge-foreign"], ["reset"], ["compact"], ["drop"],
            ["verify"], ["status"], ["status", "--json"], ["decide"], ["decide", "--json"],
        ];
        foreach (var lever in levers)
        {
            // --yes: the destructive levers' confirmation comes first; the source check must refuse after it, before any change.
            var (exit, _, error) = await Cli([.. lever, "--yes", "--source-database", missing]);
            Assert.True(exit == 2, $"{string.Join(' ', lever)} exited {exit}: {error}");
            Assert.Contains("govclone:sourceDatabase", error, StringComparison.Ordinal);
            Assert.Contains(missing, error, StringComparison.Ordinal);
            Assert.Equal(before, await SnapshotAsync());
        }

        Assert.Equal(0, (await Cli("verify")).Exit);
    }

    /// <summary>The clone's marker and size class, and every governance row: equal means the clone was not touched.</summary>
    private async Task<string> SnapshotAsync() =>
        await Pg.ScalarAsync("postgres", $"SELECT coalesce(shobj_description(oid, 'pg_database'), '') || ' ' || datname FROM pg_database WHERE datname = '{Clone}'") + " | "
        + await Pg.ScalarAsync(Clone, "SELECT (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM governance_object_ownership t) || (SELECT count(*) FROM governance_candidate_object)::text");
}
