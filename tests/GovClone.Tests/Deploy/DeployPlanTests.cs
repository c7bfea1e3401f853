using System.Text.Json;
using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Tests.Support.Replay;

namespace GovClone.Tests.Deploy;

/// <summary>The core's description of the Pulumi deployment: names, texts, environments, options. No server needed.</summary>
public class DeployPlanTests
{
    /// <summary>The nonprod stack's settings (ssh through contabo), as the Pulumi program parses them.</summary>
    public static GovCloneSettings Nonprod(params (string Key, string? Value)[] overrides)
    {
        var raw = new Dictionary<string, string?>
        {
            ["transport"] = "ssh",
            ["sshHost"] = "contabo",
            ["host"] = "127.0.0.1",
            ["port"] = "15432",
            ["sslMode"] = "disable",
        };
        foreach (var (k, v) in overrides)
        {
            raw[k] = v;
        }

        return SettingsParser.Parse(raw);
    }

    private static DeployPlan Plan(GovCloneSettings s, bool sshKey = false) => DeployPlan.For(s, new DeployInputs("run-1", HasPassword: true, HasSshPrivateKey: sshKey));

    /// <summary>For every non-secret key, a valid value other than the nonprod stack's.</summary>
    public static IEnumerable<(SettingKey Key, string Value)> Variants()
    {
        var values = new Dictionary<string, string>
        {
            ["sourceDatabase"] = "directus_v2",
            ["cloneDatabase"] = "directus_gov_test_20270101",
            ["maintenanceDatabase"] = "template1",
            ["host"] = "10.0.0.7",
            ["port"] = "15433",
            ["user"] = "deploy_admin",
            ["sslMode"] = "require",
            ["pgpassFile"] = PgpassFile.Value,
            ["transport"] = "docker",
            ["dockerContainer"] = "pg15",
            ["sshHost"] = "contabo2",
            ["sshUser"] = "deploy",
            ["sshPort"] = "2222",
            ["pgBinDir"] = ToolFolder(),
            ["appDatabase"] = "directus_app",
            ["queryAllowlist"] = "directus,analytics",
            ["productionRolloutLanded"] = "true",
            ["productionSeedVerified"] = "true",
            ["followUps"] = "axis",
            ["cloneGeneration"] = "2",
            ["compactGeneration"] = "3",
            ["seedProfile"] = "baseline",
            ["lockTimeoutSeconds"] = "90",
            ["sourceLockTimeoutSeconds"] = "15",
            ["hostFreeBytes"] = "22000000000",
            ["cloneMethod"] = "dump",
            ["retainTemplate"] = "false",
            ["keepSpare"] = "false",
            ["templateDatabase"] = "directus_gov_test_tpl",
            ["toastCompression"] = "pglz",
            ["cloneJobs"] = "4",
            ["maintenanceWorkMem"] = "1GB",
            ["streamTableMinBytes"] = "1048576",
            ["maxBranches"] = "20",
            ["branchMinFreeBytes"] = "1073741824",
            ["keepBranchSpare"] = "false",
            ["masking"] = "personal",
        };
        // govclone:branchOf makes another kind of stack (a branch stack, BranchPlanTests), not a variant of this one.
        foreach (var key in SettingKeys.All.Where(k => !k.IsSecret && k != SettingKeys.BranchOf))
        {
            yield return (key, values.TryGetValue(key.Name, out var v) ? v : throw new InvalidOperationException($"no variant for {key.Name}: add one here"));
        }
    }

    /// <summary>The nonprod settings with one key changed (pgBinDir and pgpassFile need the local transport, so both sides use it).</summary>
    public static GovCloneSettings Variant(SettingKey key, string value) =>
        NeedsLocal(key) ? Nonprod(("transport", "local"), (key.Name, value)) : Nonprod((key.Name, value));

    /// <summary>The settings a variant of <paramref name="key"/> is compared with.</summary>
    public static GovCloneSettings BaseFor(SettingKey key) => NeedsLocal(key) ? Nonprod(("transport", "local")) : Nonprod();

