using System.Collections.Immutable;
using System.Text.Json;
using GovClone.Transport;
using Moq;
using Pulumi;
using Pulumi.Testing;

namespace GovCloneInfra.Tests;

/// <summary>
/// Runs the real program (<see cref="GovCloneProgram.Define"/>) against a Moq <see cref="IMocks"/> that fails
/// fast on any resource type the program is not meant to create, records every registration, and answers
/// the Commands' stdout the way the real scripts print it.
/// </summary>
public sealed class StackRun
{
    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>
    {
        "govclone:postgres:CloneDatabase",
        "govclone:clone:DumpRestore",
        "govclone:governance:SeededState",
        "govclone:governance:Compaction",
        "govclone:governance:RegressionSuite",
        "govclone:production:Fingerprint",
        "pulumi:providers:postgresql",
        "postgresql:index/database:Database",
        "postgresql:index/grant:Grant",
        "command:local:Command",
        "command:remote:Command",
    };

    public const string Report =
        """govclone-report {"sizeBytes" : 1258291200, "appConnections" : 0, "workerLeases" : 0, "metrics" : [{"metric" : "own", "value" : 30, "detail" : "CLONE_TEST_F6_SEED"}, {"metric" : "gap", "value" : 0, "detail" : null}, {"metric" : "ruleset", "value" : 1, "detail" : "RS-CLONE-TEST-1"}, {"metric" : "scan_run", "value" : 2, "detail" : null}, {"metric" : "cand_state", "value" : 5, "detail" : null}, {"metric" : "cand_object", "value" : 35, "detail" : null}, {"metric" : "cursor", "value" : 1, "detail" : "clone-test-worker, wm-2, events_seen=20"}, {"metric" : "gov_emit", "value" : 0, "detail" : null}, {"metric" : "gov_active", "value" : 0, "detail" : null}, {"metric" : "dot_tools", "value" : 309, "detail" : null}, {"metric" : "axis_tables", "value" : 0, "detail" : null}]}""";

    public List<MockResourceArgs> Registrations { get; } = [];

    public ImmutableArray<Resource> Resources { get; private set; }

    public IDictionary<string, object?> Outputs { get; private set; } = new Dictionary<string, object?>();

    /// <summary>Whether the Commands' environment (ServerCommand.EnvironmentFor) was a secret Output during the run.</summary>
    public bool EnvironmentIsSecret { get; private set; }

    /// <summary>Whether the stack's ssh private key, when set, was a secret Output during the run.</summary>
    public bool? SshKeyIsSecret { get; private set; }

    /// <summary>The password Output's secretness during the run (null when no password is configured).</summary>
    public bool? PasswordIsSecret { get; private set; }

    /// <summary>What the fingerprint Command prints after the run (equal to before unless a test says otherwise).</summary>
    public string FingerprintAfter { get; init; } = "aaaa bbbb";

    public static async Task<StackRun> RunAsync(IDictionary<string, object> config, bool preview = false, string fingerprintAfter = "aaaa bbbb")
    {
        var run = new StackRun { FingerprintAfter = fingerprintAfter };
        var json = JsonSerializer.Serialize(config.ToDictionary(kv => kv.Key.Contains(':') ? kv.Key : "govclone:" + kv.Key, kv => kv.Value));
        Environment.SetEnvironmentVariable("PULUMI_CONFIG", json);
        Environment.SetEnvironmentVariable("PULUMI_CONFIG_SECRET_KEYS", JsonSerializer.Serialize(new[] { "govclone:password", "govclone:sshPrivateKey" }));
        Environment.SetEnvironmentVariable("GOVCLONE_RUN_ID", "run-1");

        var mocks = new Mock<IMocks>(MockBehavior.Strict);
        mocks.Setup(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()))
            .Returns((MockResourceArgs args) => Task.FromResult(run.NewResource(args)));
        mocks.Setup(m => m.RegisterResourceOutputs(It.IsAny<MockRegisterResourceOutputsRequest>()))
            .Returns(Task.CompletedTask);
        mocks.Setup(m => m.CallAsync(It.IsAny<MockCallArgs>()))
            .Returns((MockCallArgs args) => Task.FromResult<object>(args.Args));

        Task<bool>? envSecret = null, keySecret = null, passwordSecret = null;
        var (resources, outputs) = await Deployment.TestAsync(mocks.Object,
            new TestOptions { IsPreview = preview, StackName = "nonprod", ProjectName = "govclone" },
            () =>
            {
                var stack = StackSettings.Load(new Config("govclone"));
                // Secretness is a property of the Outputs the program builds; the mock monitor drops it
                // from the inputs it hands to IMocks, so it is observed here, inside the run.
                envSecret = Output.IsSecretAsync(ServerCommand.EnvironmentFor(stack));
                keySecret = stack.SshPrivateKey is null ? null : Output.IsSecretAsync(stack.SshPrivateKey);
                passwordSecret = stack.Password is null ? null : Output.IsSecretAsync(stack.Password);
                return GovCloneProgram.Define(stack);
            });
        run.Resources = resources;
        run.Outputs = outputs;
        run.EnvironmentIsSecret = envSecret is not null && await envSecret;
        run.SshKeyIsSecret = keySecret is null ? null : await keySecret;
        run.PasswordIsSecret = passwordSecret is null ? null : await passwordSecret;
        return run;
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
        if (args.Type is "command:local:Command" or "command:remote:Command")
        {
            var stdin = args.Inputs.TryGetValue("stdin", out var s) ? s as string ?? string.Empty : string.Empty;
            state["stdout"] = stdin.Contains("govclone-report", StringComparison.Ordinal)
                ? "governance regression suite: PASS\n" + Report + "\n" + DeployScripts.FingerprintPrefix + FingerprintAfter
                : stdin.Contains(DeployScripts.FingerprintPrefix, StringComparison.Ordinal)
                    ? DeployScripts.FingerprintPrefix + "aaaa bbbb"
                    : "govclone-event {\"event\":\"changed\",\"changed\":true}";
            state["stderr"] = string.Empty;
        }

        return (string.IsNullOrEmpty(args.Id) ? $"{args.Name}_id" : args.Id, state.ToImmutable());
    }
}
