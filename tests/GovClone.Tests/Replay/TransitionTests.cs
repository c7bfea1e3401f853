using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Lifecycle;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;
using GovClone.Transport;

namespace GovClone.Tests.Replay;

/// <summary>
/// Config transitions of the Pulumi deployment, proven on the core's plan (the program instantiates exactly it;
/// tests/GovCloneInfra.Tests checks that under mocks and repeats these): the engine's changes for the old and the
/// new config, then every server-side step replayed against the real server in the engine's order, then the
/// clone checked against what the new config wants.
/// </summary>
public class TransitionTests : CloneTestBase
{
    private DeploymentLab _lab = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _lab = DeploymentLab.Create(Pg);
    }

    public override async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        await base.DisposeAsync();
    }

    private GovCloneSettings Config(params (string Key, string? Value)[] overrides) =>
        Pg.Settings(Clone, overrides.ToDictionary(o => o.Key, o => o.Value));

    /// <summary>A fresh stack's first <c>pulumi up</c>; the clone must end complete and at the profile.</summary>
    private async Task UpFreshAsync(GovCloneSettings s)
    {
        var (plan, result) = await _lab.UpAsync(_lab.Program(s));
        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.All(plan.Changes.Values, c => Assert.Equal(ChangeKind.Create, c));
        await AssertConvergedAsync(s);
    }

    private async Task<EnginePlan> TransitionAsync(GovCloneSettings next, string? password = null)
    {
        var (plan, result) = await _lab.UpAsync(_lab.Program(next, password));
        Assert.True(result.Succeeded, result.Failure?.Message + "\n" + plan);
        return plan;
    }

    /// <summary>The engine's changes by resource name, every resource not listed being the same.</summary>
    private static void AssertChanges(EnginePlan plan, string[]? updates = null, string[]? replaces = null, string[]? creates = null, string[]? deletes = null)
    {
        Assert.Equal((updates ?? []).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Update));
        Assert.Equal((replaces ?? [DeployPlan.SuiteCommand]).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Replace));
        Assert.Equal((creates ?? []).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Create));
        Assert.Equal((deletes ?? []).Order(StringComparer.Ordinal), plan.NamesOf(ChangeKind.Delete));
    }

    private static async Task AssertConvergedAsync(GovCloneSettings s)
    {
        var lifecycle = new CloneLifecycle(s);
        await using var maintenance = await lifecycle.Connections.OpenMaintenanceAsync(CancellationToken.None);
        var state = await lifecycle.ReadStateAsync(maintenance, CancellationToken.None);
        Assert.True(lifecycle.IsCurrent(state), $"the clone is not complete at generation {s.CloneGeneration}: {state.Marker}");
        var verify = await lifecycle.VerifyAsync(s.SeedProfile);
        Assert.True(verify.Passed, $"the suite fails for {s.SeedProfile}: " + string.Join("; ", verify.Drift));
    }

    private async Task<string?> MarkerAsync(string database) =>
        (string?)await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'");

    private IEnumerable<ServerAction> ActionsSince(int count) => _lab.Runner.Actions.Skip(count);

    [Fact]
    public async Task The_suite_steps_json_is_the_stack_outputs_and_the_step_converges_a_drifted_clone()
    {
        var s = Config(("retainTemplate", "false"));
        await UpFreshAsync(s);
        var suite = _lab.Runner.Actions.Last(a => a.Resource == DeployPlan.SuiteCommand);
        var outputs = StackOutputs.FromSuite(s, suite.Stdout);
        Assert.NotNull(outputs);
        Assert.True(outputs.Verified);
        Assert.True(outputs.ProductionUnchanged);
        Assert.Equal("RETAIN", outputs.Decision);
        Assert.Equal(30, outputs.Metrics["own"]);
        Assert.Equal(309, outputs.Metrics["dot_tools"]);
        Assert.True(outputs.CloneSizeBytes > 0);
        Assert.Contains("own=30", outputs.Evidence, StringComparison.Ordinal);
        Assert.Equal(["Disk cost", "Value", "Isolation", "Drift risk", "Naming"], outputs.Factors.Select(f => f["factor"]));
        Assert.Equal(s.Masking.Identity, outputs.Masking); // the default, credentials-…
        Assert.True(outputs.MaskingClean);
        Assert.Contains(outputs.MaskingColumns, c => c["column"] == "public.directus_users.password" && c["strategy"] == "null");
        Assert.All(outputs.MaskingColumns, c => Assert.Equal("0", c["equalToSource"]));
        Assert.Null(StackOutputs.FromSuite(s, "govclone: a line that is not JSON\n"));

        // Drift made out of band (a row gone): the next pulumi up changes no resource's inputs but the suite
        // step's run trigger, and its govclone up seeds the clone back before the suite.
        await Pg.ExecuteAsync(Clone, "DELETE FROM governance_candidate_object WHERE ctid = (SELECT min(ctid) FROM governance_candidate_object)");
        Assert.False((await new CloneLifecycle(s).VerifyAsync()).Passed);
        var (drifted, healed) = await _lab.UpAsync(_lab.Program(s));
        Assert.True(healed.Succeeded, healed.Failure?.Message);
        AssertChanges(drifted);
        Assert.Contains("\"lever\":\"seed\",\"changed\":true", _lab.Runner.Actions.Last(a => a.Resource == DeployPlan.SuiteCommand).Stdout, StringComparison.Ordinal);
        await AssertConvergedAsync(s);

        // The gate passed: the same step's decision turns to DROP.
        var gate = Config(("retainTemplate", "false"), ("productionRolloutLanded", "true"), ("productionSeedVerified", "true"));
        var (_, result) = await _lab.UpAsync(_lab.Program(gate));
        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal("DROP", StackOutputs.FromSuite(gate, _lab.Runner.Actions.Last(a => a.Resource == DeployPlan.SuiteCommand).Stdout)!.Decision);
    }

    [Fact]
    public async Task Transition_seedProfile_baseline_to_committed_updates_the_seed_in_place_and_ends_committed()
    {
        var old = Config(("seedProfile", "baseline"), ("retainTemplate", "false"));
        await UpFreshAsync(old);
        var marker = await MarkerAsync(Clone);

        var next = Config(("seedProfile", "committed"), ("retainTemplate", "false"));
        var plan = await TransitionAsync(next);
        AssertChanges(plan, updates: [DeployPlan.SeedCommand]);
        await AssertConvergedAsync(next);
        Assert.False((await new CloneLifecycle(next).VerifyAsync(SeedProfile.Baseline)).Passed);
        Assert.Equal(marker, await MarkerAsync(Clone)); // no re-clone
    }

    [Fact]
    public async Task Transition_seedProfile_committed_to_baseline_resets_by_the_update_and_nothing_seeds_it_back()
    {
        var old = Config(("retainTemplate", "false"));
        await UpFreshAsync(old);
        var next = Config(("seedProfile", "baseline"), ("retainTemplate", "false"));
        var plan = await TransitionAsync(next);
        AssertChanges(plan, updates: [DeployPlan.SeedCommand]);
        await AssertConvergedAsync(next);

        // And back: the same resource, updated again.
        var back = await TransitionAsync(old);
        AssertChanges(back, updates: [DeployPlan.SeedCommand]);
        await AssertConvergedAsync(old);
    }

    [Fact]
    public async Task Transition_cloneGeneration_bump_re_clones_by_an_update_re_seeds_by_a_replacement_and_leaves_compaction_alone()
    {
        var old = Config(("retainTemplate", "true"), ("compactGeneration", "1"));
        await UpFreshAsync(old);
        var next = Config(("retainTemplate", "true"), ("compactGeneration", "1"), ("cloneGeneration", "2"));
        var before = _lab.Runner.Actions.Count;
        var plan = await TransitionAsync(next);
        AssertChanges(plan, updates: [DeployPlan.CloneCommand], replaces: [DeployPlan.SeedCommand, DeployPlan.SuiteCommand]);
        await AssertConvergedAsync(next);
        Assert.StartsWith(GovClone.Engine.EngineScript.MarkerFor(next) + " ", await MarkerAsync(Clone), StringComparison.Ordinal);
        Assert.StartsWith(GovClone.Engine.EngineScript.TemplateMarkerFor(next) + " ", await MarkerAsync(next.TemplateDatabase), StringComparison.Ordinal);
        // What ran, in order: the clone (re-clone), the seed (create of its replacement), the suite; nothing deleted anything.
        Assert.Equal(
            [(DeployPlan.CloneCommand, "update"), (DeployPlan.SeedCommand, "create"), (DeployPlan.SuiteCommand, "create")],
            ActionsSince(before).Select(a => (a.Resource, a.What)));
    }

    /// <summary>
    /// A masking change replaces the clone step (the rules' identity is its trigger), as the CLI's up re-clones: the old
    /// family (clone and template, holding values under the old rules) dropped first, then the clone made under the new
    /// rules, so the suite's up finds it current and clones nothing; the stack outputs state the masking and its proof.
    /// </summary>
    [Fact]
    public async Task Transition_masking_credentials_to_personal_replaces_the_clone_step_which_clones_under_the_new_rules_once()
    {
        var old = Config(("retainTemplate", "true"));
        await UpFreshAsync(old);
        var next = Config(("retainTemplate", "true"), ("masking", "personal"));
        var before = _lab.Runner.Actions.Count;
        var plan = await TransitionAsync(next);
        AssertChanges(plan, replaces: [DeployPlan.CloneCommand, DeployPlan.SuiteCommand]);
        var ran = ActionsSince(before).ToList();
        Assert.Equal(
            [(DeployPlan.CloneCommand, "delete"), (DeployPlan.CloneCommand, "create"), (DeployPlan.SuiteCommand, "create")],
            ran.Select(a => (a.Resource, a.What)));
        Assert.StartsWith(GovClone.Engine.EngineScript.MarkerFor(next) + " ", await MarkerAsync(Clone), StringComparison.Ordinal);
        Assert.StartsWith(GovClone.Engine.EngineScript.TemplateMarkerFor(next) + " ", await MarkerAsync(next.TemplateDatabase), StringComparison.Ordinal);
        Assert.Contains("\"lever\":\"clone\",\"changed\":false", ran[^1].Stdout, StringComparison.Ordinal); // the clone step made it under personal

        var outputs = StackOutputs.FromSuite(next, ran[^1].Stdout)!;
        Assert.StartsWith("personal-", outputs.Masking, StringComparison.Ordinal);
        Assert.Equal(next.Masking.Identity, outputs.Masking);
        Assert.True(outputs.MaskingClean);
        Assert.Contains(outputs.MaskingColumns, c => c["column"] == "public.directus_users.email" && c["strategy"] == "email");
        Assert.All(outputs.MaskingColumns, c => Assert.Equal("0", c["equalToSource"]));
        await AssertConvergedAsync(next);

        // The same rules again: nothing but the suite.
        AssertChanges(await TransitionAsync(next));
    }

    [Fact]
    public async Task Transition_compactGeneration_bump_replaces_only_the_compaction_which_runs_VACUUM_FULL_once()
    {
        var old = Config(("retainTemplate", "false"), ("compactGeneration", "1"));
        await UpFreshAsync(old);
        var marker = await MarkerAsync(Clone);
        const string relfilenode = "SELECT pg_relation_filenode('directus_activity')::text";
        var fileBefore = (string?)await Pg.ScalarAsync(Clone, relfilenode);

        var next = Config(("retainTemplate", "false"), ("compactGeneration", "2"));
        var before = _lab.Runner.Actions.Count;
        var plan = await TransitionAsync(next);
        AssertChanges(plan, replaces: [DeployPlan.CompactCommand, DeployPlan.SuiteCommand]);
        Assert.Equal([(DeployPlan.CompactCommand, "create"), (DeployPlan.SuiteCommand, "create")], ActionsSince(before).Select(a => (a.Resource, a.What)));
        Assert.NotEqual(fileBefore, (string?)await Pg.ScalarAsync(Clone, relfilenode)); // VACUUM FULL rewrote it
        Assert.Equal(marker, await MarkerAsync(Clone));
        await AssertConvergedAsync(next);

        // The same generation again: the compaction does not run a second time.
        var fileAfter = (string?)await Pg.ScalarAsync(Clone, relfilenode);
        AssertChanges(await TransitionAsync(next));
        Assert.Equal(fileAfter, (string?)await Pg.ScalarAsync(Clone, relfilenode));
    }

    [Fact]
    public async Task Transition_retainTemplate_true_to_false_updates_the_clone_step_which_drops_the_template_without_a_re_clone()
    {
        var old = Config(("retainTemplate", "true"));
        await UpFreshAsync(old);
        Assert.True(await Pg.DatabaseExistsAsync(old.TemplateDatabase));
        var marker = await MarkerAsync(Clone);

        var next = Config(("retainTemplate", "false"));
        var plan = await TransitionAsync(next);
        AssertChanges(plan, updates: [DeployPlan.CloneCommand]);
        Assert.False(await Pg.DatabaseExistsAsync(next.TemplateDatabase));
        Assert.Equal(marker, await MarkerAsync(Clone));
        await AssertConvergedAsync(next);
    }

    [Fact]
    public async Task Transition_transport_local_to_docker_updates_the_clone_step_through_docker_and_leaves_the_seed_alone()
    {
        var old = Config(("retainTemplate", "false"));
        await UpFreshAsync(old);
        var marker = await MarkerAsync(Clone);
        var log = File.Exists(Pg.StandInLog) ? File.ReadAllText(Pg.StandInLog).Length : 0;

        var next = Config(("retainTemplate", "false"), ("transport", "docker"), ("pgBinDir", null));
        var plan = await TransitionAsync(next);
        AssertChanges(plan, updates: [DeployPlan.CloneCommand]);
        Assert.Equal(marker, await MarkerAsync(Clone)); // the clone is current: the lever copies nothing, by any transport
        await AssertConvergedAsync(next);
        Assert.Equal("docker", _lab.State.Find(DeployPlan.CloneCommand)!.Environment!["GOVCLONE_TRANSPORT"]);

        // The stored step now reaches the server through `docker exec`: the next re-clone goes that way.
        var reclone = Config(("retainTemplate", "false"), ("transport", "docker"), ("pgBinDir", null), ("cloneGeneration", "2"));
        AssertChanges(await TransitionAsync(reclone), updates: [DeployPlan.CloneCommand], replaces: [DeployPlan.SeedCommand, DeployPlan.SuiteCommand]);
        await AssertConvergedAsync(reclone);
        Assert.Contains("docker\0exec\0-i", File.ReadAllText(Pg.StandInLog)[log..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transition_password_rotation_updates_every_step_in_place_and_destroy_then_uses_the_new_password()
    {
        var role = "govclone_rot_" + Clone[^12..].Replace('_', 'x');
        const string first = "rotate-one-1", second = "rotate-two-2";
        await Pg.ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} SUPERUSER LOGIN PASSWORD '{first}'");
        try
        {
            var old = Pg.Settings(Clone, new Dictionary<string, string?> { ["user"] = role, ["retainTemplate"] = "true", ["compactGeneration"] = "1" }, withPassword: false)
                with
            { Password = new Secret(first) };
            await UpFreshAsync(old);

            await Pg.ExecuteAsync("postgres", $"ALTER ROLE {role} PASSWORD '{second}'");
            var next = old with { Password = new Secret(second) };
            var plan = await TransitionAsync(next);
            AssertChanges(plan,
                updates: [DeployPlan.Provider, DeployPlan.CloneCommand, DeployPlan.SeedCommand, DeployPlan.CompactCommand]);
            await AssertConvergedAsync(next);
            Assert.All(_lab.State.Live.Where(e => e.Resource.Environment?.ContainsKey("GOVCLONE_PASSWORD") == true),
                e => Assert.Equal(second, e.Resource.Environment!["GOVCLONE_PASSWORD"]));

            var (_, destroyed) = await _lab.DestroyAsync();
            Assert.True(destroyed.Succeeded, destroyed.Failure?.Message);
            Assert.False(await Pg.DatabaseExistsAsync(Clone));
            Assert.False(await Pg.DatabaseExistsAsync(old.TemplateDatabase));
        }
        finally
        {
            await Pg.ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task Transition_config_removal_deletes_the_compaction_without_running_anything_and_updates_the_clone_step()
    {
        var old = Config(("retainTemplate", "false"), ("compactGeneration", "2"), ("cloneJobs", "3"));
        await UpFreshAsync(old);
        var marker = await MarkerAsync(Clone);

        // Both keys removed from the stack: their defaults (no compaction; 2 jobs).
        var next = Config(("retainTemplate", "false"));
        var before = _lab.Runner.Actions.Count;
        var plan = await TransitionAsync(next);
        AssertChanges(plan, updates: [DeployPlan.CloneCommand], deletes: [DeployPlan.Compaction, DeployPlan.CompactCommand]);
        Assert.DoesNotContain(ActionsSince(before), a => a.Resource is DeployPlan.CompactCommand or DeployPlan.Compaction);
        Assert.Equal(marker, await MarkerAsync(Clone));
        await AssertConvergedAsync(next);
    }

    [Fact]
    public async Task Transition_destroy_drops_clone_and_template_once_under_the_lock_and_the_provider_drops_nothing()
    {
        var s = Config(("retainTemplate", "true"), ("compactGeneration", "1"));
        await UpFreshAsync(s);
        Assert.True(await Pg.DatabaseExistsAsync(s.TemplateDatabase));

        var before = _lab.Runner.Actions.Count;
        var (plan, result) = await _lab.DestroyAsync();
        Assert.True(result.Succeeded, result.Failure?.Message);
        var order = plan.Steps.Select(st => st.Name).ToList();
        Assert.True(order.IndexOf(DeployPlan.SuiteCommand) < order.IndexOf(DeployPlan.SeedCommand)
            && order.IndexOf(DeployPlan.SeedCommand) < order.IndexOf(DeployPlan.CloneCommand)
            && order.IndexOf(DeployPlan.CloneCommand) < order.IndexOf(DeployPlan.Database)
            && order.IndexOf(DeployPlan.Database) < order.IndexOf(DeployPlan.Provider), "reverse dependency order: " + plan);
        Assert.Equal("retainOnDelete", plan.Steps.Single(st => st.Name == DeployPlan.Database).Skipped);
        var ran = ActionsSince(before).ToList();
        var drop = Assert.Single(ran);
        Assert.Equal((DeployPlan.CloneCommand, "delete"), (drop.Resource, drop.What));
        Assert.StartsWith("./govclone drop --yes", drop.Text, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.False(await Pg.DatabaseExistsAsync(s.TemplateDatabase));
        Assert.Empty(_lab.State.Entries);
    }

    [Theory]
    [InlineData("committed")]
    [InlineData("baseline")]
    public async Task Transition_upgrade_of_a_stack_made_by_the_old_program_runs_none_of_its_old_deletes(string oldProfile)
    {
        // A stack the old program made (seeded state named by profile, reset in its Delete; a template Command
        // whose Delete dropped the template outside the lock), upgraded to this program with seedProfile committed.
        var old = Config(("seedProfile", oldProfile), ("retainTemplate", "true"));
        var (_, legacy) = await _lab.UpAsync(LegacyProgram.Of(old, Pg.Password, "legacy-run"));
        Assert.True(legacy.Succeeded, legacy.Failure?.Message);
        Assert.True(await Pg.DatabaseExistsAsync(old.TemplateDatabase));

        var next = Config(("retainTemplate", "true"));
        var before = _lab.Runner.Actions.Count;
        var plan = await TransitionAsync(next);
        // The old seeded state is the new one (an alias): updated in place, its reset Delete forgotten, never run.
        AssertChanges(plan,
            updates: [DeployPlan.RetiredTemplateDrop, DeployPlan.SeedCommand],
            replaces: [DeployPlan.CloneCommand, DeployPlan.SuiteCommand],
            deletes: ["production", "production-read"]);
        var ran = ActionsSince(before).ToList();
        Assert.DoesNotContain(ran, a => a.What == "delete");
        Assert.Equal([DeployPlan.CloneCommand, DeployPlan.RetiredTemplateDrop, DeployPlan.SeedCommand, DeployPlan.SuiteCommand], ran.Select(a => a.Resource));
        Assert.True(await Pg.DatabaseExistsAsync(next.TemplateDatabase), "the template survives the upgrade");
        await AssertConvergedAsync(next);

        // From now on the stored steps are govclone levers: destroy drops clone and template under the lock.
        var (_, destroyed) = await _lab.DestroyAsync();
        Assert.True(destroyed.Succeeded, destroyed.Failure?.Message);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.False(await Pg.DatabaseExistsAsync(next.TemplateDatabase));
    }

    /// <summary>
    /// A stack made by the program as released before issue 24 (components <c>clone</c> and <c>dump-restore</c>, Commands
    /// <c>dump-restore-pg-dump-psql</c>, <c>dump-restore-retained-template</c>, <c>regression-suite-run</c>) keeps every
    /// resource through the aliases: no create, no replace but the suite's per-run one, no delete; at the server
    /// only the suite step runs (and the retired step's new echo, at the project directory).
    /// </summary>
    [Fact]
    public async Task Transition_upgrade_of_a_stack_made_by_the_released_program_keeps_every_resource_and_runs_only_the_suite()
    {
        var s = Config(("retainTemplate", "true"), ("compactGeneration", "1"));
        var (_, released) = await _lab.UpAsync(_lab.ReleasedProgram(s));
        Assert.True(released.Succeeded, released.Failure?.Message);
        Assert.Contains(_lab.State.Urns, u => u.EndsWith("::dump-restore-pg-dump-psql", StringComparison.Ordinal));
        var marker = await MarkerAsync(Clone);
        var template = await MarkerAsync(s.TemplateDatabase);

        var before = _lab.Runner.Actions.Count;
        var plan = await TransitionAsync(s);
        AssertChanges(plan, updates: [DeployPlan.RetiredTemplateDrop]);
        Assert.Equal([(DeployPlan.RetiredTemplateDrop, "update"), (DeployPlan.SuiteCommand, "create")], ActionsSince(before).Select(a => (a.Resource, a.What)));
        Assert.StartsWith("echo ", ActionsSince(before).First().Text, StringComparison.Ordinal);
        Assert.Equal(_lab.Program(s).Select(r => r.Urn).Order(StringComparer.Ordinal), _lab.State.Urns);
        Assert.Equal(marker, await MarkerAsync(Clone)); // no re-clone
        Assert.Equal(template, await MarkerAsync(s.TemplateDatabase));
        await AssertConvergedAsync(s);

        // The renamed clone step kept the Delete the released one stored: destroy drops clone and template under the lock.
        var (_, destroyed) = await _lab.DestroyAsync();
        Assert.True(destroyed.Succeeded, destroyed.Failure?.Message);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.False(await Pg.DatabaseExistsAsync(s.TemplateDatabase));
    }

    /// <summary>
    /// A new clone name is a new clone family, not the old clone renamed. The postgresql provider updates a Database
    /// whose name changed in place, <c>ALTER DATABASE old RENAME TO new</c> (terraform-provider-postgresql
    /// ff936b9548c1 resource_postgresql_database.go: <c>name</c> has no ForceNew; <c>setDBName</c>): without the
    /// Database's <c>replaceOnChanges: [name]</c> this replay renames the old clone first (the provider's update runs
    /// before the clone Command's delete-first replacement), and <c>govclone drop</c> then finds no old clone.
    /// </summary>
    [Fact]
    public async Task Transition_cloneDatabase_change_replaces_the_clone_family_dropping_the_old_one_first_never_renaming()
    {
        var old = Config(("retainTemplate", "true"));
        await UpFreshAsync(old);
        var next = Pg.Settings(TestServer.NewCloneName(), new Dictionary<string, string?> { ["retainTemplate"] = "true" });
        try
        {
            var before = _lab.Runner.Actions.Count;
            var plan = await TransitionAsync(next);
            AssertChanges(plan,
                updates: [DeployPlan.SeedCommand],
                replaces: [DeployPlan.Database, DeployPlan.PublicRevoked, DeployPlan.CloneCommand, DeployPlan.SuiteCommand]);
            Assert.Equal("name", EngineModel.Diff(_lab.Program(old).Single(r => r.Name == DeployPlan.Database), _lab.Program(next).Single(r => r.Name == DeployPlan.Database)).ReplaceReason);
            var ran = ActionsSince(before).ToList();
            Assert.DoesNotContain(ran, a => a.Text.Contains("RENAME", StringComparison.OrdinalIgnoreCase));
            // The provider's CREATE and REVOKE of the new name (outside the lock, empty), then under the lock the old
            // family's drop by its old name, the clone, the seed, the suite; the old Database's delete runs nothing.
            Assert.Equal(
                [
                    (DeployPlan.Database, "create"), (DeployPlan.PublicRevoked, "create"),
                    (DeployPlan.CloneCommand, "delete"), (DeployPlan.CloneCommand, "create"),
                    (DeployPlan.SeedCommand, "update"), (DeployPlan.SuiteCommand, "create"),
                ],
                ran.Select(a => (a.Resource, a.What)));
            Assert.Contains($"-c cloneDatabase={Clone} ", ran.Single(a => a.What == "delete").Text + " ", StringComparison.Ordinal);
            Assert.Equal("retainOnDelete", plan.Steps.Single(st => st.Name == DeployPlan.Database && st.Op == StepOp.DeleteReplaced).Skipped);
            Assert.False(await Pg.DatabaseExistsAsync(Clone));
            Assert.False(await Pg.DatabaseExistsAsync(old.TemplateDatabase));
            Assert.True(await Pg.DatabaseExistsAsync(next.TemplateDatabase));
            await AssertConvergedAsync(next);
        }
        finally
        {
            await new CloneLifecycle(next).DropAsync();
        }
    }

    /// <summary>
    /// The same change as the provider diffs it when nothing says <c>name</c> replaces (the program before
    /// replaceOnChanges): the engine's first step is the provider's update of the Database, which renames the old,
    /// complete clone to the new name, outside the run lock, before <c>govclone drop</c> of the old family runs.
    /// </summary>
    [Fact]
    public async Task Without_replaceOnChanges_a_cloneDatabase_change_renames_the_old_clone_first()
    {
        var old = Config(("retainTemplate", "false"));
        await UpFreshAsync(old);
        var marker = await MarkerAsync(Clone);
        var next = Pg.Settings(TestServer.NewCloneName(), new Dictionary<string, string?> { ["retainTemplate"] = "false" });
        try
        {
            var program = _lab.Program(next).Select(r => r.Name == DeployPlan.Database ? r with { ReplaceOnChanges = [] } : r).ToList();
            var plan = EngineModel.Update(_lab.State, program);
            Assert.Equal(ChangeKind.Update, plan.Changes.Single(c => EngineModel.NameOf(c.Key) == DeployPlan.Database).Value);
            var first = plan.Steps.First(st => st.Op != StepOp.Same);
            Assert.Equal((StepOp.Update, DeployPlan.Database), (first.Op, first.Name));
            Assert.True(plan.Steps.ToList().IndexOf(first) < plan.Steps.ToList().FindIndex(st => st.Name == DeployPlan.CloneCommand && st.Op == StepOp.DeleteReplaced));

            // What that step runs at the server, as the provider runs it.
            var before = _lab.Runner.Actions.Count;
            await _lab.Runner.UpdateAsync(first.Old!, first.New!, CancellationToken.None);
            Assert.Equal($"ALTER DATABASE \"{Clone}\" RENAME TO \"{next.CloneDatabase}\"", Assert.Single(ActionsSince(before)).Text);
            Assert.False(await Pg.DatabaseExistsAsync(Clone));
            Assert.Equal(marker, await MarkerAsync(next.CloneDatabase)); // the old clone, complete marker and all, under the new name
        }
        finally
        {
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{next.CloneDatabase}\" WITH (FORCE)");
        }
    }
}
