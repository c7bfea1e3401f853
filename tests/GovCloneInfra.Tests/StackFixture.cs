using System.Collections.Immutable;
using System.Text.Json;
using GovClone.Deploy;
using GovClone.Tests.Support.Replay;
using Moq;
using Pulumi;
using Pulumi.Testing;
using Pulumi.Utilities;
using Local = Pulumi.Command.Local;
using Pg = Pulumi.PostgreSql;

namespace GovCloneInfra.Tests;

/// <summary>What a resource's constructor was given, seen by a resource transformation (mocks never see options).</summary>
public sealed record Observed(Resource Resource, ResourceArgs Args, ResourceOptions Options)
{
    public string Name => Resource.GetResourceName();

    public string Type => Resource.GetResourceType();
}

/// <summary>
/// Runs the real program (<see cref="GovCloneProgram.Define"/>) against a strict Moq <see cref="IMocks"/> that fails
/// on any resource type the program is not meant to create, and records: every registration (type, name, inputs),
/// every resource's options (through a resource transformation on every component, which children inherit), the
/// outputs each component and the stack register, and the secretness of the secret inputs. Commands answer with
/// the output the real levers print (NDJSON results).
/// </summary>
public sealed class StackRun
{
    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>
    {
        ResourceTypes.CloneDatabase, ResourceTypes.Clone, ResourceTypes.SeededState, ResourceTypes.Compaction,
        ResourceTypes.RegressionSuite, ResourceTypes.PostgresProvider, ResourceTypes.Database, ResourceTypes.Grant,
        ResourceTypes.LocalCommand, ResourceTypes.Branch, ResourceTypes.BranchSuite,
    };

    private readonly List<Task> _pending = [];

    public List<MockResourceArgs> Registrations { get; } = [];

    public List<Observed> Observed { get; } = [];

    public ImmutableArray<Resource> Resources { get; private set; }

    public IDictionary<string, object?> Outputs { get; private set; } = new Dictionary<string, object?>();

    /// <summary>What each resource registered with RegisterOutputs, by its (mock) URN.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, object?>> RegisteredOutputs { get; } = new(StringComparer.Ordinal);

    public StackSettings? Stack { get; private set; }

    /// <summary>Every registration as the SDK sent it to the engine (options included).</summary>
    public EngineRequests Requests { get; private set; } = null!;

    /// <summary>Secretness of each Command's environment and of the provider's password, as the program built them, by resource name.</summary>
    public Dictionary<string, bool> SecretInputs { get; } = new(StringComparer.Ordinal);

    /// <summary>What the suite Command prints (the levers' NDJSON results).</summary>
    public string SuiteStdout { get; init; } = CannedSuite();

    public static string CannedSuite(bool productionUnchanged = true, string verdict = "RETAIN", long tokenEqualToSource = 0)
    {
        var metrics = new Dictionary<string, object>
        {
            ["own"] = new { value = 30, detail = "CLONE_TEST_F6_SEED" },
            ["gap"] = new { value = 0 },
            ["ruleset"] = new { value = 1, detail = "RS-CLONE-TEST-1" },
            ["scan_run"] = new { value = 2 },
            ["cand_state"] = new { value = 5 },
            ["cand_object"] = new { value = 35 },
            ["cursor"] = new { value = 1, detail = "clone-test-worker, wm-2, events_seen=20" },
            ["gov_emit"] = new { value = 0 },
            ["gov_active"] = new { value = 0 },
            ["dot_tools"] = new { value = 309 },
            ["axis_tables"] = new { value = 0 },
        };
        // verify.masking as up prints it (docs/cli-json.md): the default profile's identity and its per-column proof.
        var masking = new
        {
            identity = "credentials-0123456789ab",
            profile = "credentials",
            rules = 2,
            clean = tokenEqualToSource == 0,
            columns = new[]
            {
                new { column = "public.directus_users.password", strategy = "null", rows = 40L, nonNull = 0L, equalToSource = 0L },
                new { column = "public.directus_sessions.token", strategy = "hash", rows = 120L, nonNull = 120L, equalToSource = tokenEqualToSource },
            },
            absent = Array.Empty<string>(),
        };
        var up = new { @event = "result", lever = "up", ok = true, exitCode = 0, changed = false, changes = 0, verify = new { profile = "committed", passed = tokenEqualToSource == 0, checks = Array.Empty<object>(), masking }, productionUnchanged };
        var status = new
        {
            @event = "result",
            lever = "status",
            ok = true,
            exitCode = 0,
            clone = "directus_gov_test_20260602",
            sizeBytes = 1258291200L,
            metrics,
            evidence = "own=30 (CLONE_TEST_F6_SEED) | gap=0",
            decision = new
            {
                verdict,
                reason = "the gate has not passed",
                factors = new[] { "Disk cost", "Value", "Isolation", "Drift risk", "Naming" }.Select(f => new { factor = f, assessment = "…", status = "ok" }),
            },
        };
        return "{\"event\":\"progress\",\"phase\":\"clone\"}\n" + JsonSerializer.Serialize(up) + "\n" + JsonSerializer.Serialize(status) + "\n";
    }

