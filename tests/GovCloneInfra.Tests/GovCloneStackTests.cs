using System.Collections.Immutable;
using GovClone.Configuration;
using GovClone.Sql;
using GovClone.Transport;
using Pulumi;
using Pulumi.Utilities;
using Local = Pulumi.Command.Local;
using Remote = Pulumi.Command.Remote;

namespace GovCloneInfra.Tests;

public class GovCloneStackTests
{
    /// <summary>The nonprod stack's shape (ssh transport through contabo), with the password as secret config.</summary>
    private static Dictionary<string, object> Nonprod(params (string Key, object Value)[] overrides)
    {
        var config = new Dictionary<string, object>
        {
            ["transport"] = "ssh",
            ["sshHost"] = "contabo",
            ["host"] = "127.0.0.1",
            ["port"] = "15432",
            ["sslMode"] = "disable",
            ["password"] = "s3cret-pw",
        };
        foreach (var (k, v) in overrides)
        {
            config[k] = v;
        }

        return config;
    }

    private static GovCloneSettings Settings(Dictionary<string, object> config) =>
        SettingsParser.Parse(config.Where(kv => kv.Key is not ("password" or "sshPrivateKey"))
            .ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString()));

    private static IEnumerable<MockResourceArgsView> Commands(StackRun run) =>
        run.Registrations.Where(r => r.Type is "command:local:Command" or "command:remote:Command").Select(r => new MockResourceArgsView(r));

    [Fact]
    public async Task The_resource_graph_has_the_designed_components_and_children()
    {
        var run = await StackRun.RunAsync(Nonprod());
        var byName = run.Registrations.ToDictionary(r => r.Name!, r => r.Type);
        Assert.Equal("govclone:production:Fingerprint", byName["production"]);
        Assert.Equal("govclone:postgres:CloneDatabase", byName["clone"]);
        Assert.Equal("pulumi:providers:postgresql", byName["clone-server"]);
        Assert.Equal("postgresql:index/database:Database", byName["clone-database"]);
        Assert.Equal("govclone:clone:DumpRestore", byName["dump-restore"]);
        Assert.Equal("postgresql:index/grant:Grant", byName["clone-no-public-connect"]);
        Assert.Equal("command:local:Command", byName["dump-restore-pg-dump-psql"]);
        Assert.Equal("command:local:Command", byName["dump-restore-retained-template"]);
        Assert.Equal("govclone:governance:SeededState", byName["governance"]);
        Assert.Equal("command:local:Command", byName["governance-committed"]);
        Assert.Equal("govclone:governance:RegressionSuite", byName["regression-suite"]);
        Assert.Equal("command:local:Command", byName["regression-suite-run"]);
        Assert.DoesNotContain(run.Registrations, r => r.Type == "govclone:governance:Compaction");

        // Children are parented to their components.
        var database = run.Resources.OfType<Pulumi.PostgreSql.Database>().Single();
        Assert.Equal("directus_gov_test_20260602", await OutputUtilities.GetValueAsync(database.Name));
        var clone = run.Resources.OfType<DumpRestore>().Single();
        Assert.IsType<Local.Command>(clone.Command);
    }

    [Fact]
    public async Task Each_command_runs_exactly_the_cores_script_over_the_stacks_transport()
    {
        var config = Nonprod();
        var settings = Settings(config);
        var transport = new ServerTransport(settings, passwordInEnvironment: true);
        var run = await StackRun.RunAsync(config);
        var cmds = Commands(run).ToDictionary(c => c.Name);

        var clone = cmds["dump-restore-pg-dump-psql"];
        Assert.Equal("ssh -o BatchMode=yes -o SendEnv=PGPASSWORD contabo 'docker exec -i -e PGAPPNAME -e PGPASSWORD postgres bash -s'", clone.Create);
        Assert.Equal(GovClone.Engine.EngineScript.Clone(settings, transport), clone.Stdin);
        // Inside the container the engine's tools use its socket: the header names the role and no host.
        Assert.Contains("readonly GOVCLONE_SOURCE_DATABASE=directus\n", clone.Stdin, StringComparison.Ordinal);
        Assert.Contains("readonly GOVCLONE_HOST=''\n", clone.Stdin, StringComparison.Ordinal);
        Assert.Contains("readonly GOVCLONE_USER=workflow_admin\n", clone.Stdin, StringComparison.Ordinal);
        Assert.Equal([1.0], clone.Triggers);

        // destroy drops the retained template too (the database's own delete would leave it behind).
        var template = cmds["dump-restore-retained-template"];
        Assert.Equal(ShellQuote.Join(transport.Argv("bash", "-c", DeployScripts.DropTemplate(settings, transport))), template.Delete);
        Assert.Contains("IS_TEMPLATE false", template.Delete, StringComparison.Ordinal);

        var seed = cmds["governance-committed"];
        Assert.Contains(SqlScripts.Get(SqlScripts.SeedCommitted).TrimEnd(), seed.Stdin, StringComparison.Ordinal);
        // The delete (reset in place) runs the same reset script, passed as one quoted bash -c argument.
        var reset = ServerScripts.Psql(transport, settings.CloneDatabase, SqlScripts.Get(SqlScripts.ResetInPlace));
        Assert.Contains(SqlScripts.Get(SqlScripts.ResetInPlace).TrimEnd(), reset, StringComparison.Ordinal);
        Assert.Equal(ShellQuote.Join(transport.Argv("bash", "-c", reset)), seed.Delete);

        var suite = cmds["regression-suite-run"];
        Assert.Equal(DeployScripts.SuiteAndReport(settings, transport, SeedProfile.Committed), suite.Stdin);
        Assert.Equal(["run-1"], suite.Triggers);
    }

    [Fact]
    public async Task No_command_text_carries_the_password_and_the_environment_is_secret()
    {
        var run = await StackRun.RunAsync(Nonprod());
        foreach (var c in Commands(run))
        {
            Assert.DoesNotContain("s3cret-pw", c.Create ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-pw", c.Stdin ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-pw", c.Delete ?? string.Empty, StringComparison.Ordinal);
        }

        Assert.True(run.EnvironmentIsSecret, "the Command environment must be a secret Output");
        Assert.True(run.PasswordIsSecret, "the password must be read with RequireSecret");
        Assert.All(Commands(run), c => Assert.Equal("s3cret-pw", c.Environment["PGPASSWORD"]));

        var provider = run.Registrations.Single(r => r.Type == "pulumi:providers:postgresql");
        Assert.DoesNotContain("s3cret-pw", provider.Inputs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_profile_baseline_resets_in_place_declaratively()
    {
        var run = await StackRun.RunAsync(Nonprod(("seedProfile", "baseline")));
        var seed = Commands(run).Single(c => c.Name == "governance-baseline");
        Assert.Contains(SqlScripts.Get(SqlScripts.ResetInPlace).TrimEnd(), seed.Stdin, StringComparison.Ordinal);
        Assert.DoesNotContain("INSERT INTO governance_object_ownership", seed.Stdin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generations_drive_reclone_and_compaction()
    {
        var run = await StackRun.RunAsync(Nonprod(("cloneGeneration", "3"), ("compactGeneration", "2")));
        var cmds = Commands(run).ToDictionary(c => c.Name);
        Assert.Equal([3.0], cmds["dump-restore-pg-dump-psql"].Triggers);
        Assert.Equal([3.0], cmds["governance-committed"].Triggers);
        Assert.Equal([2.0], cmds["compact-vacuum-full"].Triggers);
        Assert.Contains("VACUUM (FULL, ANALYZE);", cmds["compact-vacuum-full"].Stdin, StringComparison.Ordinal);
        Assert.Contains("generation=3", cmds["dump-restore-pg-dump-psql"].Stdin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stack_outputs_come_from_the_suites_report()
    {
        var run = await StackRun.RunAsync(Nonprod());
        async Task<T> Out<T>(string key) => (T)(await OutputUtilities.GetValueAsync((Output<T>)run.Outputs[key]!))!;
        Assert.Equal("RETAIN", await Out<string>("decision"));
        Assert.True(await Out<bool>("verified"));
        Assert.True(await Out<bool>("productionUnchanged"));
        Assert.Equal(1258291200L, await Out<long>("cloneSizeBytes"));
        var metrics = await Out<IReadOnlyDictionary<string, long>>("metrics");
        Assert.Equal(30, metrics["own"]);
        Assert.Equal(309, metrics["dot_tools"]);
        var factors = await Out<IReadOnlyList<IReadOnlyDictionary<string, string>>>("decisionFactors");
        Assert.Equal(["Disk cost", "Value", "Isolation", "Drift risk", "Naming"], factors.Select(f => f["factor"]));
    }

    [Fact]
    public async Task A_changed_production_fingerprint_shows_in_the_outputs()
    {
        var run = await StackRun.RunAsync(Nonprod(), fingerprintAfter: "cccc bbbb");
        Assert.False((bool)(await OutputUtilities.GetValueAsync((Output<bool>)run.Outputs["productionUnchanged"]!))!);
    }

    [Fact]
    public async Task The_decision_turns_to_drop_once_the_gate_has_passed()
    {
        var run = await StackRun.RunAsync(Nonprod(("productionRolloutLanded", "true"), ("productionSeedVerified", "true")));
        Assert.Equal("DROP", await OutputUtilities.GetValueAsync((Output<string>)run.Outputs["decision"]!));
    }

    [Theory]
    [InlineData("cloneDatabase", "directus", "govclone:cloneDatabase")]
    [InlineData("cloneDatabase", "prod_copy", "govclone:cloneDatabase")]
    [InlineData("transport", "ftp", "govclone:transport")]
    [InlineData("port", "70000", "govclone:port")]
    [InlineData("sshHost", "-oProxyCommand=x", "govclone:sshHost")]
    public async Task Invalid_config_fails_before_any_resource_naming_the_key(string key, string value, string named)
    {
        var run = new List<string>();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => StackRun.RunAsync(Nonprod((key, value))));
        Assert.Contains(named, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_password_fails_naming_the_key()
    {
        var config = Nonprod();
        config.Remove("password");
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => StackRun.RunAsync(config));
        Assert.Contains("govclone:password", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ssh_private_key_switches_to_pulumis_own_ssh()
    {
        var run = await StackRun.RunAsync(Nonprod(("sshPrivateKey", "-----BEGIN KEY-----"), ("sshUser", "deploy")));
        var remote = run.Registrations.Where(r => r.Type == "command:remote:Command").Select(r => new MockResourceArgsView(r)).ToList();
        Assert.Equal(5, remote.Count); // fingerprint, clone, retained-template, seed, suite
        Assert.All(remote, c => Assert.StartsWith("docker exec -i", c.Create, StringComparison.Ordinal));
        Assert.True(run.SshKeyIsSecret, "the ssh private key must be a secret Output");
        Assert.All(remote, c =>
        {
            Assert.DoesNotContain("BEGIN KEY", c.Create, StringComparison.Ordinal);
            Assert.DoesNotContain("BEGIN KEY", c.Stdin, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Local_and_docker_transports_run_their_runbook_lines()
    {
        var local = await StackRun.RunAsync(Nonprod(("transport", "local")));
        Assert.All(Commands(local), c => Assert.Equal("bash -s", c.Create));
        var docker = await StackRun.RunAsync(Nonprod(("transport", "docker")));
        Assert.All(Commands(docker), c => Assert.Equal("docker exec -i -e PGAPPNAME -e PGPASSWORD postgres bash -s", c.Create));
    }
}

/// <summary>Typed view of a Command registration's inputs.</summary>
public sealed class MockResourceArgsView
{
    public MockResourceArgsView(Pulumi.Testing.MockResourceArgs args)
    {
        Name = args.Name!;
        Inputs = args.Inputs;
    }

    public string Name { get; }

    public ImmutableDictionary<string, object> Inputs { get; }

    public string? Create => Inputs.TryGetValue("create", out var v) ? v as string : null;

    public string? Stdin => Inputs.TryGetValue("stdin", out var v) ? v as string : null;

    public string? Delete => Inputs.TryGetValue("delete", out var v) ? v as string : null;

    public IReadOnlyDictionary<string, string> Environment =>
        Inputs.TryGetValue("environment", out var v) && v is IEnumerable<KeyValuePair<string, object>> map
            ? map.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>();

    public IReadOnlyList<object> Triggers => Inputs.TryGetValue("triggers", out var v) && v is IEnumerable<object> list ? list.ToList() : [];
}