    private static bool NeedsLocal(SettingKey key) => key == SettingKeys.PgBinDir || key == SettingKeys.PgpassFile;

    /// <summary>A folder with psql and pg_dump (for a pgBinDir variant).</summary>
    private static string ToolFolder() =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').FirstOrDefault(p => File.Exists(Path.Combine(p, "psql")) && File.Exists(Path.Combine(p, "pg_dump")))
        ?? throw new InvalidOperationException("psql and pg_dump are not on PATH");

    /// <summary>A pgpass file libpq would accept (0600), for a pgpassFile variant.</summary>
    private static readonly Lazy<string> PgpassFile = new(() =>
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("govclone-pgpass").FullName, "pgpass");
        File.WriteAllText(path, "*:*:*:*:x\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    });

    [Fact]
    public void No_config_value_is_part_of_a_resource_name()
    {
        var names = Plan(Nonprod()).Resources.Select(r => r.Name).ToList();
        foreach (var (key, value) in Variants())
        {
            var changed = Plan(Variant(key, value)).Resources.Select(r => r.Name).ToList();
            var expected = key == SettingKeys.CompactGeneration ? [.. names, DeployPlan.Compaction, DeployPlan.CompactCommand] : names;
            Assert.True(expected.Order(StringComparer.Ordinal).SequenceEqual(changed.Order(StringComparer.Ordinal)),
                $"changing {key.ConfigKey} changed the resource names: {string.Join(", ", changed.Except(expected))}");
        }

        // The seeded state keeps its old names as aliases, so an existing stack updates it in place.
        var seed = Plan(Nonprod())[DeployPlan.SeedCommand];
        Assert.Contains(new PlannedAlias("governance-committed"), seed.Aliases);
        Assert.Contains(new PlannedAlias("governance-baseline"), seed.Aliases);
    }

    [Fact]
    public void The_typed_components_are_the_resources_inputs_and_each_rename_keeps_its_released_name_as_an_alias()
    {
        var plan = Plan(Nonprod(("compactGeneration", "2")));
        var stack = plan.CloneStack!;
        Assert.Null(plan.BranchStack);
        Assert.False(plan.IsBranch);
        Assert.Same(stack.Database.Server, plan[DeployPlan.Provider].Inputs);
        Assert.Equal(new DatabaseInputs("directus_gov_test_20260602"), plan[DeployPlan.Database].Inputs);
        Assert.Equal(("directus_gov_test_20260602", "public", "database"), (stack.Database.PublicRevoked.Database, stack.Database.PublicRevoked.Role, stack.Database.PublicRevoked.ObjectType));
        Assert.Empty(stack.Database.PublicRevoked.Privileges);
        Assert.Same(stack.Clone.Converge, plan[DeployPlan.CloneCommand].Command);
        Assert.Same(stack.Clone.RetiredTemplateDrop, plan[DeployPlan.RetiredTemplateDrop].Command);
        Assert.Same(stack.SeededState.Seed, plan[DeployPlan.SeedCommand].Command);
        Assert.Same(stack.Compaction!.Compact, plan[DeployPlan.CompactCommand].Command);
        Assert.Same(stack.RegressionSuite.Up, plan[DeployPlan.SuiteCommand].Command);
        Assert.Equal((1, "directus_gov_test_20260602_template", "auto", "auto"), (stack.Clone.Generation, stack.Clone.TemplateDatabase, stack.Clone.CloneMethod, stack.Clone.RetainTemplate));
        Assert.Equal(("committed", 2), (stack.SeededState.Profile, stack.Compaction.Generation));
        Assert.Null(Plan(Nonprod()).CloneStack!.Compaction);
        Assert.All(plan.Resources.Where(r => r.IsComponent), r => Assert.Null(r.Inputs));

        // What each resource was called before issue 24: an alias, so existing stacks keep their resources.
        Assert.Equal([new PlannedAlias("clone")], plan[DeployPlan.DatabaseComponent].Aliases);
        Assert.Equal([new PlannedAlias("dump-restore", ResourceTypes.DumpRestore)], plan[DeployPlan.Clone].Aliases);
        Assert.Equal([new PlannedAlias("dump-restore-pg-dump-psql")], plan[DeployPlan.CloneCommand].Aliases);
        Assert.Equal([new PlannedAlias("dump-restore-retained-template"), new PlannedAlias("dump-restore-retained-template", ResourceTypes.RemoteCommand)],
            plan[DeployPlan.RetiredTemplateDrop].Aliases);
        Assert.Equal([new PlannedAlias("regression-suite-run")], plan[DeployPlan.SuiteCommand].Aliases);
        Assert.All(ReleasedProgram.Renamed, kv => Assert.Contains(plan[kv.Key].Aliases, a => a.Name == kv.Value.Name && a.Type == kv.Value.Type));
    }

    [Fact]
    public void Every_command_runs_one_govclone_lever_reading_no_stack_file()
    {
        var plan = Plan(Nonprod(("compactGeneration", "1")));
        var levers = new Dictionary<string, string>
        {
            [DeployPlan.CloneCommand] = "clone",
            [DeployPlan.SeedCommand] = "seed",
            [DeployPlan.CompactCommand] = "compact",
            [DeployPlan.SuiteCommand] = "up",
        };
        foreach (var (name, lever) in levers)
        {
            Assert.StartsWith($"./govclone {lever} --yes --json --no-stack-file", plan[name].Command!.Create, StringComparison.Ordinal);
        }

        Assert.Equal("./govclone clone --yes --json --no-stack-file -c cloneDatabase=directus_gov_test_20260602 -c sourceDatabase=directus -c cloneGeneration=1 -c cloneMethod=auto -c retainTemplate=auto -c transport=ssh",
            plan[DeployPlan.CloneCommand].Command!.Create);
        Assert.Equal("./govclone drop --yes --json --no-stack-file -c cloneDatabase=directus_gov_test_20260602 -c templateDatabase=directus_gov_test_20260602_template",
            plan[DeployPlan.CloneCommand].Command!.Delete);
        Assert.Equal("./govclone seed --yes --json --no-stack-file --profile committed -c cloneDatabase=directus_gov_test_20260602", plan[DeployPlan.SeedCommand].Command!.Create);
        Assert.Null(plan[DeployPlan.SeedCommand].Command!.Delete);
        Assert.Null(plan[DeployPlan.CompactCommand].Command!.Delete);
        Assert.Null(plan[DeployPlan.SuiteCommand].Command!.Delete);
        Assert.Null(plan[DeployPlan.RetiredTemplateDrop].Command!.Delete);
    }

    [Fact]
    public void A_commands_diffable_inputs_are_short_and_hold_no_secret()
    {
        foreach (var (key, value) in Variants().Prepend((SettingKeys.CompactGeneration, "1")))
        {
            var plan = Plan(Variant(key, value), sshKey: key == SettingKeys.CloneGeneration && Variant(key, value).Transport == TransportKind.Ssh);
            foreach (var c in plan.Commands)
            {
                var diffable = JsonSerializer.Serialize(PlanResources.Properties(c.Inputs, new Dictionary<string, string?>()).Inputs);
                Assert.True(diffable.Length <= 600, $"{c.Name} carries {diffable.Length} bytes in its diffable inputs: {diffable}");
                Assert.DoesNotContain("secret", diffable, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(SettingKeys.Password.EnvironmentVariable, diffable, StringComparison.Ordinal);
                Assert.All(c.Command!.Environment.Values, v => Assert.DoesNotContain("[secret", v, StringComparison.Ordinal));
            }
        }

        var withKey = Plan(Nonprod(), sshKey: true);
        Assert.Equal(new SecretInput(SecretInput.Password), withKey[DeployPlan.CloneCommand].Command!.SecretEnvironment["GOVCLONE_PASSWORD"]);
        Assert.Equal(new SecretInput(SecretInput.SshPrivateKey), withKey[DeployPlan.CloneCommand].Command!.SecretEnvironment["GOVCLONE_SSH_PRIVATE_KEY"]);
        // Only the levers that reach the server through the transport get the key.
        Assert.False(withKey[DeployPlan.SeedCommand].Command!.SecretEnvironment.ContainsKey("GOVCLONE_SSH_PRIVATE_KEY"));
        Assert.Equal(string.Empty, withKey[DeployPlan.SeedCommand].Command!.Environment["GOVCLONE_SSH_PRIVATE_KEY"]);
        var secrets = new Dictionary<string, string?> { [SecretInput.Password] = "pw-1", [SecretInput.SshPrivateKey] = "KEY" };
        Assert.Equal("pw-1", withKey[DeployPlan.SeedCommand].Command!.EnvironmentWith(secrets)["GOVCLONE_PASSWORD"]);
        Assert.Equal("KEY", withKey[DeployPlan.CloneCommand].Command!.EnvironmentWith(secrets)["GOVCLONE_SSH_PRIVATE_KEY"]);
        Assert.Equal(new SecretInput(SecretInput.Password), withKey.CloneStack!.Database.Server.Password);
        Assert.Null(DeployPlan.For(Nonprod(), new DeployInputs("r", HasPassword: false)).CloneStack!.Database.Server.Password);
        Assert.Throws<ConfigurationException>(() => DeployPlan.For(Nonprod(("transport", "local")), new DeployInputs("r", HasSshPrivateKey: true)));
    }

    [Fact]
    public void Each_command_gets_every_setting_variable_set_for_the_keys_its_lever_reads_and_empty_otherwise()
    {
        var plan = Plan(Nonprod(("compactGeneration", "1")));
        var values = SettingValues.Of(plan.Settings);
        foreach (var c in plan.Commands.Where(c => c.Name != DeployPlan.RetiredTemplateDrop))
        {
            var env = c.Command!.Environment;
            foreach (var key in SettingKeys.All.Where(k => !k.IsSecret))
            {
                Assert.True(env.ContainsKey(key.EnvironmentVariable), $"{c.Name} does not set {key.EnvironmentVariable} (the caller's own would leak in)");
                Assert.Equal(c.Command.Settings.Contains(key) ? values[key] ?? string.Empty : string.Empty, env[key.EnvironmentVariable]);
            }
        }

        Assert.Empty(plan[DeployPlan.RetiredTemplateDrop].Command!.Environment);
        Assert.DoesNotContain(SettingKeys.Transport, plan[DeployPlan.SeedCommand].Command!.Settings);
        Assert.Contains(SettingKeys.Transport, plan[DeployPlan.CloneCommand].Command!.Settings);
        Assert.Equal(SettingKeys.All.Count(k => !k.IsSecret), plan[DeployPlan.SuiteCommand].Command!.Settings.Count);
    }

    [Fact]
    public void The_environment_parses_back_to_the_same_settings()
    {
        foreach (var (key, value) in Variants())
        {
            var s = Variant(key, value);
            var suite = Plan(s)[DeployPlan.SuiteCommand].Command!;
            var parsed = SettingsLoader.Load(new SettingsSources
            {
                NoStackFile = true,
                Environment = suite.Environment.Where(kv => kv.Value.Length > 0).ToDictionary(kv => kv.Key, kv => kv.Value),
            });
            Assert.Equal(JsonSerializer.Serialize(s), JsonSerializer.Serialize(parsed));
        }
    }

    [Fact]
    public void The_graph_is_in_dependency_order_with_parents_and_the_options_that_keep_deletes_from_undoing_config()
    {
        var plan = Plan(Nonprod(("compactGeneration", "1")));
        var seen = new HashSet<string>();
        foreach (var r in plan.Resources)
        {
            Assert.All(r.DependsOn.Concat(new[] { r.Provider, r.Parent }.OfType<string>()), d => Assert.Contains(d, seen));
            Assert.Equal(r.IsComponent, r.Parent is null);
            seen.Add(r.Name);
        }

        Assert.Equal(
            ["database", "clone-server", "clone-database", "clone-no-public-connect", "clone", "clone-converge", "clone-template-drop-retired",
             "governance", "governance-seed", "compact", "compact-vacuum-full", "regression-suite", "regression-suite-up"],
            plan.Resources.Select(r => r.Name));
        // Each child is named after its component (the clone database's keep their first names: the provider's URN never changes).
        Assert.All(plan.Resources.Where(r => r.Parent is { } p && p != DeployPlan.DatabaseComponent), r => Assert.StartsWith(r.Parent + "-", r.Name, StringComparison.Ordinal));
        Assert.True(plan[DeployPlan.Database].RetainOnDelete, "the provider never drops the clone");
        Assert.True(plan[DeployPlan.PublicRevoked].RetainOnDelete);
        // The provider would rename the clone on a new name (postgresql_database.name is not ForceNew): replace instead.
        Assert.Equal(["name"], plan[DeployPlan.Database].ReplaceOnChanges);
        Assert.All(plan.Resources.Where(r => r.Name != DeployPlan.Database), r => Assert.Empty(r.ReplaceOnChanges));
        Assert.True(plan[DeployPlan.CloneCommand].DeleteBeforeReplace, "a replaced clone family is dropped before the new one is made");
        Assert.Equal(["clone-converge"], plan[DeployPlan.SeedCommand].DependsOn);
        Assert.Equal(["governance-seed", "compact-vacuum-full"], plan[DeployPlan.SuiteCommand].DependsOn);
        Assert.Equal(["cloneDatabase=directus_gov_test_20260602", "templateDatabase=directus_gov_test_20260602_template", "sourceDatabase=directus"],
            plan[DeployPlan.CloneCommand].Command!.Triggers);
        Assert.Equal([1], plan[DeployPlan.SeedCommand].Command!.Triggers);
        Assert.Equal(["run-1"], plan[DeployPlan.SuiteCommand].Command!.Triggers);
        Assert.Equal(
            "urn:pulumi:nonprod::govclone::govclone:governance:SeededState$command:local:Command::governance-seed",
            plan[DeployPlan.SeedCommand].Urn(plan, "nonprod", "govclone"));
    }

    /// <summary>
    /// govclone:masking reaches the clone lever (it clones under the rules the suite checks, not the default), and its
    /// identity is the clone step's trigger: a change replaces the step (the old family, holding values under other
    /// rules, dropped first), as the CLI's up re-clones; the default's identity adds no trigger, so a stack made before
    /// masking keeps its clone step.
    /// </summary>
    [Fact]
    public void The_clone_step_reads_govclone_masking_and_its_identity_is_the_clone_steps_trigger()
    {
        string[] family = ["cloneDatabase=directus_gov_test_20260602", "templateDatabase=directus_gov_test_20260602_template", "sourceDatabase=directus"];
        foreach (var masking in new[] { "credentials", "personal", "none", "personal, directus_activity.ip: keep" })
        {
            var s = Nonprod(("masking", masking));
            var plan = Plan(s);
            var converge = plan[DeployPlan.CloneCommand].Command!;
            Assert.Contains(SettingKeys.Masking, converge.Settings);
            Assert.Equal(masking, converge.Environment[SettingKeys.Masking.EnvironmentVariable]);
            var parsed = SettingsLoader.Load(new SettingsSources
            {
                NoStackFile = true,
                Environment = converge.Environment.Where(kv => kv.Value.Length > 0).ToDictionary(kv => kv.Key, kv => kv.Value),
            });
            Assert.Equal(s.Masking.Identity, parsed.Masking.Identity);
            Assert.Equal(s.Masking.Identity, plan.CloneStack!.Clone.Masking);
            object[] expected = masking == "credentials" ? family : [.. family, "masking=" + s.Masking.Identity];
            Assert.Equal(expected, converge.Triggers);
        }

        Assert.Equal(Plan(Nonprod())[DeployPlan.CloneCommand].Command!.Triggers, Plan(Nonprod(("masking", "credentials")))[DeployPlan.CloneCommand].Command!.Triggers);
        Assert.NotEqual(Nonprod(("masking", "personal")).Masking.Identity, Nonprod(("masking", "personal, directus_activity.ip: keep")).Masking.Identity);
        Assert.StartsWith("masking=personal-", (string)Plan(Nonprod(("masking", "personal")))[DeployPlan.CloneCommand].Command!.Triggers[^1], StringComparison.Ordinal);
    }
}