    /// <summary>What a branch stack's suite Command prints (govclone branch create --json).</summary>
    public static string CannedBranchSuite(string database = "directus_gov_test_20260602_pr_123", bool passed = true) =>
        "{\"event\":\"step\",\"phase\":\"start\",\"step\":1,\"steps\":2,\"name\":\"seed\",\"text\":\"…\"}\n"
        + JsonSerializer.Serialize(new
        {
            @event = "result",
            lever = "branch create",
            ok = passed,
            exitCode = passed ? 0 : 1,
            changed = false,
            copied = false,
            clone = "directus_gov_test_20260602",
            branch = database["directus_gov_test_20260602_".Length..],
            database,
            profile = "committed",
            steps = Array.Empty<object>(),
            verify = new
            {
                profile = "committed",
                passed,
                checks = new[] { new { metric = "own", have = 30, haveDetail = "CLONE_TEST_F6_SEED", want = 30, wantDetail = "CLONE_TEST_F6_SEED", ok = true } },
            },
            info = new { sizeBytes = 1258291200L },
        }) + "\n";

    public static async Task<StackRun> RunAsync(IDictionary<string, object> config, bool preview = false, string? suiteStdout = null, string stack = PlanResources.Stack)
    {
        var (run, error) = await TryRunAsync(config, preview, suiteStdout, stack);
        return error is null ? run : throw error;
    }

    /// <summary>Runs the program (as the stack <paramref name="stack"/>); a failure is returned with what had been registered until then.</summary>
    public static async Task<(StackRun Run, Exception? Error)> TryRunAsync(IDictionary<string, object> config, bool preview = false, string? suiteStdout = null, string stack = PlanResources.Stack)
    {
        var run = new StackRun { SuiteStdout = suiteStdout ?? (config.ContainsKey("branchOf") ? CannedBranchSuite() : CannedSuite()) };
        var json = JsonSerializer.Serialize(config.ToDictionary(kv => kv.Key.Contains(':') ? kv.Key : "govclone:" + kv.Key, kv => kv.Value));
        Environment.SetEnvironmentVariable("PULUMI_CONFIG", json);
        Environment.SetEnvironmentVariable("PULUMI_CONFIG_SECRET_KEYS", JsonSerializer.Serialize(new[] { "govclone:password", "govclone:sshPrivateKey" }));
        Environment.SetEnvironmentVariable("GOVCLONE_RUN_ID", config.TryGetValue("runId", out var r) ? r.ToString() : "run-1");

        var mocks = new Mock<IMocks>(MockBehavior.Strict);
        mocks.Setup(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()))
            .Returns((MockResourceArgs args) => Task.FromResult(run.NewResource(args)));
        mocks.Setup(m => m.RegisterResourceOutputs(It.IsAny<MockRegisterResourceOutputsRequest>()))
            .Returns((MockRegisterResourceOutputsRequest req) => run.RecordOutputsAsync(req));
        mocks.Setup(m => m.CallAsync(It.IsAny<MockCallArgs>()))
            .Returns((MockCallArgs args) => Task.FromResult<object>(args.Args));

