using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;

namespace GovCloneInfra.Tests;

/// <summary>
/// Config transitions of the real program: it runs under mocks with the old and the new config; the engine's
/// changes are computed from what it registered (inputs from the mock monitor, options from a resource
/// transformation); then every server-side step it registered is replayed against the tests' real PostgreSQL
/// in the engine's order (GovClone.TestSupport/Replay, Pulumi-free), and the clone is checked against what the
/// new config wants.
/// </summary>
public sealed class TransitionTests : IAsyncLifetime
{
    private readonly string _clone = TestServer.NewCloneName();
    private TestServer _pg = null!;
    private DeploymentLab _lab = null!;
    private int _run;

    public async Task InitializeAsync()
    {
        _pg = await TestServer.GetAsync();
        _lab = DeploymentLab.Create(_pg);
    }

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        var s = Settings(Config());
        await _pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{_clone}\" WITH (FORCE)");
        await _pg.ExecuteAsync("postgres", ServerScripts.ReleaseTemplateSql(s));
        await _pg.ExecuteAsync("postgres", ServerScripts.DropTemplateSql(s));
    }

    /// <summary>A stack pointed at the test server (local transport), with the given keys set or (null) removed.</summary>
    private Dictionary<string, object> Config(params (string Key, object? Value)[] overrides)
    {
        var config = new Dictionary<string, object>();
        foreach (var (k, v) in _pg.Server.ClientSettings())
        {
            config[k] = v!;
        }

        config["sourceDatabase"] = TestServer.Source;
        config["cloneDatabase"] = _clone;
        config["lockTimeoutSeconds"] = "60";
        config["retainTemplate"] = "false";
        config["password"] = _pg.Password;
        foreach (var (k, v) in overrides)
        {
            if (v is null)
            {
                config.Remove(k);
            }
            else
            {
                config[k] = v;
            }
        }

        return config;
    }

    private static GovCloneSettings Settings(Dictionary<string, object> config) =>
        SettingsParser.Parse(config.Where(kv => kv.Key is not ("password" or "runId")).ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString()),
            config.TryGetValue("password", out var p) ? new Secret((string)p) : null);

    /// <summary>The program under mocks (a fresh run id, like every pulumi up): what it registers, as the engine sees it.</summary>
    private async Task<(StackRun Run, IReadOnlyList<EngineResource> Program)> ProgramAsync(Dictionary<string, object> config)
    {
        config["runId"] = "run-" + (++_run).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var run = await StackRun.RunAsync(config);
        config.Remove("runId");
        return (run, await run.EngineResourcesAsync());
    }

    private async Task UpFreshAsync(Dictionary<string, object> config)
    {
        var (_, program) = await ProgramAsync(config);
        var (plan, result) = await _lab.UpAsync(program);
        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.All(plan.Changes.Values, c => Assert.Equal(ChangeKind.Create, c));
        await AssertConvergedAsync(config);
    }

    /// <summary>pulumi up with the new config: its URNs against the old ones, its changes, then the replay.</summary>
    private async Task<EnginePlan> TransitionAsync(Dictionary<string, object> config, string[]? removedUrnsOf = null)
    {
        var before = _lab.State.Urns;
        var (run, program) = await ProgramAsync(config);
        var mockUrns = new List<string>();
        foreach (var r in run.Resources.Where(r => r.GetResourceType() != ResourceTypes.Stack))
        {
            mockUrns.Add(await StackRun.UrnAsync(r));
        }

        // The URN sets: the same resources (no config value in any name) unless the transition removes some.
        var removed = before.Where(u => (removedUrnsOf ?? []).Contains(EngineModel.NameOf(u))).ToList();
        Assert.Equal(before.Except(removed).Order(StringComparer.Ordinal), program.Select(r => r.Urn).Order(StringComparer.Ordinal));
        Assert.Equal(program.Count, mockUrns.Distinct().Count());
        Assert.All(program, r => Assert.Contains(mockUrns, u => u.EndsWith("$" + r.Type + "::" + r.Name, StringComparison.Ordinal)));

        var (plan, result) = await _lab.UpAsync(program);
        Assert.True(result.Succeeded, result.Failure?.Message + "\n" + plan);
        return plan;
    }

    private static void AssertChanges(EnginePlan plan, string[]? updates = null, string[]? replaces = null, string[]? creates = null, string[]? deletes = null)
    {
        Assert.Equal((updates ?? []).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Update));
        Assert.Equal((replaces ?? [DeployPlan.SuiteCommand]).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Replace));
        Assert.Equal((creates ?? []).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Create));
        Assert.Equal((deletes ?? []).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Delete));
    }

    private static async Task AssertConvergedAsync(Dictionary<string, object> config)
    {
        var s = Settings(config);
        var lifecycle = new CloneLifecycle(s);
        await using var maintenance = await lifecycle.Connections.OpenMaintenanceAsync(CancellationToken.None);
        var state = await lifecycle.ReadStateAsync(maintenance, CancellationToken.None);
        Assert.True(lifecycle.IsCurrent(state), $"not complete at generation {s.CloneGeneration}: {state.Marker}");
        var verify = await lifecycle.VerifyAsync(s.SeedProfile);
        Assert.True(verify.Passed, $"the suite fails for {s.SeedProfile}: " + string.Join("; ", verify.Drift));
    }

    private async Task<string?> MarkerAsync(string database) =>
        (string?)await _pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'");

    [Fact]
    public async Task Transition_seedProfile_baseline_to_committed()
    {
        await UpFreshAsync(Config(("seedProfile", "baseline")));
        var marker = await MarkerAsync(_clone);
        var next = Config(("seedProfile", "committed"));
        AssertChanges(await TransitionAsync(next), updates: [DeployPlan.SeedCommand]);
        await AssertConvergedAsync(next);
        Assert.Equal(marker, await MarkerAsync(_clone));
    }

    [Fact]
    public async Task Transition_seedProfile_committed_to_baseline()
    {
        await UpFreshAsync(Config());
        var next = Config(("seedProfile", "baseline"));
        AssertChanges(await TransitionAsync(next), updates: [DeployPlan.SeedCommand]);
        await AssertConvergedAsync(next);
        Assert.False((await new CloneLifecycle(Settings(next)).VerifyAsync(SeedProfile.Committed)).Passed);
    }

    [Fact]
    public async Task Transition_cloneGeneration_bump()
    {
        await UpFreshAsync(Config(("retainTemplate", "true")));
        var next = Config(("retainTemplate", "true"), ("cloneGeneration", "2"));
        AssertChanges(await TransitionAsync(next), updates: [DeployPlan.CloneCommand], replaces: [DeployPlan.SeedCommand, DeployPlan.SuiteCommand]);
        await AssertConvergedAsync(next);
        var s = Settings(next);
        Assert.StartsWith(GovClone.Engine.EngineScript.MarkerFor(s) + " ", await MarkerAsync(_clone), StringComparison.Ordinal);
        Assert.StartsWith(GovClone.Engine.EngineScript.TemplateMarkerFor(s) + " ", await MarkerAsync(s.TemplateDatabase), StringComparison.Ordinal);
    }

    /// <summary>A masking change replaces the clone step (the rules' identity is its trigger): the old family dropped first, the clone made under the new rules.</summary>
    [Fact]
    public async Task Transition_masking_credentials_to_personal()
    {
        await UpFreshAsync(Config(("retainTemplate", "true")));
        var next = Config(("retainTemplate", "true"), ("masking", "personal"));
        var before = _lab.Runner.Actions.Count;
        AssertChanges(await TransitionAsync(next), replaces: [DeployPlan.CloneCommand, DeployPlan.SuiteCommand]);
        Assert.Equal(
            [(DeployPlan.CloneCommand, "delete"), (DeployPlan.CloneCommand, "create"), (DeployPlan.SuiteCommand, "create")],
            _lab.Runner.Actions.Skip(before).Select(a => (a.Resource, a.What)));
        await AssertConvergedAsync(next);
        var s = Settings(next);
        Assert.StartsWith("personal-", s.Masking.Identity, StringComparison.Ordinal);
        Assert.StartsWith(GovClone.Engine.EngineScript.MarkerFor(s) + " ", await MarkerAsync(_clone), StringComparison.Ordinal);
        Assert.StartsWith(GovClone.Engine.EngineScript.TemplateMarkerFor(s) + " ", await MarkerAsync(s.TemplateDatabase), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transition_compactGeneration_bump()
    {
        await UpFreshAsync(Config(("compactGeneration", "1")));
        const string relfilenode = "SELECT pg_relation_filenode('directus_activity')::text";
        var file = (string?)await _pg.ScalarAsync(_clone, relfilenode);
        var next = Config(("compactGeneration", "2"));
        var count = _lab.Runner.Actions.Count;
        AssertChanges(await TransitionAsync(next), replaces: [DeployPlan.CompactCommand, DeployPlan.SuiteCommand]);
        Assert.Equal([(DeployPlan.CompactCommand, "create"), (DeployPlan.SuiteCommand, "create")], _lab.Runner.Actions.Skip(count).Select(a => (a.Resource, a.What)));
        Assert.NotEqual(file, (string?)await _pg.ScalarAsync(_clone, relfilenode));
        await AssertConvergedAsync(next);
    }

    [Fact]
    public async Task Transition_retainTemplate_true_to_false()
    {
        var old = Config(("retainTemplate", "true"));
        await UpFreshAsync(old);
        var template = Settings(old).TemplateDatabase;
        Assert.True(await _pg.DatabaseExistsAsync(template));
        var next = Config(("retainTemplate", "false"));
        AssertChanges(await TransitionAsync(next), updates: [DeployPlan.CloneCommand]);
        Assert.False(await _pg.DatabaseExistsAsync(template));
        await AssertConvergedAsync(next);
    }

    [Fact]
    public async Task Transition_transport_local_to_docker()
    {
        await UpFreshAsync(Config());
        var marker = await MarkerAsync(_clone);
        var next = Config(("transport", "docker"), ("pgBinDir", null));
        AssertChanges(await TransitionAsync(next), updates: [DeployPlan.CloneCommand]);
        Assert.Equal(marker, await MarkerAsync(_clone));
        Assert.Equal("docker", _lab.State.Find(DeployPlan.CloneCommand)!.Environment!["GOVCLONE_TRANSPORT"]);
        await AssertConvergedAsync(next);

        var log = File.Exists(_pg.StandInLog) ? File.ReadAllText(_pg.StandInLog).Length : 0;
        var reclone = Config(("transport", "docker"), ("pgBinDir", null), ("cloneGeneration", "2"));
        AssertChanges(await TransitionAsync(reclone), updates: [DeployPlan.CloneCommand], replaces: [DeployPlan.SeedCommand, DeployPlan.SuiteCommand]);
        await AssertConvergedAsync(reclone);
        Assert.Contains("docker\0exec\0-i", File.ReadAllText(_pg.StandInLog)[log..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transition_password_rotation()
    {
        var role = "govclone_prot_" + _clone[^10..].Replace('_', 'x');
        await _pg.ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} SUPERUSER LOGIN PASSWORD 'first-pw-1'");
        try
        {
            await UpFreshAsync(Config(("user", role), ("password", "first-pw-1"), ("compactGeneration", "1")));
            await _pg.ExecuteAsync("postgres", $"ALTER ROLE {role} PASSWORD 'second-pw-2'");
            var next = Config(("user", role), ("password", "second-pw-2"), ("compactGeneration", "1"));
            AssertChanges(await TransitionAsync(next),
                updates: [DeployPlan.Provider, DeployPlan.CloneCommand, DeployPlan.SeedCommand, DeployPlan.CompactCommand]);
            await AssertConvergedAsync(next);
            var (_, destroyed) = await _lab.DestroyAsync();
            Assert.True(destroyed.Succeeded, destroyed.Failure?.Message);
            Assert.False(await _pg.DatabaseExistsAsync(_clone));
        }
        finally
        {
            await _pg.ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task Transition_config_removal()
    {
        await UpFreshAsync(Config(("compactGeneration", "2"), ("cloneJobs", "3")));
        var marker = await MarkerAsync(_clone);
        var next = Config();
        var count = _lab.Runner.Actions.Count;
        var plan = await TransitionAsync(next, removedUrnsOf: [DeployPlan.Compaction, DeployPlan.CompactCommand]);
        AssertChanges(plan, updates: [DeployPlan.CloneCommand], deletes: [DeployPlan.Compaction, DeployPlan.CompactCommand]);
        Assert.DoesNotContain(_lab.Runner.Actions.Skip(count), a => a.Resource == DeployPlan.CompactCommand);
        Assert.Equal(marker, await MarkerAsync(_clone));
        await AssertConvergedAsync(next);
    }

    /// <summary>
    /// A new clone name is a new clone family: the provider creates the new (empty) database, the clone Command drops
    /// the old family by its old name and then clones, all as the program registered them. With the provider's own
    /// diff (postgresql_database.name is not ForceNew) and without the Database's replaceOnChanges, this was an
    /// in-place update: <c>ALTER DATABASE old RENAME TO new</c> before anything else.
    /// </summary>
    [Fact]
    public async Task Transition_cloneDatabase_change_replaces_the_database_and_drops_the_old_family_first_never_renaming()
    {
        var old = Config(("retainTemplate", "true"));
        await UpFreshAsync(old);
        var renamed = _clone + "_r";
        var next = Config(("retainTemplate", "true"), ("cloneDatabase", renamed));
        try
        {
            var count = _lab.Runner.Actions.Count;
            var plan = await TransitionAsync(next);
            AssertChanges(plan, updates: [DeployPlan.SeedCommand],
                replaces: [DeployPlan.Database, DeployPlan.PublicRevoked, DeployPlan.CloneCommand, DeployPlan.SuiteCommand]);
            var ran = _lab.Runner.Actions.Skip(count).ToList();
            Assert.DoesNotContain(ran, a => a.Text.Contains("RENAME", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(
                [
                    (DeployPlan.Database, "create"), (DeployPlan.PublicRevoked, "create"),
                    (DeployPlan.CloneCommand, "delete"), (DeployPlan.CloneCommand, "create"),
                    (DeployPlan.SeedCommand, "update"), (DeployPlan.SuiteCommand, "create"),
                ],
                ran.Select(a => (a.Resource, a.What)));
            Assert.Contains($"cloneDatabase={_clone} ", ran.Single(a => a.What == "delete").Text + " ", StringComparison.Ordinal);
            Assert.False(await _pg.DatabaseExistsAsync(_clone));
            Assert.False(await _pg.DatabaseExistsAsync(Settings(old).TemplateDatabase));
            Assert.True(await _pg.DatabaseExistsAsync(Settings(next).TemplateDatabase));
            await AssertConvergedAsync(next);
        }
        finally
        {
            await new CloneLifecycle(Settings(next)).DropAsync();
        }
    }

    /// <summary>
    /// A stack made by the program released before issue 24 (<see cref="ReleasedProgram"/>: components <c>clone</c>
    /// and <c>dump-restore</c>, Commands <c>dump-restore-pg-dump-psql</c>, <c>dump-restore-retained-template</c>,
    /// <c>regression-suite-run</c>), upgraded to what the program registers: every resource kept through its alias,
    /// nothing created, replaced (but the per-run suite) or deleted; only the retired step's echo and the suite run.
    /// </summary>
    [Fact]
    public async Task Transition_upgrade_of_a_stack_made_by_the_released_program_keeps_every_resource_and_runs_only_the_suite()
    {
        var config = Config(("retainTemplate", "true"), ("compactGeneration", "1"));
        var s = Settings(config);
        var (_, released) = await _lab.UpAsync(_lab.ReleasedProgram(s));
        Assert.True(released.Succeeded, released.Failure?.Message);
        var marker = await MarkerAsync(_clone);

        var count = _lab.Runner.Actions.Count;
        _run++; // a later pulumi up than the released one (run-1): another run id
        var (_, program) = await ProgramAsync(config);
        var (plan, result) = await _lab.UpAsync(program);
        Assert.True(result.Succeeded, result.Failure?.Message + "\n" + plan);
        AssertChanges(plan, updates: [DeployPlan.RetiredTemplateDrop]);
        Assert.Equal([(DeployPlan.RetiredTemplateDrop, "update"), (DeployPlan.SuiteCommand, "create")], _lab.Runner.Actions.Skip(count).Select(a => (a.Resource, a.What)));
        Assert.Equal(program.Select(r => r.Urn).Order(StringComparer.Ordinal), _lab.State.Urns);
        Assert.Equal(marker, await MarkerAsync(_clone));
        Assert.True(await _pg.DatabaseExistsAsync(s.TemplateDatabase));
        await AssertConvergedAsync(config);

        var (_, destroyed) = await _lab.DestroyAsync();
        Assert.True(destroyed.Succeeded, destroyed.Failure?.Message);
        Assert.False(await _pg.DatabaseExistsAsync(_clone));
        Assert.False(await _pg.DatabaseExistsAsync(s.TemplateDatabase));
    }

    /// <summary>
    /// A stack made by the legacy program (each step a bash script; the seeded state named by profile with a reset
    /// Delete; a template Command whose Delete dropped the template outside the lock), upgraded to what the program
    /// registers: none of its Deletes runs.
    /// </summary>
    [Theory]
    [InlineData("committed")]
    [InlineData("baseline")]
    public async Task Transition_upgrade_of_a_stack_made_by_the_legacy_program_runs_none_of_its_old_deletes(string oldProfile)
    {
        var old = Settings(Config(("seedProfile", oldProfile), ("retainTemplate", "true")));
        var (_, legacy) = await _lab.UpAsync(LegacyProgram.Of(old, _pg.Password, "legacy-run"));
        Assert.True(legacy.Succeeded, legacy.Failure?.Message);

        var next = Config(("retainTemplate", "true"));
        var count = _lab.Runner.Actions.Count;
        var (_, program) = await ProgramAsync(next);
        var (plan, result) = await _lab.UpAsync(program);
        Assert.True(result.Succeeded, result.Failure?.Message + "\n" + plan);
        AssertChanges(plan,
            updates: [DeployPlan.RetiredTemplateDrop, DeployPlan.SeedCommand],
            replaces: [DeployPlan.CloneCommand, DeployPlan.SuiteCommand],
            deletes: ["production", "production-read"]);
        var ran = _lab.Runner.Actions.Skip(count).ToList();
        Assert.DoesNotContain(ran, a => a.What == "delete");
        Assert.Equal([DeployPlan.CloneCommand, DeployPlan.RetiredTemplateDrop, DeployPlan.SeedCommand, DeployPlan.SuiteCommand], ran.Select(a => a.Resource));
        Assert.True(await _pg.DatabaseExistsAsync(old.TemplateDatabase), "the template survives the upgrade");
        await AssertConvergedAsync(next);
    }

    [Fact]
    public async Task Transition_destroy()
    {
        var config = Config(("retainTemplate", "true"));
        await UpFreshAsync(config);
        var count = _lab.Runner.Actions.Count;
        var (plan, result) = await _lab.DestroyAsync();
        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Empty(_lab.State.Entries);
        var drop = Assert.Single(_lab.Runner.Actions.Skip(count));
        Assert.Equal((DeployPlan.CloneCommand, "delete"), (drop.Resource, drop.What));
        Assert.Equal("retainOnDelete", plan.Steps.Single(st => st.Name == DeployPlan.Database).Skipped);
        Assert.False(await _pg.DatabaseExistsAsync(_clone));
        Assert.False(await _pg.DatabaseExistsAsync(Settings(config).TemplateDatabase));
    }
}
