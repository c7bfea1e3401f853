using System.Text.Json;
using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Tests.Deploy;

namespace GovClone.Tests.Branches;

/// <summary>A branch stack's plan (govclone:branchOf), Pulumi-free: its resources, Command lines and options.</summary>
public class BranchPlanTests
{
    private static GovCloneSettings BranchStack(params (string Key, string? Value)[] overrides) =>
        DeployPlanTests.Nonprod([("branchOf", "directus_gov_test_20260602"), .. overrides]);

    private static DeployPlan Plan(GovCloneSettings s, string stack = "pr-123") => DeployPlan.For(s, new DeployInputs("run-1", StackName: stack));

    [Fact]
    public void A_branch_stack_makes_the_branch_instead_of_the_clone_and_runs_the_suite_on_it()
    {
        var plan = Plan(BranchStack());
        Assert.True(plan.IsBranch);
        Assert.Equal(("pr_123", "directus_gov_test_20260602_pr_123"), (plan.BranchName!.Name, plan.BranchName.Database));
        Assert.Equal([DeployPlan.Branch, DeployPlan.BranchCommand, DeployPlan.BranchSuite, DeployPlan.BranchSuiteCommand], plan.Resources.Select(r => r.Name));
        // No provider, database, grant or clone lever: nothing in a branch stack can create, fill, seed or drop the clone.
        Assert.All(plan.Resources, r => Assert.True(r.IsComponent || r.Type == ResourceTypes.LocalCommand, r.Name));

        var create = plan[DeployPlan.BranchCommand].Command!;
        Assert.Equal("./govclone branch create --json --no-stack-file pr_123 --profile committed --owner pr-123 -c cloneDatabase=directus_gov_test_20260602 -c templateDatabase=directus_gov_test_20260602_template -c cloneGeneration=1",
            create.Create);
        Assert.Equal("./govclone branch drop --yes --json --no-stack-file pr_123 -c cloneDatabase=directus_gov_test_20260602", create.Delete);
        Assert.Null(create.Update); // an update runs the create again: it converges
        Assert.Equal(["cloneDatabase=directus_gov_test_20260602", "templateDatabase=directus_gov_test_20260602_template", "branch=pr_123"], create.Triggers);
        Assert.True(plan[DeployPlan.BranchCommand].DeleteBeforeReplace);

        var suite = plan[DeployPlan.BranchSuiteCommand];
        Assert.Equal(create.Create, suite.Command!.Create);
        Assert.Null(suite.Command.Delete);
        Assert.Equal(["run-1"], suite.Command.Triggers);
        Assert.Equal([DeployPlan.BranchCommand], suite.DependsOn);

        foreach (var c in plan.Commands)
        {
            Assert.Equal("directus_gov_test_20260602", c.Command!.Environment["GOVCLONE_BRANCH_OF"]);
            Assert.Equal("10", c.Command.Environment["GOVCLONE_MAX_BRANCHES"]);
            Assert.Equal(string.Empty, c.Command.Environment["GOVCLONE_PRODUCTION_ROLLOUT_LANDED"]);
            Assert.True(JsonSerializer.Serialize(c.Inputs).Length <= 600);
            foreach (var text in new[] { c.Command.Create, c.Command.Delete }.OfType<string>())
            {
                Assert.Matches(@"\A\./govclone branch (create|drop) ", text);
            }
        }
    }

    [Theory]
    [InlineData("credentials")]
    [InlineData("personal")]
    [InlineData("none")]
    public void The_clones_masking_reaches_every_branch_step_so_its_verify_proves_those_rules(string masking)
    {
        // A branch's verify reads the masking proof under govclone:masking; without it the steps ran under the default.
        var plan = Plan(BranchStack(("masking", masking)));
        Assert.All(plan.Commands, c =>
        {
            Assert.Contains(SettingKeys.Masking, c.Command!.Settings);
            Assert.Equal(masking, c.Command.Environment[SettingKeys.Masking.EnvironmentVariable]);
        });
    }

    [Fact]
    public void The_profile_and_the_parent_reach_the_lines_and_the_stack_names_the_branch()
    {
        var baseline = Plan(BranchStack(("seedProfile", "baseline")), "pr-7");
        Assert.Contains(" pr_7 --profile baseline --owner pr-7 ", baseline[DeployPlan.BranchCommand].Command!.Create, StringComparison.Ordinal);
        var other = Plan(DeployPlanTests.Nonprod(("branchOf", "directus_gov_test_x")));
        Assert.Contains("-c cloneDatabase=directus_gov_test_x ", other[DeployPlan.BranchCommand].Command!.Create, StringComparison.Ordinal);
        Assert.Equal("directus_gov_test_x_pr_123", other.BranchName!.Database);
    }

    [Fact]
    public void A_branch_stack_without_a_stack_name_or_with_one_that_names_no_branch_fails_before_any_resource()
    {
        var noName = Assert.Throws<ConfigurationException>(() => DeployPlan.For(BranchStack(), new DeployInputs("run-1")));
        Assert.Equal("govclone:branchOf", noName.Setting);
        // Only a pull request's stack (pr-<number>): the clone's own stack can never become a branch stack (it would drop the clone).
        foreach (var stack in new[] { "nonprod", "feature-spare", "PR-7", "pr-", "pr-12a", "pr-123456789012345678", "pr-1\n" })
        {
            var bad = Assert.Throws<ConfigurationException>(() => Plan(BranchStack(), stack));
            Assert.Equal("govclone:branchOf", bad.Setting);
        }

        Assert.True(DeployPlan.IsPullRequestStack("pr-12345678901234567"));
        Assert.False(Plan(DeployPlanTests.Nonprod(), "pr-123").IsBranch); // without branchOf the stack's name changes nothing
    }

    [Fact]
    public void The_suite_steps_json_is_the_branch_stacks_outputs()
    {
        const string stdout = """
            {"event":"step","phase":"start","step":1,"steps":2,"name":"seed","text":"…"}
            {"event":"result","lever":"branch create","ok":true,"exitCode":0,"changed":false,"copied":false,"clone":"directus_gov_test_20260602","branch":"pr_123","database":"directus_gov_test_20260602_pr_123","profile":"committed","steps":[],"verify":{"profile":"committed","passed":true,"checks":[{"metric":"own","have":30,"haveDetail":"CLONE_TEST_F6_SEED","want":30,"wantDetail":"CLONE_TEST_F6_SEED","ok":true},{"metric":"gap","have":0,"haveDetail":null,"want":0,"wantDetail":null,"ok":true}]},"info":{"sizeBytes":1234}}
            """;
        var o = BranchOutputs.FromSuite(stdout)!;
        Assert.Equal(("directus_gov_test_20260602_pr_123", "pr_123", "directus_gov_test_20260602", 1234L, true), (o.Database, o.Branch, o.Parent, o.SizeBytes, o.Verified));
        Assert.Equal(30, o.Metrics["own"]);
        Assert.Equal("own=30 (CLONE_TEST_F6_SEED) | gap=0", o.Evidence);
        Assert.False(BranchOutputs.FromSuite(stdout.Replace("\"passed\":true", "\"passed\":false", StringComparison.Ordinal))!.Verified);
        Assert.Null(BranchOutputs.FromSuite("govclone: not json\n{\"event\":\"result\",\"lever\":\"up\"}"));
    }
}
