using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;
using Pulumi;

namespace GovCloneInfra.Tests;

/// <summary>
/// A branch stack (a stack per pull request, govclone:branchOf) under mocks: the program registers exactly the core's
/// branch plan, names the branch after the stack, and its outputs come from the suite step's JSON; then what it
/// registered is replayed against the real server: create, then destroy, the clone untouched.
/// </summary>
public sealed class BranchStackTests : IAsyncLifetime
{
    private const string Stack = "pr-123";
    private readonly string _clone = TestServer.NewCloneName();
    private TestServer _pg = null!;

    public async Task InitializeAsync() => _pg = await TestServer.GetAsync();

    public async Task DisposeAsync()
    {
        var s = SettingsParser.Parse(new Dictionary<string, string?>(_pg.Server.ClientSettings()) { ["cloneDatabase"] = _clone, ["sourceDatabase"] = TestServer.Source });
        await _pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{_clone}_pr_123\" WITH (FORCE)");
        await _pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{_clone}\" WITH (FORCE)");
        await _pg.ExecuteAsync("postgres", ServerScripts.ReleaseTemplateSql(s));
        await _pg.ExecuteAsync("postgres", ServerScripts.DropTemplateSql(s));
    }

    private static Dictionary<string, object> BranchOfNonprod(params (string Key, object? Value)[] overrides) =>
        GovCloneStackTests.Nonprod([("branchOf", "directus_gov_test_20260602"), .. overrides]);

    [Fact]
    public async Task The_branch_program_registers_exactly_the_cores_branch_plan_and_nothing_of_the_clones()
    {
        var config = BranchOfNonprod();
        var run = await StackRun.RunAsync(config, stack: Stack);
        var settings = SettingsParser.Parse(config.Where(kv => kv.Key != "password").ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString()));
        var plan = DeployPlan.For(settings, new DeployInputs("run-1", HasPassword: true, StackName: Stack));
        var expected = PlanResources.Of(plan, new Dictionary<string, string?> { [SecretInput.Password] = GovCloneStackTests.Password });
        var actual = await run.EngineResourcesAsync();
        Assert.Equal(expected.Select(r => r.Urn), actual.Select(r => r.Urn));
        foreach (var (want, have) in expected.Zip(actual))
        {
            Assert.Equal(want.ParentUrn, have.ParentUrn);
            Assert.Equal(want.Dependencies.Order(StringComparer.Ordinal), have.Dependencies.Order(StringComparer.Ordinal));
            Assert.True(EngineModel.Diff(want, have).Kind == ChangeKind.Same, $"{want.Name}: {string.Join(", ", EngineModel.Diff(want, have).ChangedInputs)}");
            Assert.Equal(want.DeleteBeforeReplace, have.DeleteBeforeReplace);
            Assert.Equal(want.RetainOnDelete, have.RetainOnDelete);
        }

        Assert.DoesNotContain(run.Registrations, r => r.Type is ResourceTypes.Database or ResourceTypes.Grant or ResourceTypes.PostgresProvider);
        Assert.All(run.Observed.Where(o => o.Type == ResourceTypes.LocalCommand),
            o => Assert.Equal(["environment"], ((CustomResourceOptions)o.Options).AdditionalSecretOutputs));
        Assert.All(run.SecretInputs, kv => Assert.True(kv.Value, $"{kv.Key}'s environment is not a secret Output"));
        Assert.Equal(2, run.SecretInputs.Count);
    }

    [Fact]
    public async Task The_stack_outputs_name_the_branch_and_carry_the_suites_verdict()
    {
        var run = await StackRun.RunAsync(BranchOfNonprod(), stack: Stack);
        Assert.Equal("directus_gov_test_20260602_pr_123", run.Outputs["branchName"]);
        Assert.Equal("pr_123", run.Outputs["branch"]);
        Assert.Equal("directus_gov_test_20260602", run.Outputs["parentClone"]);
        Assert.Equal(true, await OutputValue(run.Outputs["verified"]));
        Assert.Equal(1258291200L, await OutputValue(run.Outputs["sizeBytes"]));

        var failing = await StackRun.RunAsync(BranchOfNonprod(), stack: Stack, suiteStdout: StackRun.CannedBranchSuite(passed: false));
        Assert.Equal(false, await OutputValue(failing.Outputs["verified"]));
    }

    private static async Task<object?> OutputValue(object? output) =>
        output is Output<bool> b ? await Pulumi.Utilities.OutputUtilities.GetValueAsync(b)
        : output is Output<long> l ? await Pulumi.Utilities.OutputUtilities.GetValueAsync(l)
        : output;

    [Theory]
    [InlineData("nonprod")]
    [InlineData("feature-spare")]
    [InlineData("pr-12345678901234567890")]
    public async Task A_stack_whose_name_names_no_branch_fails_before_any_resource(string stack)
    {
        var (run, error) = await StackRun.TryRunAsync(BranchOfNonprod(), stack: stack);
        Assert.NotNull(error);
        Assert.Contains("govclone:branchOf", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(run.Registrations);
    }

    [Fact]
    public async Task Transition_create_then_destroy_of_what_the_program_registered_makes_and_drops_only_the_branch()
    {
        var raw = new Dictionary<string, object>();
        foreach (var (k, v) in _pg.Server.ClientSettings())
        {
            raw[k] = v!;
        }

        raw["sourceDatabase"] = TestServer.Source;
        raw["lockTimeoutSeconds"] = "60";
        var clone = SettingsParser.Parse(new Dictionary<string, string?>(raw.ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString())) { ["cloneDatabase"] = _clone, ["retainTemplate"] = "true" },
            new Secret(_pg.Password));
        Assert.True((await new CloneLifecycle(clone).UpAsync()).Verify.Passed);
        var marker = await _pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{_clone}'");

        raw["branchOf"] = _clone;
        raw["password"] = _pg.Password;
        var run = await StackRun.RunAsync(raw, stack: Stack);
        await using var lab = DeploymentLab.Create(_pg);
        var (plan, created) = await lab.UpAsync(await run.EngineResourcesAsync());
        Assert.True(created.Succeeded, created.Failure?.Message);
        Assert.Equal([(DeployPlan.BranchCommand, "create"), (DeployPlan.BranchSuiteCommand, "create")], lab.Runner.Actions.Select(a => (a.Resource, a.What)));
        var branch = (await new BranchLifecycle(clone).ListAsync()).Single();
        Assert.Equal(("pr_123", BranchState.Complete, Stack), (branch.Name, branch.State, branch.Owner));

        var (_, destroyed) = await lab.DestroyAsync();
        Assert.True(destroyed.Succeeded, destroyed.Failure?.Message);
        Assert.Empty(await new BranchLifecycle(clone).ListAsync());
        Assert.Equal(marker, await _pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{_clone}'"));
        Assert.True(await _pg.DatabaseExistsAsync(clone.TemplateDatabase));
    }
}
