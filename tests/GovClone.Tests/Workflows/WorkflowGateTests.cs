using GovClone.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace GovClone.Tests.Workflows;

/// <summary>
/// The workflows' decisions live in scripts the workflows call (scripts/teardown-gate, scripts/lever-gate); here they
/// are fed what govclone really prints against the test server, for every verdict, and everything else fails closed.
/// The workflow files are read too, so the steps that destroy are wired to the gate's output and nothing else.
/// </summary>
public class WorkflowGateTests : CloneTestBase
{
    private Task<(int Exit, string Out, string Err)> Cli(params string[] args) => InProcessCli.RunAsync(Pg, Clone, args);

    private static async Task<string> GateAsync(string input, string expectedOutput)
    {
        var viaStdin = await InProcessCli.ScriptAsync("teardown-gate", input);
        Assert.True(viaStdin.Succeeded, viaStdin.StandardError);
        Assert.Equal(expectedOutput, viaStdin.StandardOutput);

        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, input);
            var viaFile = await InProcessCli.ScriptAsync("teardown-gate", null, file);
            Assert.True(viaFile.Succeeded, viaFile.StandardError);
            Assert.Equal(expectedOutput, viaFile.StandardOutput);
        }
        finally
        {
            File.Delete(file);
        }

        return viaStdin.StandardOutput;
    }

    [Fact]
    public async Task The_teardown_gate_destroys_on_the_real_DROP_decision_and_keeps_the_clone_on_every_real_RETAIN()
    {
        Assert.Equal(0, (await Cli("up")).Exit); // a clone to decide about, as in production

        var drop = await Cli("decide", "--json", "--production-rollout-landed", "true", "--production-seed-verified", "true");
        Assert.Equal(0, drop.Exit);
        await GateAsync(drop.Out, "verdict=DROP\ndestroy=true\n");

        // RETAIN for each reason the gate holds: not landed, landed but not verified, a follow-up still queued.
        string[][] retains =
        [
            ["decide", "--json"],
            ["decide", "--json", "--production-rollout-landed", "true"],
            ["decide", "--json", "--production-rollout-landed", "true", "--production-seed-verified", "true", "--follow-ups", "axis"],
        ];
        foreach (var args in retains)
        {
            var retain = await Cli(args);
            Assert.Equal(0, retain.Exit);
            await GateAsync(retain.Out, "verdict=RETAIN\ndestroy=false\n");
        }
    }

    [Fact]
    public async Task The_teardown_gate_fails_closed_on_anything_but_a_decision()
    {
        var drop = (await Cli("decide", "--json", "--production-rollout-landed", "true", "--production-seed-verified", "true")).Out;
        var markdown = (await Cli("decide", "--markdown", "--production-rollout-landed", "true", "--production-seed-verified", "true")).Out;
        var status = (await Cli("status", "--json", "--production-rollout-landed", "true", "--production-seed-verified", "true")).Out;
        // The verdict is nested in status's document: not a decision document, which the gate must not take for one.
        var statusDoc = System.Text.Json.Nodes.JsonNode.Parse(status.TrimEnd().Split('\n')[^1])!;
        Assert.Equal("DROP", (string?)statusDoc["decision"]!["verdict"]);

        string[] inputs =
        [
            string.Empty,
            "not json",
            drop[..(drop.Length / 2)], // cut short
            markdown, // the other output of decide, fed by mistake
            status,
            "{\"decision\": \"DROP\"}", // the field the old workflow read
            "{\"verdict\": \"drop\"}",
            "{\"verdict\": \"DROP \"}",
            "{\"verdict\": \"DROP\\n\"}",
            "{\"verdict\": null}",
            "{\"verdict\": [\"DROP\"]}",
            "[\"DROP\"]",
            "\"DROP\"",
            "{\"verdict\": \"MAYBE\"}",
        ];
        foreach (var input in inputs)
        {
            var r = await InProcessCli.ScriptAsync("teardown-gate", input);
            Assert.True(r.ExitCode == 2, $"exit {r.ExitCode} for input: {input}");
            Assert.Equal(string.Empty, r.StandardOutput); // nothing reaches $GITHUB_OUTPUT
            Assert.Contains("no teardown", r.StandardError, StringComparison.Ordinal);
        }

        var missing = await InProcessCli.ScriptAsync("teardown-gate", null, Path.Combine(Path.GetTempPath(), "no-such-decision.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal(string.Empty, missing.StandardOutput);
    }

    [Fact]
    public void The_teardown_workflow_destroys_only_on_the_gates_output()
    {
        var steps = Steps("teardown.yml");
        var decide = steps.Single(s => Text(s, "id") == "decide");
        var run = Text(decide, "run")!;
        Assert.Contains("scripts/teardown-gate", run, StringComparison.Ordinal);
        Assert.Contains("decide --stack nonprod --json", run, StringComparison.Ordinal);
        Assert.DoesNotContain("jq", run, StringComparison.Ordinal); // the decision is the script's, nowhere else

        // pulumi destroy, pulumi stack rm, and govclone drop when the stack is gone already (a re-run): each only on DROP.
        var destructive = steps.Where(s => System.Text.RegularExpressions.Regex.IsMatch(Text(s, "run") ?? string.Empty, @"pulumi destroy|pulumi stack rm|govclone drop")
            || (Text(s, "uses")?.StartsWith("pulumi/actions", StringComparison.Ordinal) == true
                && s.Children.TryGetValue(new YamlScalarNode("with"), out var with) && Text((YamlMappingNode)with, "command") == "destroy")).ToList();
        Assert.Equal(3, destructive.Count);
        Assert.All(destructive, s => Assert.StartsWith("steps.decide.outputs.destroy == 'true' && ", Text(s, "if"), StringComparison.Ordinal));
        // The destroy and the stack's removal only while the stack is there (scripts/stack-exists); the drop only once it is gone.
        Assert.Equal(2, destructive.Count(s => Text(s, "if")!.EndsWith("steps.stack.outputs.exists == 'true'", StringComparison.Ordinal)));
        Assert.Contains("scripts/stack-exists nonprod", Text(steps.Single(s => Text(s, "id") == "stack"), "run"), StringComparison.Ordinal);
        Assert.All(steps.Where(s => !destructive.Contains(s)), s => Assert.DoesNotContain("destroy", Text(s, "run") ?? string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_lever_gate_runs_safe_levers_and_destructive_ones_only_with_the_clones_own_name()
    {
        var status = await Cli("status", "--json");
        Assert.Equal(0, status.Exit);

        foreach (var (lever, words) in new[] { ("verify", "verify"), ("status", "status"), ("decide", "decide"), ("up", "up"), ("seed", "seed"), ("compact", "compact") })
        {
            var r = await InProcessCli.ScriptAsync("lever-gate", null, lever, string.Empty);
            Assert.True(r.Succeeded, r.StandardError);
            Assert.Equal(words + "\n", r.StandardOutput);
        }

        foreach (var (lever, words) in new[] { ("reset", "reset"), ("drop", "drop"), ("reclone", "clone --force") })
        {
            var ok = await InProcessCli.ScriptAsync("lever-gate", status.Out, lever, Clone, "-");
            Assert.True(ok.Succeeded, ok.StandardError);
            Assert.Equal(words + "\n", ok.StandardOutput);

            foreach (var confirm in new[] { string.Empty, Clone + "x", Clone.ToUpperInvariant(), Clone + "\n", " " + Clone, "directus" })
            {
                var refused = await InProcessCli.ScriptAsync("lever-gate", status.Out, lever, confirm, "-");
                Assert.Equal(2, refused.ExitCode);
                Assert.Equal(string.Empty, refused.StandardOutput);
                Assert.Contains("needs confirm=" + Clone, refused.StandardError, StringComparison.Ordinal);
            }

            var noStatus = await InProcessCli.ScriptAsync("lever-gate", "not json", lever, Clone, "-");
            Assert.Equal(2, noStatus.ExitCode);
            Assert.Equal(string.Empty, noStatus.StandardOutput);
        }

        var unknown = await InProcessCli.ScriptAsync("lever-gate", status.Out, "verify; drop", Clone, "-");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal(string.Empty, unknown.StandardOutput);
    }

    [Fact]
    public void The_lever_workflow_pulls_levers_through_the_gate()
    {
        var steps = Steps("lever.yml");
        var pull = steps.Single(s => Text(s, "name") == "Pull the lever");
        var run = Text(pull, "run")!;
        Assert.Contains("scripts/lever-gate \"$LEVER\" \"$CONFIRM\"", run, StringComparison.Ordinal);
        Assert.Contains("status --stack nonprod --json", run, StringComparison.Ordinal);
        Assert.DoesNotContain("case \"$LEVER\"", run, StringComparison.Ordinal);
        Assert.DoesNotContain(steps, s => Text(s, "run")?.Contains("yq", StringComparison.Ordinal) == true);
    }

    private static List<YamlMappingNode> Steps(string workflow)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(InProcessCli.RepoRoot, ".github", "workflows", workflow)))
        {
            yaml.Load(reader);
        }

        var jobs = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("jobs")];
        return jobs.Children.Values.Cast<YamlMappingNode>()
            .SelectMany(j => ((YamlSequenceNode)j.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>())
            .ToList();
    }

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;
}