        try
        {
            var (resources, outputs) = await Deployment.TestAsync(mocks.Object,
                new TestOptions { IsPreview = preview, StackName = stack, ProjectName = PlanResources.Project },
                () =>
                {
                    run.Requests = EngineRequests.Install();
                    run.Stack = StackSettings.Load(new Config("govclone"));
                    var observe = new ComponentResourceOptions { ResourceTransformations = { run.Observe } };
                    return GovCloneProgram.Define(run.Stack, observe);
                });
            run.Resources = resources;
            run.Outputs = outputs;
            await Task.WhenAll(run._pending);
            return (run, null);
        }
        catch (Exception ex)
        {
            return (run, ex);
        }
    }

    private ResourceTransformationResult? Observe(ResourceTransformationArgs args)
    {
        lock (Observed)
        {
            Observed.Add(new Observed(args.Resource, args.Args, args.Options));
            // Secretness is a property of the Outputs the program builds; the mock monitor drops it from the
            // inputs it hands to IMocks, so it is read here, from the very inputs the constructor got.
            var name = args.Resource.GetResourceName();
            if (args.Args is Local.CommandArgs c && c.Environment is { } env)
            {
                _pending.Add(Secret(name, (Output<ImmutableDictionary<string, string>>)env));
            }
            else if (args.Args is Pg.ProviderArgs p && p.Password is { } pw)
            {
                _pending.Add(Secret(name, (Output<string>)pw));
            }
        }

        return null;
    }

    private async Task Secret<T>(string name, Output<T> output)
    {
        var secret = await Output.IsSecretAsync(output);
        lock (SecretInputs)
        {
            SecretInputs[name] = secret;
        }
    }

    private async Task RecordOutputsAsync(MockRegisterResourceOutputsRequest req)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, output) in req.Outputs)
        {
            values[key] = await OutputUtilities.GetValueAsync(output);
        }

        lock (RegisteredOutputs)
        {
            RegisteredOutputs[req.Urn] = values;
        }
    }

    private (string? Id, object State) NewResource(MockResourceArgs args)
    {
        if (args.Type is null || !KnownTypes.Contains(args.Type))
        {
            throw new InvalidOperationException($"the program registered an unexpected resource type '{args.Type}' ({args.Name})");
        }

        lock (Registrations)
        {
            Registrations.Add(args);
        }

        var state = args.Inputs.ToBuilder();
        if (args.Type == ResourceTypes.LocalCommand)
        {
            state["stdout"] = args.Name is DeployPlan.SuiteCommand or DeployPlan.BranchSuiteCommand ? SuiteStdout : "{\"event\":\"result\",\"lever\":\"x\",\"ok\":true,\"exitCode\":0}\n";
            state["stderr"] = string.Empty;
        }

        return (string.IsNullOrEmpty(args.Id) ? $"{args.Name}_id" : args.Id, state.ToImmutable());
    }

    public MockResourceArgs Registration(string name) => Registrations.Single(r => r.Name == name);

    public Observed Of(string name) => Observed.Single(o => o.Name == name);

    /// <summary>The URN the mock monitor gave a resource (mocks keep only the first type of a parent chain: pulumi:pulumi:Stack$TYPE).</summary>
    public static async Task<string> UrnAsync(Resource r) => await OutputUtilities.GetValueAsync(r.Urn);

    /// <summary>
    /// The program's registrations as the engine sees them (Pulumi-free, for the replay): inputs from the mock
    /// monitor, every option from the request the SDK sent the engine (<see cref="EngineRequests"/>), URNs in the
    /// engine's form (a child's type prefixed with its parent's; the mock monitor keeps only the first type of a chain).
    /// </summary>
    public async Task<IReadOnlyList<EngineResource>> EngineResourcesAsync()
    {
        var byMockUrn = new Dictionary<string, Resource>(StringComparer.Ordinal);
        foreach (var r in Resources)
        {
            byMockUrn[await UrnAsync(r)] = r;
        }

        string? ParentType(Resource r) => Of(r.GetResourceName()).Options.Parent is { } p && p.GetResourceType() != ResourceTypes.Stack ? p.GetResourceType() : null;
        string Urn(Resource r) => GovClone.Deploy.PlannedResource.UrnOf(r.GetResourceName(), r.GetResourceType(), ParentType(r), PlanResources.Stack, PlanResources.Project);
        string EngineUrn(string mockUrn) => Urn(byMockUrn.TryGetValue(mockUrn, out var r) ? r : throw new InvalidOperationException($"the engine was sent a URN no resource has: {mockUrn}"));

        var list = new List<EngineResource>();
        foreach (var o in Observed)
        {
            var req = Requests.All.Single(r => r.Name == o.Name && r.Type == o.Type);
            var reg = Registrations.SingleOrDefault(r => r.Name == o.Name && r.Type == o.Type);
            var inputs = reg is null ? new Dictionary<string, object?>() : reg.Inputs.Where(kv => kv.Key is not ("environment" or "password")).ToDictionary(kv => kv.Key, kv => (object?)kv.Value);
            var deps = req.Dependencies.Select(EngineUrn).ToList();
            if (req.Provider.Length > 0)
            {
                deps.Add(EngineUrn(req.Provider[..req.Provider.LastIndexOf("::", StringComparison.Ordinal)])); // "URN::ID"
            }

            // The aliases as the SDK sent them: specs (an empty name or type means the resource's own; the parent, when
            // given, is a URN the mock monitor minted) or URNs; the replay resolves them as the engine does.
            var aliases = req.AliasUrns.Select(EngineAlias.Of).ToList();
            foreach (var a in req.Aliases)
            {
                if (a.TryGetProperty("urn", out var urn) && urn.GetString() is { Length: > 0 } u)
                {
                    aliases.Add(EngineAlias.Of(u));
                    continue;
                }

                var spec = a.GetProperty("spec");
                string? Field(string field) => spec.TryGetProperty(field, out var f) && f.GetString() is { Length: > 0 } v ? v : null;
                aliases.Add(new EngineAlias(Field("name"), Field("type"), Field("parentUrn") is { } parent ? EngineUrn(parent) : null,
                    spec.TryGetProperty("noParent", out var np) && np.GetBoolean()));
            }

            IReadOnlyDictionary<string, string>? env = null;
            if (reg?.Inputs.TryGetValue("environment", out var e) == true && e is IEnumerable<KeyValuePair<string, object>> map)
            {
                env = map.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? string.Empty, StringComparer.Ordinal);
            }

            var secretInputs = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (reg?.Inputs.TryGetValue("password", out var pw) == true)
            {
                secretInputs["password"] = pw?.ToString();
            }

            list.Add(new EngineResource
            {
                Urn = Urn(o.Resource),
                Name = o.Name,
                Type = o.Type,
                ParentUrn = req.Parent.Length > 0 && !req.Parent.Contains("::" + ResourceTypes.Stack + "::", StringComparison.Ordinal) ? EngineUrn(req.Parent) : null,
                Dependencies = deps,
                Inputs = inputs,
                Environment = env,
                SecretInputs = secretInputs,
                DeleteBeforeReplace = req.DeleteBeforeReplace,
                RetainOnDelete = req.RetainOnDelete ?? false,
                DeletedWith = req.DeletedWith.Length > 0 ? EngineUrn(req.DeletedWith) : null,
                Aliases = aliases,
                ReplaceOnChanges = req.ReplaceOnChanges,
                AdditionalSecretOutputs = req.AdditionalSecretOutputs,
                CustomTimeouts = req.CustomTimeouts is { } timeouts ? new EngineTimeouts(timeouts.Create, timeouts.Update, timeouts.Delete) : null,
            });
        }

        return list;
    }
}
