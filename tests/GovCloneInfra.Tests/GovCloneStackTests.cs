using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Tests.Support.Replay;
using Pulumi;
using Pulumi.Utilities;
using Local = Pulumi.Command.Local;

namespace GovCloneInfra.Tests;

public class GovCloneStackTests
{
    public const string Password = "s3cret-pw";
    public const string SshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----";

    /// <summary>The nonprod stack's shape (ssh transport through contabo), with the password as secret config.</summary>
    public static Dictionary<string, object> Nonprod(params (string Key, object? Value)[] overrides)
    {
        var config = new Dictionary<string, object>
        {
            ["transport"] = "ssh",
            ["sshHost"] = "contabo",
            ["host"] = "127.0.0.1",
            ["port"] = "15432",
            ["sslMode"] = "disable",
            ["password"] = Password,
        };
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

    /// <summary>The core's plan for the same config (what the program must register, one to one).</summary>
    private static DeployPlan PlanFor(Dictionary<string, object> config) =>
        DeployPlan.For(
            SettingsParser.Parse(config.Where(kv => kv.Key is not ("password" or "sshPrivateKey" or "runId")).ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString())),
            new DeployInputs("run-1", HasPassword: config.ContainsKey("password"), HasSshPrivateKey: config.ContainsKey("sshPrivateKey")));

    private static IEnumerable<MockResourceArgsView> Commands(StackRun run) =>
        run.Registrations.Where(r => r.Type == ResourceTypes.LocalCommand).Select(r => new MockResourceArgsView(r));

    public static TheoryData<string> Shapes => new() { "nonprod", "compaction", "sshKey", "local", "pgpass" };

    private static Dictionary<string, object> Shape(string shape) => shape switch
    {
        "compaction" => Nonprod(("compactGeneration", "2")),
        "sshKey" => Nonprod(("sshPrivateKey", SshKey), ("sshUser", "deploy")),
        "local" => Nonprod(("transport", "local"), ("sshHost", null)),
        "pgpass" => Nonprod(("transport", "local"), ("sshHost", null), ("password", null), ("pgpassFile", PgpassFile())),
        _ => Nonprod(),
    };

