using System.Text.Json.Nodes;
using GovClone.Lifecycle;
using GovClone.Tests.Cli;

namespace GovClone.Tests.Branches;

/// <summary>`govclone branch …` and `--branch NAME` as scripts and CI call them: exit codes, confirmation, --dry-run, --json documents.</summary>
public class BranchCliTests(SharedBranchClone shared) : BranchTestBase(shared), IClassFixture<SharedBranchClone>
{
    private Dictionary<string, string> Env => new()
    {
        ["GOVCLONE_HOST"] = Pg.Server.Host,
        ["GOVCLONE_PORT"] = Pg.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GOVCLONE_TRANSPORT"] = "local",
        ["GOVCLONE_SSL_MODE"] = "disable",
        ["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory,
        ["GOVCLONE_CLONE_DATABASE"] = Clone,
        ["GOVCLONE_LOCK_TIMEOUT_SECONDS"] = "600",
        ["GOVCLONE_PASSWORD"] = Pg.Password,
        ["USER"] = "ci-runner",
    };

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var (exit, o, e) = await CliRunner.RunAsync(Env, args);
        Assert.DoesNotContain(Pg.Password, o + e, StringComparison.Ordinal);
        return (exit, o, e);
    }

    /// <summary>A --json run: NDJSON whose last line is the result of <paramref name="lever"/>; the result and the events before it.</summary>
    private async Task<(JsonObject Result, IReadOnlyList<JsonObject> Events)> JsonAsync(string lever, params string[] args)
    {
        var (exit, o, e) = await RunAsync([.. args, "--json"]);
        var lines = o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Assert.IsType<JsonObject>(JsonNode.Parse(l))).ToList();
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty((string?)l["event"])));
        var result = lines[^1];
        Assert.Equal(("result", lever), ((string?)result["event"], (string?)result["lever"]));
        Assert.True(exit == (int)result["exitCode"]!, $"exit {exit}, document {result["exitCode"]}: {e}");
        Assert.Equal(exit == 0, (bool)result["ok"]!);
        return (result, lines[..^1]);
    }

    [Fact]
    public async Task The_branch_levers_have_exactly_the_interface_scripts_rely_on_and_their_json_documents()
    {
        var (created, events) = await JsonAsync("branch create", "branch", "create", "pr123", "--profile", "committed");
        Assert.Equal(0, (int)created["exitCode"]!);
        Assert.Equal(("pr123", Clone + "_pr123", Clone, "committed"), ((string?)created["branch"], (string?)created["database"], (string?)created["clone"], (string?)created["profile"]));
        Assert.True((bool)created["copied"]! && (bool)created["changed"]!);
        Assert.True((bool)created["verify"]!["passed"]!);
        Assert.Equal(11, created["verify"]!["checks"]!.AsArray().Count);
        Assert.Equal("ci-runner", (string?)created["info"]!["owner"]); // $USER
        Assert.Equal(["budget", "copy", "mark", "seed", "suite"],
            events.Where(e => (string?)e["event"] == "step" && (string?)e["phase"] == "start").Select(e => (string?)e["name"]));
        Assert.All(events.Where(e => (string?)e["event"] == "step"), e => Assert.Equal(5, (int)e["steps"]!));

        var (text, _, _) = await RunAsync("branch", "create", "pr124", "--owner", "pr-124");
        Assert.Equal(0, text);
        var (listed, _) = await JsonAsync("branch list", "branch", "list");
        var branches = listed["branches"]!.AsArray().Select(b => b!.AsObject()).ToList();
        Assert.Equal(["pr123", "pr124"], branches.Select(b => (string?)b["name"]));
        var b124 = branches[1];
        Assert.Equal(("complete", "pr-124", 0, true), ((string?)b124["state"], (string?)b124["owner"], (int)b124["sessions"]!, (bool)b124["connectRevokedFromPublic"]!));
        foreach (var field in new[] { "createdAt", "ageSeconds", "lastUsedAt", "idleSeconds", "sizeBytes", "generation", "templateAt" })
        {
            Assert.NotNull(b124[field]);
        }

        var (table, tableOut, _) = await RunAsync("branch", "list");
        Assert.Equal(0, table);
        foreach (var column in new[] { "NAME", "state", "age", "size", "last use", "sessions", "owner", "pr-124", "ci-runner" })
        {
            Assert.Contains(column, tableOut, StringComparison.Ordinal);
        }

        // --branch on verify, seed, reset.
        var (verified, _) = await JsonAsync("verify", "verify", "--branch", "pr123");
        Assert.Equal(("pr123", Clone + "_pr123", true), ((string?)verified["branch"], (string?)verified["database"], (bool)verified["passed"]!));
        var (baseline, _) = await JsonAsync("verify", "verify", "--branch", "pr123", "--profile", "baseline");
        Assert.Equal(1, (int)baseline["exitCode"]!);
        var (refused, _) = await JsonAsync("reset", "reset", "--branch", "pr123");
        Assert.Equal((2, "--yes"), ((int)refused["exitCode"]!, (string?)refused["error"]!["setting"]));
        var (reset, _) = await JsonAsync("reset", "reset", "--branch", "pr123", "--yes");
        Assert.True((bool)reset["changed"]!);
        Assert.True((bool)(await JsonAsync("verify", "verify", "--branch", "pr123", "--profile", "baseline")).Result["passed"]!);
        Assert.True((bool)(await JsonAsync("verify", "verify")).Result["passed"]!, "the clone is untouched");
        var (seeded, _) = await JsonAsync("seed", "seed", "--branch", "pr123");
        Assert.Equal("pr123", (string?)seeded["branch"]);
        var (dry, _) = await JsonAsync("seed", "seed", "--branch", "pr123", "--dry-run");
        Assert.Contains(Clone + "_pr123", (string?)dry["plan"]![0]!["where"], StringComparison.Ordinal);
        Assert.Contains("branch's own run lock", (string?)dry["lock"], StringComparison.Ordinal);

        // Destructive ones: --yes without a terminal, --dry-run changes nothing.
        var (noYes, _) = await JsonAsync("branch drop", "branch", "drop", "pr123");
        Assert.Equal((2, "refused", "--yes"), ((int)noYes["exitCode"]!, (string?)noYes["error"]!["kind"], (string?)noYes["error"]!["setting"]));
        var (plan, _) = await JsonAsync("branch drop", "branch", "drop", "pr123", "--dry-run");
        Assert.True((bool)plan["dryRun"]!);
        Assert.Contains("DROP DATABASE IF EXISTS \"" + Clone + "_pr123\" WITH (FORCE);", plan["plan"]!.AsArray().Select(p => (string?)p!["text"]), StringComparer.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(Clone + "_pr123"));
        var (gcNoYes, _) = await JsonAsync("branch gc", "branch", "gc", "--older-than", "0s");
        Assert.Equal(2, (int)gcNoYes["exitCode"]!);
        var (gcDry, _) = await JsonAsync("branch gc", "branch", "gc", "--older-than", "0s", "--dry-run");
        Assert.Equal(2, gcDry["dropped"]!.AsArray().Count);
        Assert.Equal(2, (await Branches.ListAsync()).Count);

        var (dropped, _) = await JsonAsync("branch drop", "branch", "drop", "pr123", "--yes");
        Assert.True((bool)dropped["changed"]!);
        var (gc, _) = await JsonAsync("branch gc", "branch", "gc", "--older-than", "24h", "--yes");
        Assert.Equal((86400, 0, 1), ((long)gc["olderThanSeconds"]!, gc["dropped"]!.AsArray().Count, (int)gc["kept"]!));
        var (gcAll, _) = await JsonAsync("branch gc", "branch", "gc", "--older-than", "0s", "--yes");
        Assert.Equal("pr124", (string?)gcAll["dropped"]![0]!["name"]);
        Assert.Empty(await Branches.ListAsync());
    }

    [Theory]
    [InlineData(new[] { "branch", "create", "PR-1" }, "NAME")]
    [InlineData(new[] { "branch", "create", "template" }, "NAME")]
    [InlineData(new[] { "branch", "create", "x", "--owner", "two words" }, "--owner")]
    [InlineData(new[] { "branch", "drop", "next", "--yes" }, "NAME")]
    [InlineData(new[] { "branch", "gc", "--older-than", "soon", "--yes" }, "--older-than")]
    [InlineData(new[] { "verify", "--branch", "a-b" }, "NAME")]
    public async Task Bad_input_exits_2_naming_what_is_wrong_and_changes_nothing(string[] args, string setting)
    {
        var before = await DatabasesAsync();
        var (exit, o, e) = await RunAsync([.. args, "--json"]);
        Assert.Equal(2, exit);
        Assert.Equal(setting, (string?)JsonNode.Parse(o.Trim().Split('\n')[^1])!["error"]!["setting"]);
        Assert.Contains(setting, e, StringComparison.Ordinal);
        Assert.Equal(before, await DatabasesAsync());
    }

    [Fact]
    public async Task Missing_arguments_and_levers_that_take_no_branch_are_parse_errors()
    {
        foreach (var args in new[] { new[] { "branch", "create" }, ["branch", "gc"], ["branch", "drop"], ["up", "--branch", "x"], ["drop", "--branch", "x"], ["branch", "rename", "a"] })
        {
            var (exit, _, err) = await RunAsync(args);
            Assert.True(exit == 2, string.Join(' ', args) + ": " + err);
        }

        var (status, o, _) = await RunAsync("status", "--json");
        Assert.Equal(0, status);
        Assert.Empty(JsonNode.Parse(o.Trim().Split('\n')[^1])!["branches"]!.AsArray());
        await Branches.CreateAsync("s1", new BranchCreateOptions(GovClone.Configuration.SeedProfile.Committed, "x"));
        var (_, withBranch, _) = await RunAsync("status", "--json");
        Assert.Equal("s1", (string?)JsonNode.Parse(withBranch.Trim().Split('\n')[^1])!["branches"]![0]!["name"]);
    }
}
