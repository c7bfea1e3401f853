using System.Text.Json.Nodes;

namespace GovClone.Tests.Cli;

/// <summary>
/// `--json` on every lever against a real server: stdout is NDJSON whose last line is the lever's result
/// document (docs/cli-json.md), and what it says is what happened.
/// </summary>
public class CliLeverJsonTests : CliTestBase
{
    [Fact]
    public async Task Up_status_verify_and_decide_end_in_their_documents()
    {
        var (exit, output, err) = await RunAsync("up", "--json");
        Assert.True(exit == 0, err);
        var (up, events) = CliRunner.Ndjson(output, "up");
        Assert.Equal((true, 2, true, true), ((bool)up["changed"]!, (int)up["changes"]!, (bool)up["productionUnchanged"]!, (bool)up["verify"]!["passed"]!));
        Assert.Equal(["clone", "seed"], up["steps"]!.AsArray().Select(s => (string)s!["lever"]!));
        Assert.Equal(Clone, (string?)up["clone"]);
        // Before the result: the clone's progress and the engine's own events (docs/events.md), each one object with its name.
        Assert.Contains(events, e => (string?)e["event"] == "progress");
        Assert.Contains(events, e => (string?)e["event"] == "method" && (string?)e["method"] == "streams");
        Assert.Contains(events, e => (string?)e["event"] == "step" && (string?)e["phase"] == "finish" && (string?)e["name"] == "mark");
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty((string?)e["event"])));

        var again = await JsonAsync("up");
        Assert.Equal((true, false, 0), ((bool)again["ok"]!, (bool)again["changed"]!, (int)again["changes"]!));

        var status = await JsonAsync("status");
        // The field names scripts and workflows already read stay where they were.
        Assert.Equal(Clone, (string?)status["clone"]);
        Assert.True((bool)status["complete"]!);
        Assert.Equal(30, (long)status["metrics"]!["own"]!["value"]!);
        Assert.Equal("RETAIN", (string?)status["decision"]!["verdict"]);

        var verify = await JsonAsync("verify");
        Assert.Equal(("committed", true), ((string?)verify["profile"], (bool)verify["passed"]!));
        Assert.Equal(11, verify["checks"]!.AsArray().Count);

        var decide = await JsonAsync("decide");
        Assert.Equal("RETAIN", (string?)decide["verdict"]);
        Assert.False(string.IsNullOrEmpty((string?)decide["reason"]));
        var drop = await JsonAsync("decide", "-c", "productionRolloutLanded=true", "-c", "productionSeedVerified=true");
        Assert.Equal("DROP", (string?)drop["verdict"]);

        await Pg.ExecuteAsync(Clone, "UPDATE governance_ruleset SET is_active = true");
        var drift = await JsonAsync("verify");
        Assert.Equal((1, false, false), ((int)drift["exitCode"]!, (bool)drift["ok"]!, (bool)drift["passed"]!));
        Assert.Contains(drift["checks"]!.AsArray(), c => (string?)c!["metric"] == "gov_active" && !(bool)c["ok"]!);
    }

    [Fact]
    public async Task Clone_seed_reset_compact_and_drop_end_in_their_documents()
    {
        var clone = await JsonAsync("clone", "-c", "retainTemplate=true");
        Assert.Equal((true, true), ((bool)clone["ok"]!, (bool)clone["changed"]!));
        Assert.Contains("by streams", (string?)clone["summary"], StringComparison.Ordinal);

        var nothing = await JsonAsync("clone");
        Assert.False((bool)nothing["changed"]!);

        // Item 6: clone's help says a re-clone is a copy of the retained template; here it is: the ready spare (a copy
        // of the template made after the clone) swapped in, and without a spare a FILE_COPY of the template.
        var reclone = await JsonAsync("clone", "--force", "--yes");
        Assert.Contains("by spare", (string?)reclone["summary"], StringComparison.Ordinal);
        Assert.Equal("equal-except-own", (string?)reclone["fidelity"]); // never "full": the comment, the ACL and the owner are govclone's own
        Assert.Equal(3, reclone["fidelityOwn"]!.AsArray().Count);
        var copy = await JsonAsync("clone", "--force", "--yes", "-c", "keepSpare=false");
        Assert.Contains("by template", (string?)copy["summary"], StringComparison.Ordinal);

        var seed = await JsonAsync("seed");
        Assert.True((bool)seed["changed"]!);
        Assert.Equal(30, (await MetricValuesAsync())["own"]);

        // Item 6: reset's help promises own=0, gap=210, candidates=0; that is what it leaves.
        var reset = await JsonAsync("reset", "-y");
        Assert.Equal(("reset", true), ((string?)reset["lever"], (bool)reset["changed"]!));
        var m = await MetricValuesAsync();
        Assert.Equal((0, 210, 0, 0), (m["own"], m["gap"], m["cand_state"], m["cand_object"]));

        var compact = await JsonAsync("compact");
        Assert.Contains("VACUUM (FULL, ANALYZE)", (string?)compact["summary"], StringComparison.Ordinal);

        // Item 6: drop's help says it drops the retained template too.
        var drop = await JsonAsync("drop", "--yes");
        Assert.Equal($"dropped {Clone} and {Clone}_template (sessions terminated)", (string?)drop["summary"]);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.False(await Pg.DatabaseExistsAsync(Clone + "_template"));
        var again = await JsonAsync("drop", "--yes");
        Assert.Equal((true, false), ((bool)again["ok"]!, (bool)again["changed"]!));
    }

    [Fact]
    public async Task A_failing_lever_ends_in_a_result_document_with_the_error()
    {
        var result = await JsonAsync("seed");
        Assert.Equal((1, false, "failed"), ((int)result["exitCode"]!, (bool)result["ok"]!, (string?)result["error"]!["kind"]));
        Assert.Contains("does not exist", (string?)result["error"]!["message"], StringComparison.Ordinal);

        var refused = await JsonAsync("up", "-c", "cloneDatabase=directus");
        Assert.Equal((2, "govclone:cloneDatabase"), ((int)refused["exitCode"]!, (string?)refused["error"]!["setting"]));
        Assert.NotNull(refused["error"]!["fix"]);
    }
}