    private static string PgpassFile()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("govclone-pgpass").FullName, "pgpass");
        File.WriteAllText(path, "*:*:*:*:x\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task The_program_registers_exactly_the_cores_plan_inputs_options_and_environments(string shape)
    {
        var config = Shape(shape);
        var run = await StackRun.RunAsync(config);
        var plan = PlanFor(config);
        var secrets = new Dictionary<string, string?>
        {
            [SecretInput.Password] = config.TryGetValue("password", out var pw) ? (string)pw : null,
            [SecretInput.SshPrivateKey] = config.TryGetValue("sshPrivateKey", out var key) ? (string)key : null,
        };
        var expected = PlanResources.Of(plan, secrets);
        var actual = await run.EngineResourcesAsync();

        Assert.Equal(expected.Select(r => r.Urn), actual.Select(r => r.Urn)); // same resources, same registration order
        foreach (var (want, have) in expected.Zip(actual))
        {
            Assert.Equal(want.ParentUrn, have.ParentUrn);
            Assert.Equal(want.Dependencies.Order(StringComparer.Ordinal), have.Dependencies.Order(StringComparer.Ordinal));
            Assert.True(EngineModel.Diff(want, have).Kind == ChangeKind.Same,
                $"{want.Name}: the program's inputs differ from the plan's in {string.Join(", ", EngineModel.Diff(want, have).ChangedInputs)}");
            Assert.Equal(want.DeleteBeforeReplace, have.DeleteBeforeReplace);
            Assert.Equal(want.RetainOnDelete, have.RetainOnDelete);
            Assert.Equal(want.DeletedWith, have.DeletedWith);
            Assert.Equal(want.Aliases, have.Aliases);
            Assert.Equal(want.ReplaceOnChanges, have.ReplaceOnChanges);
            Assert.Equal(want.AdditionalSecretOutputs, have.AdditionalSecretOutputs);
            Assert.Equal(want.CustomTimeouts, have.CustomTimeouts);
        }

        // Timeouts and secret outputs are options too.
        var clone = (CustomResourceOptions)run.Of(DeployPlan.CloneCommand).Options;
        Assert.Equal(TimeSpan.FromHours(2), clone.CustomTimeouts!.Create);
        Assert.Equal(TimeSpan.FromMinutes(30), clone.CustomTimeouts.Delete);
        Assert.All(run.Observed.Where(o => o.Type == ResourceTypes.LocalCommand),
            o => Assert.Equal(["environment"], ((CustomResourceOptions)o.Options).AdditionalSecretOutputs));
    }

    /// <summary>
    /// Every resource option the plan sets, read off the RegisterResourceRequest the SDK really sends the engine
    /// (not off the options the program passed): a dropped or renamed option fails here, whatever the mocks see.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Every_option_the_plan_sets_reaches_the_engine_in_the_register_request(string shape)
    {
        var config = Shape(shape);
        var run = await StackRun.RunAsync(config);
        var plan = PlanFor(config);
        async Task<string> MockUrn(string name) => await StackRun.UrnAsync(run.Resources.Single(r => r.GetResourceName() == name));

        foreach (var want in plan.Resources)
        {
            var req = run.Requests.Of(want.Name);
            Assert.Equal(want.Type, req.Type);
            Assert.Equal(!want.IsComponent, req.Custom);
            var stackUrn = $"urn:pulumi:{PlanResources.Stack}::{PlanResources.Project}::{ResourceTypes.Stack}::{PlanResources.Project}-{PlanResources.Stack}";
            Assert.Equal(want.Parent is null ? stackUrn : await MockUrn(want.Parent), req.Parent);
            var dependsOn = new List<string>();
            foreach (var d in want.DependsOn)
            {
                dependsOn.Add(await MockUrn(d));
            }

            Assert.Equal(dependsOn.Order(StringComparer.Ordinal), req.Dependencies.Order(StringComparer.Ordinal));
            Assert.Equal(want.Provider is null ? string.Empty : await MockUrn(want.Provider), req.Provider.Length == 0 ? string.Empty : req.Provider[..req.Provider.LastIndexOf("::", StringComparison.Ordinal)]);
            Assert.Equal(want.DeleteBeforeReplace, req.DeleteBeforeReplace);
            Assert.Equal(want.DeleteBeforeReplace, req.DeleteBeforeReplaceDefined);
            Assert.Equal(want.RetainOnDelete ? true : null, req.RetainOnDelete);
            Assert.Equal(string.Empty, req.DeletedWith); // the program sets no deletedWith
            Assert.Equal([.. ProviderDiffs.For(want.Type).SdkAdditionalSecretOutputs, .. want.AdditionalSecretOutputs], req.AdditionalSecretOutputs);
            Assert.Empty(req.IgnoreChanges);
            // The SDK's own replaceOnChanges for the type (a Command's constructor adds triggers[*]), then the plan's.
            Assert.Equal([.. ProviderDiffs.For(want.Type).SdkReplaceOnChanges, .. want.ReplaceOnChanges], req.ReplaceOnChanges);
            Assert.Equal(want.Aliases.Select(a => (a.Name ?? string.Empty, a.Type ?? string.Empty)),
                req.Aliases.Select(a => (a.GetProperty("spec").GetProperty("name").GetString()!, a.GetProperty("spec").GetProperty("type").GetString()!)));
            (TimeSpan? Create, TimeSpan? Update, TimeSpan? Delete)? timeouts = want.CreateTimeout is null && want.UpdateTimeout is null && want.DeleteTimeout is null
                ? null
                : (want.CreateTimeout, want.UpdateTimeout, want.DeleteTimeout);
            Assert.Equal(timeouts, req.CustomTimeouts);
            if (want.Command is { } step)
            {
                var triggers = req.Properties.GetProperty("triggers").EnumerateArray().Select(t => t.ValueKind == JsonValueKind.Number ? (object)t.GetDouble() : t.GetString()!);
                Assert.Equal(step.Triggers.Select(t => t is int i ? (object)(double)i : t), triggers);
            }
        }

        // The two that make a cloneDatabase change a new clone family instead of a rename of the old clone.
        Assert.Equal(["name"], run.Requests.Of(DeployPlan.Database).ReplaceOnChanges);
        Assert.True(run.Requests.Of(DeployPlan.Database).RetainOnDelete);
        Assert.True(run.Requests.Of(DeployPlan.CloneCommand).DeleteBeforeReplace);
        Assert.Equal(["triggers[*]"], run.Requests.Of(DeployPlan.CloneCommand).ReplaceOnChanges);
    }

    [Fact]
    public async Task Parents_and_dependencies_are_the_designed_ones_by_urn()
    {
        var run = await StackRun.RunAsync(Nonprod(("compactGeneration", "1")));
        var urnByName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in run.Resources.Where(r => r.GetResourceType() != ResourceTypes.Stack))
        {
            urnByName[r.GetResourceName()] = await StackRun.UrnAsync(r);
        }

        async Task<string?> ParentUrn(string name) => run.Of(name).Options.Parent is { } p ? await StackRun.UrnAsync(p) : null;
        async Task<IReadOnlyList<string>> DependsOnUrns(string name)
        {
            var list = new List<string>();
            foreach (var d in await OutputUtilities.GetValueAsync((Output<ImmutableArray<Resource>>)run.Of(name).Options.DependsOn))
            {
                list.Add(await StackRun.UrnAsync(d));
            }

            return list;
        }

        var children = new Dictionary<string, string>
        {
            ["clone-server"] = "database",
            ["clone-database"] = "database",
            ["clone-no-public-connect"] = "database",
            ["clone-converge"] = "clone",
            ["clone-template-drop-retired"] = "clone",
            ["governance-seed"] = "governance",
            ["compact-vacuum-full"] = "compact",
            ["regression-suite-up"] = "regression-suite",
        };
        foreach (var (child, parent) in children)
        {
            Assert.Equal(urnByName[parent], await ParentUrn(child));
        }

        foreach (var component in new[] { "database", "clone", "governance", "compact", "regression-suite" })
        {
            Assert.Null(await ParentUrn(component)); // the stack
        }

        Assert.Equal([urnByName["clone-database"], urnByName["clone-no-public-connect"]], await DependsOnUrns("clone-converge"));
        Assert.Equal([urnByName["clone-database"]], await DependsOnUrns("clone-template-drop-retired"));
        Assert.Equal([urnByName["clone-converge"]], await DependsOnUrns("governance-seed"));
        Assert.Equal([urnByName["governance-seed"]], await DependsOnUrns("compact-vacuum-full"));
        Assert.Equal([urnByName["governance-seed"], urnByName["compact-vacuum-full"]], await DependsOnUrns("regression-suite-up"));
        Assert.Equal([urnByName["clone-database"]], await DependsOnUrns("clone-no-public-connect"));
        Assert.Equal(urnByName["clone-server"], await StackRun.UrnAsync(((CustomResourceOptions)run.Of("clone-database").Options).Provider!));
        Assert.Equal(urnByName["clone-server"], run.Registration("clone-database").Provider?.Split("::")[..4].Aggregate((a, b) => a + "::" + b));
    }

    /// <summary>
    /// Pulumi's component shape: each component takes a name and its Args, parents every child it creates, names them
    /// after itself (the clone database's keep their first names), and registers exactly its [Output] properties, whose
    /// values are the core plan's.
    /// </summary>
    [Fact]
    public async Task Each_component_parents_and_names_its_children_and_registers_exactly_its_Output_properties()
    {
        var run = await StackRun.RunAsync(Nonprod(("compactGeneration", "2")));
        var components = run.Resources.OfType<ComponentResource>().Where(c => c.GetResourceType() != ResourceTypes.Stack).ToList();
        Assert.Equal([typeof(CloneDatabase), typeof(Clone), typeof(SeededState), typeof(Compaction), typeof(RegressionSuite)], components.Select(c => c.GetType()));
        foreach (var component in components)
        {
            var declared = component.GetType().GetProperties().Where(p => p.Name != nameof(Resource.Urn)) // every resource's own
                .Select(p => p.GetCustomAttribute<OutputAttribute>()?.Name).OfType<string>().Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(declared);
            Assert.Equal(declared, run.RegisteredOutputs[await StackRun.UrnAsync(component)].Keys.Order(StringComparer.Ordinal));
            var children = run.Observed.Where(o => ReferenceEquals(o.Options.Parent, component)).Select(o => o.Name).ToList();
            Assert.NotEmpty(children);
            Assert.All(children, c => Assert.Equal(component.GetResourceName(), PlanFor(Nonprod(("compactGeneration", "2")))[c].Parent));
            if (component is not CloneDatabase)
            {
                Assert.All(children, c => Assert.StartsWith(component.GetResourceName() + "-", c, StringComparison.Ordinal));
            }
        }

        var plan = PlanFor(Nonprod(("compactGeneration", "2"))).CloneStack!;
        var clone = run.Resources.OfType<Clone>().Single();
        Assert.Equal(plan.Clone.Generation, await OutputUtilities.GetValueAsync(clone.Generation));
        Assert.Equal(plan.Clone.RetainTemplate, await OutputUtilities.GetValueAsync(clone.RetainTemplate));
        Assert.Equal(plan.SeededState.Profile, await OutputUtilities.GetValueAsync(run.Resources.OfType<SeededState>().Single().Profile));
        Assert.Equal(plan.Compaction!.Generation, await OutputUtilities.GetValueAsync(run.Resources.OfType<Compaction>().Single().Generation));
        Assert.Equal(plan.Database.Database.Name, await OutputUtilities.GetValueAsync(run.Resources.OfType<CloneDatabase>().Single().Name));
    }

    [Theory]
    [InlineData("cloneDatabase", "directus", "govclone:cloneDatabase")]
    [InlineData("cloneDatabase", "prod_copy", "govclone:cloneDatabase")]
    [InlineData("transport", "ftp", "govclone:transport")]
    [InlineData("port", "70000", "govclone:port")]
    [InlineData("sshHost", "-oProxyCommand=x", "govclone:sshHost")]
    [InlineData("seedProfile", "everything", "govclone:seedProfile")]
    [InlineData("password", null, "govclone:password")]
    [InlineData("sshPrivateKeyWithLocalTransport", null, "govclone:sshPrivateKey")]
    public async Task Invalid_config_fails_naming_the_key_before_any_resource_is_registered(string key, string? value, string named)
    {
        var config = key == "sshPrivateKeyWithLocalTransport"
            ? Nonprod(("transport", "local"), ("sshHost", null), ("sshPrivateKey", SshKey))
            : Nonprod((key, value));
        var (run, error) = await StackRun.TryRunAsync(config);
        Assert.NotNull(error);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(run.Registrations);
        Assert.Empty(run.Observed);
        Assert.DoesNotContain("BEGIN OPENSSH", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_component_registers_its_outputs_and_the_stack_its_outputs_from_the_suite_steps_json()
    {
        var run = await StackRun.RunAsync(Nonprod(("compactGeneration", "2"), ("seedProfile", "baseline"), ("cloneGeneration", "3")));
        async Task<IReadOnlyDictionary<string, object?>> Registered(string name) =>
            run.RegisteredOutputs[await StackRun.UrnAsync(run.Resources.Single(r => r.GetResourceName() == name && r is ComponentResource))];

        Assert.Equal("directus_gov_test_20260602", (await Registered("database"))["name"]);
        var clone = await Registered("clone");
        Assert.Equal(3.0, clone["generation"]);
        Assert.Equal("directus_gov_test_20260602_template", clone["templateDatabase"]);
        Assert.Equal("auto", clone["cloneMethod"]);
        Assert.Equal("auto", clone["retainTemplate"]);
        Assert.Equal(PlanFor(Nonprod()).CloneStack!.Clone.Masking, clone["masking"]); // the plan's identity: credentials-…
        Assert.StartsWith("credentials-", (string)clone["masking"]!, StringComparison.Ordinal);
        Assert.Equal("baseline", (await Registered("governance"))["profile"]);
        Assert.Equal(2.0, (await Registered("compact"))["generation"]);
        var suite = await Registered("regression-suite");
        Assert.Equal(true, suite["verified"]);
        Assert.Equal(true, suite["productionUnchanged"]);

        async Task<T> Out<T>(string key) => (T)(await OutputUtilities.GetValueAsync((Output<T>)run.Outputs[key]!))!;
        Assert.Equal("RETAIN", await Out<string>("decision"));
        Assert.True(await Out<bool>("verified"));
        Assert.True(await Out<bool>("productionUnchanged"));
        Assert.Equal(1258291200L, await Out<long>("cloneSizeBytes"));
        Assert.Equal(30, (await Out<IReadOnlyDictionary<string, long>>("metrics"))["own"]);
        Assert.Equal(["Disk cost", "Value", "Isolation", "Drift risk", "Naming"], (await Out<IReadOnlyList<IReadOnlyDictionary<string, string>>>("decisionFactors")).Select(f => f["factor"]));
        Assert.Equal("baseline", run.Outputs["seedProfile"]);
        Assert.Equal(3, run.Outputs["cloneGeneration"]);
        Assert.Equal("RETAIN", run.Outputs["plannedDecision"]);
        // The masking in force and its proof, from up's verify.masking (StackOutputs, the core's parse).
        Assert.Equal("credentials-0123456789ab", await Out<string>("masking"));
        Assert.True(await Out<bool>("maskingClean"));
        var columns = await Out<IReadOnlyList<IReadOnlyDictionary<string, string>>>("maskingColumns");
        Assert.Equal(["public.directus_users.password", "public.directus_sessions.token"], columns.Select(c => c["column"]));
        Assert.Equal(["null", "hash"], columns.Select(c => c["strategy"]));
        Assert.All(columns, c => Assert.Equal("0", c["equalToSource"]));

        var dirty = await StackRun.RunAsync(Nonprod(), suiteStdout: StackRun.CannedSuite(tokenEqualToSource: 3));
        Assert.False((bool)(await OutputUtilities.GetValueAsync((Output<bool>)dirty.Outputs["maskingClean"]!))!);
        Assert.False((bool)(await OutputUtilities.GetValueAsync((Output<bool>)dirty.Outputs["verified"]!))!);
        Assert.Equal("3", (await OutputUtilities.GetValueAsync((Output<IReadOnlyList<IReadOnlyDictionary<string, string>>>)dirty.Outputs["maskingColumns"]!))!
            .Single(c => c["column"] == "public.directus_sessions.token")["equalToSource"]);

        var changed = await StackRun.RunAsync(Nonprod(("productionRolloutLanded", "true"), ("productionSeedVerified", "true")),
            suiteStdout: StackRun.CannedSuite(productionUnchanged: false, verdict: "DROP"));
        Assert.False((bool)(await OutputUtilities.GetValueAsync((Output<bool>)changed.Outputs["productionUnchanged"]!))!);
        Assert.Equal("DROP", await OutputUtilities.GetValueAsync((Output<string>)changed.Outputs["decision"]!));
        Assert.Equal("DROP", changed.Outputs["plannedDecision"]);
    }

    [Fact]
    public async Task Secrets_are_secret_outputs_and_never_in_a_commands_diffable_inputs_which_stay_short()
    {
        var run = await StackRun.RunAsync(Nonprod(("sshPrivateKey", SshKey), ("compactGeneration", "1")));
        var commands = Commands(run).ToList();
        Assert.Equal(5, commands.Count);
        foreach (var c in commands)
        {
            Assert.True(run.SecretInputs[c.Name], $"{c.Name}'s environment must be a secret Output");
            var diffable = JsonSerializer.Serialize(c.Inputs.Where(kv => kv.Key != "environment").ToDictionary(kv => kv.Key, kv => kv.Value));
            Assert.True(diffable.Length <= 600, $"{c.Name} carries {diffable.Length} bytes in its diffable inputs: {diffable}");
            Assert.DoesNotContain(Password, diffable, StringComparison.Ordinal);
            Assert.DoesNotContain("not-a-real-key", diffable, StringComparison.Ordinal);
            Assert.False(c.Inputs.ContainsKey("stdin"), "no script travels in a Command's inputs: govclone script prints it");
        }

        Assert.True(run.SecretInputs[DeployPlan.Provider], "the provider's password must be a secret Output");
        Assert.All(commands.Where(c => c.Name != DeployPlan.RetiredTemplateDrop), c => Assert.Equal(Password, c.Environment["GOVCLONE_PASSWORD"]));
        Assert.Equal(SshKey, Commands(run).Single(c => c.Name == DeployPlan.CloneCommand).Environment["GOVCLONE_SSH_PRIVATE_KEY"]);
        Assert.Equal(SshKey, Commands(run).Single(c => c.Name == DeployPlan.SuiteCommand).Environment["GOVCLONE_SSH_PRIVATE_KEY"]);
        Assert.Equal(string.Empty, Commands(run).Single(c => c.Name == DeployPlan.SeedCommand).Environment["GOVCLONE_SSH_PRIVATE_KEY"]);
        Assert.DoesNotContain(run.Registrations, r => r.Type == "command:remote:Command");
    }

    [Fact]
    public async Task Each_command_runs_one_govclone_lever_with_the_settings_that_matter_on_its_line()
    {
        var run = await StackRun.RunAsync(Nonprod(("compactGeneration", "1")));
        var cmds = Commands(run).ToDictionary(c => c.Name);
        Assert.Equal("./govclone clone --yes --json --no-stack-file -c cloneDatabase=directus_gov_test_20260602 -c sourceDatabase=directus -c cloneGeneration=1 -c cloneMethod=auto -c retainTemplate=auto -c transport=ssh",
            cmds[DeployPlan.CloneCommand].Create);
        Assert.Equal("./govclone drop --yes --json --no-stack-file -c cloneDatabase=directus_gov_test_20260602 -c templateDatabase=directus_gov_test_20260602_template",
            cmds[DeployPlan.CloneCommand].Delete);
        Assert.Equal(["cloneDatabase=directus_gov_test_20260602", "templateDatabase=directus_gov_test_20260602_template", "sourceDatabase=directus"], cmds[DeployPlan.CloneCommand].Triggers);
        Assert.Equal("./govclone seed --yes --json --no-stack-file --profile committed -c cloneDatabase=directus_gov_test_20260602", cmds[DeployPlan.SeedCommand].Create);
        Assert.Null(cmds[DeployPlan.SeedCommand].Delete);
        Assert.Equal([1.0], cmds[DeployPlan.SeedCommand].Triggers);
        Assert.Equal("./govclone compact --yes --json --no-stack-file -c cloneDatabase=directus_gov_test_20260602", cmds[DeployPlan.CompactCommand].Create);
        Assert.Equal(DeployPlan.CompactionUpdateNote, cmds[DeployPlan.CompactCommand].Update);
        Assert.StartsWith("./govclone up --yes --json --no-stack-file", cmds[DeployPlan.SuiteCommand].Create, StringComparison.Ordinal);
        Assert.EndsWith("&& ./govclone status --json --no-stack-file", cmds[DeployPlan.SuiteCommand].Create, StringComparison.Ordinal);
        Assert.Equal(["run-1"], cmds[DeployPlan.SuiteCommand].Triggers);
        Assert.Null(cmds[DeployPlan.RetiredTemplateDrop].Delete);
        Assert.Equal(DeployPlan.RetiredTemplateDropNote, cmds[DeployPlan.RetiredTemplateDrop].Create);
        Assert.Equal("ssh", cmds[DeployPlan.CloneCommand].Environment["GOVCLONE_TRANSPORT"]);
        Assert.Equal(string.Empty, cmds[DeployPlan.SeedCommand].Environment["GOVCLONE_TRANSPORT"]);
        Assert.Equal("committed", cmds[DeployPlan.SeedCommand].Environment["GOVCLONE_SEED_PROFILE"]);

        // The seeded state answers to its old names, so an existing stack updates it instead of deleting
        // (and resetting) the old one.
        var aliases = new List<string?>();
        foreach (var a in run.Of(DeployPlan.SeedCommand).Options.Aliases)
        {
            var alias = await OutputUtilities.GetValueAsync((Output<Alias>)a);
            aliases.Add(await OutputUtilities.GetValueAsync((Output<string>)alias.Name!));
        }

        Assert.Equal(["governance-committed", "governance-baseline", "governance-committed", "governance-baseline"], aliases);
        Assert.IsType<Local.Command>(run.Resources.OfType<SeededState>().Single().Seed);
    }
}

/// <summary>Typed view of a Command registration's inputs.</summary>
public sealed class MockResourceArgsView(Pulumi.Testing.MockResourceArgs args)
{
    public string Name { get; } = args.Name!;

    public ImmutableDictionary<string, object> Inputs { get; } = args.Inputs;

    public string? Create => Inputs.TryGetValue("create", out var v) ? v as string : null;

    public string? Update => Inputs.TryGetValue("update", out var v) ? v as string : null;

    public string? Delete => Inputs.TryGetValue("delete", out var v) ? v as string : null;

    public IReadOnlyDictionary<string, string> Environment =>
        Inputs.TryGetValue("environment", out var v) && v is IEnumerable<KeyValuePair<string, object>> map
            ? map.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>();

    public IReadOnlyList<object> Triggers => Inputs.TryGetValue("triggers", out var v) && v is IEnumerable<object> list ? list.ToList() : [];
}
