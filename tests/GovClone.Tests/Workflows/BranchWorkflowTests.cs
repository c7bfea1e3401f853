using GovClone.Branches;
using GovClone.Tests.Branches;
using GovClone.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace GovClone.Tests.Workflows;

/// <summary>
/// The pull request's branch in the workflows (issue 17): the decisions live in scripts (scripts/pr-branch,
/// scripts/suite-table, scripts/branch-names), fed here what govclone really prints against the test server; anything
/// else fails closed. The workflow files are read too: each destructive step is wired to those scripts' output.
/// </summary>
public class BranchWorkflowTests : BranchTestBase
{
    private Task<(int Exit, string Out, string Err)> Cli(params string[] args) => InProcessCli.RunAsync(Pg, Clone, args);

    private static async Task<string> ScriptFileAsync(string name, string input, params string[] args)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, input);
            var r = await InProcessCli.ScriptAsync(name, null, [.. args.Select(a => a == "{file}" ? file : a)]);
            Assert.True(r.Succeeded, $"{name}: exit {r.ExitCode}: {r.StandardError}");
            return r.StandardOutput;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Dictionary<string, string> Outputs(string lines) =>
        lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task Pr_branch_runs_only_for_sql_or_engine_changes_tears_down_on_close_and_names_what_govclone_names()
    {
        var config = (await Cli("config", "cloneDatabase", "--json")).Out;
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, config);
            foreach (var (changed, run) in new[]
            {
                ("sql/seed_committed_state.sql\nREADME.md\n", "true"), ("engine/lib.sh", "true"), ("README.md\nsrc/GovClone/Branches/BranchName.cs\n", "false"),
                ("docs/sql/x.md\n", "false"), (string.Empty, "false"),
            })
            {
                var r = await InProcessCli.ScriptAsync("pr-branch", changed, "123", "synchronize", file);
                Assert.True(r.Succeeded, r.StandardError);
                var o = Outputs(r.StandardOutput);
                Assert.Equal((run, "false", "pr-123", Clone), (o["run"], o["teardown"], o["stack"], o["parent"]));
                // The branch the workflow comments on is the one the stack pr-123 makes.
                Assert.Equal(BranchName.OfStack(Kept with { BranchOf = Clone }, "pr-123").Name, o["branch"]);
            }

            var closed = Outputs((await InProcessCli.ScriptAsync("pr-branch", "sql/x.sql\n", "123", "closed", file)).StandardOutput);
            Assert.Equal(("false", "true"), (closed["run"], closed["teardown"]));

            foreach (var args in new[] { new[] { "12a", "opened", file }, ["0123", "opened", file], [string.Empty, "opened", file], ["1", "opened; rm", file], ["1", "opened"],
                         ["1", "opened", Path.Combine(Path.GetTempPath(), "no-such-config.json")] })
            {
                var bad = await InProcessCli.ScriptAsync("pr-branch", "sql/x.sql\n", args);
                Assert.True(bad.ExitCode == 2, string.Join(' ', args));
                Assert.Equal(string.Empty, bad.StandardOutput);
            }

            foreach (var input in new[] { "not json", "{\"settings\":[{\"name\":\"cloneDatabase\",\"value\":\"directus\"}]}", "{\"settings\":[{\"name\":\"cloneDatabase\",\"value\":\"directus_gov_test_x; rm -rf /\"}]}", (await Cli("config", "transport", "--json")).Out })
            {
                await File.WriteAllTextAsync(file, input);
                var bad = await InProcessCli.ScriptAsync("pr-branch", "sql/x.sql\n", "1", "opened", file);
                Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Suite_table_writes_the_have_want_table_of_a_real_run_says_when_it_failed_and_refuses_anything_else()
    {
        var created = await Cli("branch", "create", "pr_7", "--json");
        Assert.Equal(0, created.Exit);
        var table = await ScriptFileAsync("suite-table", created.Out, "{file}");
        Assert.StartsWith("<!-- govclone-branch-suite -->\n### govclone: regression suite on `" + Clone + "_pr_7` (committed): PASS\n", table, StringComparison.Ordinal);
        Assert.Contains("| own | 30 (CLONE_TEST_F6_SEED) | 30 (CLONE_TEST_F6_SEED) | ok |", table, StringComparison.Ordinal);
        Assert.Equal(11, table.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| metric", StringComparison.Ordinal)));

        var drift = await Cli("verify", "--branch", "pr_7", "--profile", "baseline", "--json");
        Assert.Equal(1, drift.Exit);
        var driftTable = await ScriptFileAsync("suite-table", drift.Out, "{file}");
        Assert.Contains("(baseline): DRIFT", driftTable, StringComparison.Ordinal);
        Assert.Contains("| own | 30 (CLONE_TEST_F6_SEED) | 0 | **DRIFT** |", driftTable, StringComparison.Ordinal);
        Assert.Contains("| dot_tools | 309 | 309 | ok |", driftTable, StringComparison.Ordinal);

        var missing = await Cli("verify", "--branch", "gone", "--json");
        var failed = await ScriptFileAsync("suite-table", missing.Out, "{file}");
        Assert.Contains("failed (exit 1)", failed, StringComparison.Ordinal);
        Assert.Contains("govclone branch create gone", failed, StringComparison.Ordinal);

        foreach (var input in new[] { string.Empty, "not json", (await Cli("branch", "list", "--json")).Out, "{\"event\":\"result\",\"lever\":\"verify\",\"checks\":[]}", "[1,2]" })
        {
            var r = await InProcessCli.ScriptAsync("suite-table", input);
            Assert.Equal((2, string.Empty), (r.ExitCode, r.StandardOutput));
        }
    }

    [Fact]
    public async Task Branch_names_names_only_marked_branches_of_a_real_list_and_refuses_anything_else()
    {
        await CreateAsync("a1");
        await CreateAsync("b2");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{Clone}_lookalike\"");
        var list = await Cli("branch", "list", "--json");
        var r = await InProcessCli.ScriptAsync("branch-names", list.Out);
        Assert.True(r.Succeeded, r.StandardError);
        Assert.Equal("a1\nb2\n", r.StandardOutput);
        Assert.Contains(Clone + "_lookalike carries no marker", r.StandardError, StringComparison.Ordinal);

        var none = await InProcessCli.ScriptAsync("branch-names", (await InProcessCli.RunAsync(Pg, Clone + "x", "branch", "list", "--json")).Out);
        Assert.Equal((0, string.Empty), (none.ExitCode, none.StandardOutput));

        var failed = (await Cli("branch", "list", "--json", "-c", "port=1")).Out;
        foreach (var input in new[] { string.Empty, "not json", failed, (await Cli("status", "--json")).Out,
                     "{\"event\":\"result\",\"lever\":\"branch list\",\"ok\":true,\"branches\":[{\"name\":\"x; rm -rf /\",\"state\":\"complete\"}]}" })
        {
            var bad = await InProcessCli.ScriptAsync("branch-names", input);
            Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
        }
    }

    [Fact]
    public void The_workflows_wire_the_branch_steps_to_the_scripts_and_gate_every_destructive_one()
    {
        var preview = Jobs("preview.yml");
        var on = (YamlMappingNode)((YamlMappingNode)Root("preview.yml").Children[new YamlScalarNode("on")]).Children[new YamlScalarNode("pull_request")];
        Assert.Contains("closed", ((YamlSequenceNode)on.Children[new YamlScalarNode("types")]).Children.Select(n => ((YamlScalarNode)n).Value));
        Assert.Contains("engine/**", ((YamlSequenceNode)on.Children[new YamlScalarNode("paths")]).Children.Select(n => ((YamlScalarNode)n).Value));
        Assert.Equal("github.event.action != 'closed'", Text(preview["preview"], "if"));

        var branch = Steps(preview["branch"]);
        Assert.Equal("github.event.action != 'closed'", Text(preview["branch"], "if"));
        Assert.Contains("scripts/pr-branch", Text(branch.Single(s => Text(s, "id") == "plan"), "run"), StringComparison.Ordinal);
        var up = branch.Single(s => Text(s, "run")?.Contains("pulumi up", StringComparison.Ordinal) == true);
        Assert.Equal("steps.plan.outputs.run == 'true'", Text(up, "if"));
        Assert.Contains("govclone:branchOf", Text(up, "run"), StringComparison.Ordinal);
        var comment = branch.Single(s => Text(s, "run")?.Contains("gh pr comment", StringComparison.Ordinal) == true);
        Assert.Equal("always() && steps.plan.outputs.run == 'true'", Text(comment, "if"));
        Assert.Contains("scripts/suite-table", Text(comment, "run"), StringComparison.Ordinal);

        var teardown = Steps(preview["branch-teardown"]);
        Assert.Equal("github.event.action == 'closed'", Text(preview["branch-teardown"], "if"));
        var destroy = teardown.Single(s => Text(s, "run")?.Contains("pulumi destroy", StringComparison.Ordinal) == true);
        Assert.Equal("steps.plan.outputs.teardown == 'true' && steps.plan.outputs.exists == 'true'", Text(destroy, "if"));
        Assert.Contains("scripts/stack-exists \"pr-$PR_NUMBER\"", Text(teardown.Single(s => Text(s, "id") == "plan"), "run"), StringComparison.Ordinal);
        // No job of the PR workflow selects, copies from or needs the nonprod Pulumi stack (the teardown removes it).
        Assert.All(preview.Values.SelectMany(Steps), s => Assert.DoesNotMatch(@"stack select (--create )?""?nonprod|config cp|--stack nonprod --dest", Text(s, "run") ?? string.Empty));
        Assert.Contains("pulumi stack rm --yes \"$STACK\"", Text(destroy, "run"), StringComparison.Ordinal);
        // Nothing else in the PR workflow destroys, drops or removes anything.
        Assert.All(preview.Values.SelectMany(Steps).Where(s => s != destroy),
            s => Assert.DoesNotMatch(@"destroy|stack rm|branch drop|govclone drop", Text(s, "run") ?? string.Empty));

        var drops = Steps(Jobs("teardown.yml").Values.Single()).Where(s => Text(s, "run")?.Contains("branch drop", StringComparison.Ordinal) == true).ToList();
        var drop = Assert.Single(drops);
        Assert.Equal("steps.decide.outputs.destroy == 'true'", Text(drop, "if"));
        Assert.Contains("scripts/branch-names", Text(drop, "run"), StringComparison.Ordinal);
    }

    private static YamlMappingNode Root(string workflow)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(InProcessCli.RepoRoot, ".github", "workflows", workflow)))
        {
            yaml.Load(reader);
        }

        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static Dictionary<string, YamlMappingNode> Jobs(string workflow) =>
        ((YamlMappingNode)Root(workflow).Children[new YamlScalarNode("jobs")]).Children
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (YamlMappingNode)kv.Value);

    private static List<YamlMappingNode> Steps(YamlMappingNode job) =>
        ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>().ToList();

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;
}
