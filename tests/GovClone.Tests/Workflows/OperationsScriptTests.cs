using System.Text.Json.Nodes;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Tests.Branches;
using GovClone.Tests.Cli;
using GovClone.Tests.Support;

namespace GovClone.Tests.Workflows;

/// <summary>
/// The workflows' decisions of issue 23, each a script fed what the tools really print (govclone against the test
/// server, the committed stack file, the stand-in pulumi's `stack ls --json`), and failing closed on anything else:
/// tunnel-plan, ssh-setup, stack-config, stack-exists, teardown-facts, pr-sweep, job-summary, pr-branch's STATUS.
/// </summary>
public class OperationsScriptTests : BranchTestBase
{
    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    private Task<(int Exit, string Out, string Err)> Cli(params string[] args) => InProcessCli.RunAsync(Pg, Clone, args);

    /// <summary>Runs scripts/NAME with its input in a file (the workflows pass files).</summary>
    private static async Task<GovClone.Processes.ProcessResult> ScriptAsync(string name, string input, params string[] args)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, input);
            return await InProcessCli.ScriptAsync(name, null, [.. args.Select(a => a == "{file}" ? file : a)]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Dictionary<string, string> Outputs(string lines) =>
        lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task Tunnel_plan_takes_the_tunnels_ends_from_the_committed_stack_file_and_fails_closed()
    {
        // The committed nonprod stack, as the setup reads it (no GOVCLONE_* in the way).
        var nonprod = await CliRunner.RunAsync(NoEnvironment, "config", "--stack", "nonprod", "--json");
        Assert.Equal(0, nonprod.Exit);
        var plan = await ScriptAsync("tunnel-plan", nonprod.Out, "{file}");
        Assert.True(plan.Succeeded, plan.StandardError);
        Assert.Equal("transport=ssh\ntunnel=true\nalias=contabo\nbind=127.0.0.1\nport=15432\nremote=localhost:5432\n", plan.StandardOutput);

        var elsewhere = await CliRunner.RunAsync(NoEnvironment, "config", "--stack", "nonprod", "--json", "-c", "host=10.1.2.3", "-c", "port=6543");
        Assert.Equal(("false", "6543"), (Outputs((await ScriptAsync("tunnel-plan", elsewhere.Out, "{file}")).StandardOutput)["tunnel"], Outputs((await ScriptAsync("tunnel-plan", elsewhere.Out, "{file}")).StandardOutput)["port"]));
        var local = (await Cli("config", "--json")).Out;
        Assert.Equal(("local", "false"), (Outputs((await ScriptAsync("tunnel-plan", local, "{file}")).StandardOutput)["transport"], Outputs((await ScriptAsync("tunnel-plan", local, "{file}")).StandardOutput)["tunnel"]));

        var invalid = await CliRunner.RunAsync(NoEnvironment, "config", "--stack", "nonprod", "--json", "-c", "port=99999");
        Assert.NotEqual(0, invalid.Exit);
        foreach (var input in new[] { invalid.Out, string.Empty, "not json", (await Cli("status", "--json")).Out, (await Cli("config", "port", "--json")).Out })
        {
            var r = await ScriptAsync("tunnel-plan", input, "{file}");
            Assert.Equal((2, string.Empty), (r.ExitCode, r.StandardOutput));
        }
    }

    [Fact]
    public async Task Ssh_setup_writes_files_of_its_own_that_ssh_dash_F_reads_and_never_the_runners()
    {
        var home = Directory.CreateTempSubdirectory("govclone-home-").FullName;
        try
        {
            var dir = Path.Combine(home, "temp", "govclone-ssh");
            var env = new Dictionary<string, string?>
            {
                ["HOME"] = home,
                ["SSH_PRIVATE_KEY"] = "-----BEGIN KEY-----\nk\n-----END KEY-----",
                ["SSH_KNOWN_HOSTS"] = "db.example ssh-ed25519 AAAA",
                ["SSH_HOSTNAME"] = "db.example",
                ["SSH_USER"] = "deploy",
            };
            var r = await GovClone.Processes.ProcessRunner.RunAsync(new GovClone.Processes.ProcessSpec(Path.Combine(InProcessCli.RepoRoot, "scripts", "ssh-setup"), [dir, "contabo"]) { Environment = env });
            Assert.True(r.Succeeded, r.StandardError);
            Assert.Equal($"GOVCLONE_SSH_CONFIG_FILE={dir}/config\n", r.StandardOutput);
            var config = await File.ReadAllTextAsync(Path.Combine(dir, "config"));
            Assert.Contains("Host contabo\n  HostName db.example\n  User deploy\n", config, StringComparison.Ordinal);
            Assert.Contains($"  IdentityFile {dir}/key\n", config, StringComparison.Ordinal);
            Assert.Contains($"  UserKnownHostsFile {dir}/known_hosts\n", config, StringComparison.Ordinal);
            Assert.Contains("  StrictHostKeyChecking yes\n", config, StringComparison.Ordinal);
            Assert.Equal("-----BEGIN KEY-----\nk\n-----END KEY-----\n", await File.ReadAllTextAsync(Path.Combine(dir, "key")));
            foreach (var f in new[] { "config", "key", "known_hosts" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, f)));
            }

            Assert.False(Directory.Exists(Path.Combine(home, ".ssh")));
            Assert.DoesNotContain("k\n-----END", r.StandardOutput + r.StandardError, StringComparison.Ordinal);

            // ~/.ssh itself, an empty secret, an alias that is not a plain word: refused, nothing written.
            foreach (var (args, change) in new (string[], (string, string?)?)[]
            {
                ([Path.Combine(home, ".ssh"), "contabo"], null), ([dir + "2", "contabo"], ("SSH_KNOWN_HOSTS", string.Empty)),
                ([dir + "3", "contabo; rm -rf /"], null), ([dir + "4", "contabo"], ("SSH_HOSTNAME", "db example")),
            })
            {
                var e = new Dictionary<string, string?>(env);
                if (change is { } c)
                {
                    e[c.Item1] = c.Item2;
                }

                var bad = await GovClone.Processes.ProcessRunner.RunAsync(new GovClone.Processes.ProcessSpec(Path.Combine(InProcessCli.RepoRoot, "scripts", "ssh-setup"), args) { Environment = e });
                Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
                Assert.False(File.Exists(Path.Combine(args[0], "config")), string.Join(' ', args));
            }
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Stack_config_copies_the_committed_stack_files_plain_values_and_never_a_secret()
    {
        var env = new Dictionary<string, string> { ["GOVCLONE_PASSWORD"] = "pw-not-to-copy", [SettingsLoader.SshPrivateKeyVariable] = "key-not-to-copy" };
        var config = await CliRunner.RunAsync(env, "config", "--stack", "nonprod", "--json");
        var r = await ScriptAsync("stack-config", config.Out, "{file}");
        Assert.True(r.Succeeded, r.StandardError);
        var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("govclone:port=15432", lines);
        Assert.Contains("govclone:sshHost=contabo", lines);
        Assert.Contains("govclone:queryAllowlist=[\"directus\"]", lines);
        Assert.Contains("govclone:cloneDatabase=directus_gov_test_20260602", lines);
        var committed = StackFile.Read(Path.Combine(InProcessCli.RepoRoot, "Pulumi.nonprod.yaml")).Values.Keys.ToHashSet();
        Assert.Equal(committed.Order(StringComparer.Ordinal), lines.Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("not-to-copy", r.StandardOutput, StringComparison.Ordinal);

        // The values a PR stack gets parse to the same settings as the stack file.
        var raw = lines.Select(l => l.Split('=', 2)).ToDictionary(p => p[0]["govclone:".Length..], p => (string?)p[1]);
        Assert.Equivalent(SettingsLoader.Load(new SettingsSources { StackName = "nonprod", SearchDirectory = InProcessCli.RepoRoot, Environment = new Dictionary<string, string>() }),
            SettingsParser.Parse(raw), strict: true);

        foreach (var input in new[] { string.Empty, "not json", (await Cli("status", "--json")).Out, (await CliRunner.RunAsync(env, "config", "--stack", "nonprod", "--json", "-c", "port=0")).Out })
        {
            var bad = await ScriptAsync("stack-config", input, "{file}");
            Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
        }
    }

    [Fact]
    public async Task Stack_exists_reads_pulumi_stack_ls_json_and_fails_closed()
    {
        // stackSummaryJSON (pulumi/pkg/cmd/pulumi/stack/stack_ls.go): an array; the cloud backend may qualify names.
        const string list = """[{"name":"nonprod","current":false,"lastUpdate":"2026-12-01T10:00:00Z","resourceCount":14,"url":"https://app.pulumi.com/acme/govclone/nonprod"},{"name":"acme/govclone/pr-42","current":true}]""";
        Assert.Equal("exists=true\nstack=nonprod\n", (await ScriptAsync("stack-exists", list, "nonprod", "{file}")).StandardOutput);
        Assert.Equal("exists=true\nstack=pr-42\n", (await ScriptAsync("stack-exists", list, "pr-42", "{file}")).StandardOutput);
        Assert.Equal("exists=false\nstack=pr-4\n", (await ScriptAsync("stack-exists", list, "pr-4", "{file}")).StandardOutput);
        Assert.Equal("exists=false\nstack=nonprod\n", (await ScriptAsync("stack-exists", "[]", "nonprod", "{file}")).StandardOutput);
        foreach (var (input, name) in new[] { ("not json", "nonprod"), (string.Empty, "nonprod"), ("{\"name\":\"nonprod\"}", "nonprod"), ("[\"nonprod\"]", "nonprod"), (list, "pr-42; rm"), (list, string.Empty) })
        {
            var bad = await ScriptAsync("stack-exists", input, name, "{file}");
            Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
        }
    }

    [Fact]
    public async Task Teardown_facts_reads_the_payload_in_each_documented_form_and_govclone_decides_on_it()
    {
        var cases = new (string Event, string Verified, string FollowUps, string Verdict)[]
        {
            ("""{"action":"production-rollout-landed","client_payload":{"production_seed_verified":true,"follow_ups":[]}}""", "true", string.Empty, "DROP"),
            ("""{"action":"production-rollout-landed","client_payload":{"production_seed_verified":"true","follow_ups":"axis, emit"}}""", "true", "axis,emit", "RETAIN"),
            ("""{"action":"production-rollout-landed","client_payload":{"production_seed_verified":true,"follow_ups":["dot"]}}""", "true", "dot", "RETAIN"),
            ("""{"action":"production-rollout-landed","client_payload":{}}""", "false", string.Empty, "RETAIN"),
            ("""{"inputs":{"production-seed-verified":"true","follow-ups":""},"ref":"refs/heads/main"}""", "true", string.Empty, "DROP"),
            ("""{"inputs":{"production-seed-verified":false,"follow-ups":"axis"}}""", "false", "axis", "RETAIN"),
        };
        foreach (var (ev, verified, followUps, verdict) in cases)
        {
            var r = await ScriptAsync("teardown-facts", ev, "{file}");
            Assert.True(r.Succeeded, r.StandardError);
            var facts = Outputs(r.StandardOutput);
            Assert.Equal(("true", verified, followUps), (facts["GOVCLONE_PRODUCTION_ROLLOUT_LANDED"], facts["GOVCLONE_PRODUCTION_SEED_VERIFIED"], facts["GOVCLONE_FOLLOW_UPS"].Trim()));

            // What the decision step then reads from $GITHUB_ENV.
            var env = new Dictionary<string, string>
            {
                ["GOVCLONE_HOST"] = Pg.Server.Host,
                ["GOVCLONE_PORT"] = Pg.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GOVCLONE_TRANSPORT"] = "local",
                ["GOVCLONE_SSL_MODE"] = "disable",
                ["GOVCLONE_CLONE_DATABASE"] = Clone,
                ["GOVCLONE_PASSWORD"] = Pg.Password,
                ["GOVCLONE_USER"] = Pg.Server.SuperUser,
            };
            foreach (var (k, v) in facts)
            {
                env[k] = v.Trim();
            }

            var decide = await CliRunner.RunAsync(env, "decide", "--json", "--no-stack-file");
            Assert.Equal(0, decide.Exit);
            Assert.Equal($"verdict={verdict}\ndestroy={(verdict == "DROP" ? "true" : "false")}\n", (await ScriptAsync("teardown-gate", decide.Out, "{file}")).StandardOutput);
        }

        foreach (var ev in new[]
        {
            """{"action":"production-rollout-landed","client_payload":{"production_seed_verified":"yes"}}""",
            """{"action":"production-rollout-landed","client_payload":{"production_seed_verified":true,"follow_ups":{"axis":true}}}""",
            """{"action":"production-rollout-landed","client_payload":{"production_seed_verified":true,"follow_ups":["axis; rm -rf /"]}}""",
            """{"action":"something-else","client_payload":{"production_seed_verified":true}}""",
            """{"pull_request":{"number":1}}""", "not json", string.Empty,
        })
        {
            var bad = await ScriptAsync("teardown-facts", ev, "{file}");
            Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
        }
    }

    [Fact]
    public async Task Pr_sweep_names_what_closed_pull_requests_left_and_nothing_else()
    {
        foreach (var (name, owner) in new[] { ("pr_1", "pr-1"), ("pr_2", "pr-2"), ("pr_3", "someone"), ("feature", "pr-4") })
        {
            await CreateAsync(name, owner: owner);
        }

        var branches = (await Cli("branch", "list", "--json")).Out;
        const string stacks = """[{"name":"nonprod"},{"name":"pr-1"},{"name":"acme/govclone/pr-5"},{"name":"pr-6"},{"name":"pr-x"}]""";
        var dir = Directory.CreateTempSubdirectory("govclone-sweep-").FullName;
        try
        {
            async Task<GovClone.Processes.ProcessResult> Sweep(string s, string b, string open, string limit = "100")
            {
                await File.WriteAllTextAsync(Path.Combine(dir, "s"), s);
                await File.WriteAllTextAsync(Path.Combine(dir, "b"), b);
                await File.WriteAllTextAsync(Path.Combine(dir, "o"), open);
                return await InProcessCli.ScriptAsync("pr-sweep", null, Path.Combine(dir, "s"), Path.Combine(dir, "b"), Path.Combine(dir, "o"), limit);
            }

            var r = await Sweep(stacks, branches, """[{"number":2},{"number":6}]""");
            Assert.True(r.Succeeded, r.StandardError);
            Assert.Equal("stack pr-1\nstack pr-5\nbranch pr_1\n", r.StandardOutput);
            Assert.Equal(string.Empty, (await Sweep(stacks, branches, """[{"number":1},{"number":2},{"number":5},{"number":6}]""")).StandardOutput);

            var failed = (await Cli("branch", "list", "--json", "-c", "port=1")).Out;
            foreach (var (s, b, o, limit) in new[]
            {
                (stacks, branches, """[{"number":2},{"number":6}]""", "2"), // as long as the limit: it may be cut short
                (stacks, failed, "[]", "100"), ("not json", branches, "[]", "100"), (stacks, branches, "{\"number\":1}", "100"), (stacks, branches, "[]", "0"),
            })
            {
                var bad = await Sweep(s, b, o, limit);
                Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Job_summary_turns_real_results_into_markdown_tables_not_box_drawings()
    {
        await CreateAsync("sum1");
        var status = await ScriptAsync("job-summary", (await Cli("status", "--json")).Out, "{file}");
        Assert.True(status.Succeeded, status.StandardError);
        Assert.StartsWith("### `govclone status`: ok\n\n| fact | value |\n|---|---|\n", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"| clone | `{Clone}` |", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("| branches | sum1 (complete, owner tester) |", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("| decision | **RETAIN**: ", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("| evidence | own=30 (CLONE_TEST_F6_SEED) \\| gap=0", status.StandardOutput, StringComparison.Ordinal);

        var drift = await ScriptAsync("job-summary", (await Cli("verify", "--profile", "baseline", "--json")).Out, "{file}");
        Assert.Contains("### `govclone verify`: failed (exit 1)", drift.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("| own | 30 (CLONE_TEST_F6_SEED) | 0 | **DRIFT** |", drift.StandardOutput, StringComparison.Ordinal);

        var decide = await ScriptAsync("job-summary", (await Cli("decide", "--json")).Out, "{file}");
        Assert.Contains("Decision: **RETAIN**", decide.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("| factor | assessment | |", decide.StandardOutput, StringComparison.Ordinal);

        var refused = await ScriptAsync("job-summary", (await Cli("drop", "--json")).Out, "{file}");
        Assert.Contains("### `govclone drop`: failed (exit 2)", refused.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Fix: pass -y/--yes", refused.StandardOutput, StringComparison.Ordinal);

        var dropped = await ScriptAsync("job-summary", (await Cli("branch", "drop", "sum1", "--yes", "--json")).Out, "{file}");
        Assert.Contains($"dropped the branch {Clone}_sum1", dropped.StandardOutput, StringComparison.Ordinal);

        foreach (var r in new[] { status, drift, decide, refused, dropped })
        {
            Assert.DoesNotMatch("[─│┌┐└┘├┤┬┴┼╭╮╯╰═║]", r.StandardOutput);
            // Every table row has the header's number of cells (an escaped | inside a cell does not count).
            foreach (var table in r.StandardOutput.Split("\n\n").Where(b => b.StartsWith('|')))
            {
                var cells = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.RegularExpressions.Regex.Count(l, @"(?<!\\)\|")).Distinct();
                Assert.Single(cells);
            }
        }

        foreach (var input in new[] { string.Empty, "not json", "{\"event\":\"progress\"}" })
        {
            var bad = await ScriptAsync("job-summary", input, "{file}");
            Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
        }
    }

    [Fact]
    public async Task Pr_branch_makes_no_branch_when_the_status_says_the_clone_is_gone_and_says_why()
    {
        var config = (await Cli("config", "cloneDatabase", "--json")).Out;
        var here = (await Cli("status", "--json")).Out;
        var gone = (await InProcessCli.RunAsync(Pg, Clone + "x", "status", "--json")).Out;
        var dir = Directory.CreateTempSubdirectory("govclone-prb-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "config"), config);
            await File.WriteAllTextAsync(Path.Combine(dir, "here"), here);
            var withClone = Outputs((await InProcessCli.ScriptAsync("pr-branch", "sql/x.sql\n", "7", "opened", Path.Combine(dir, "config"), "-", Path.Combine(dir, "here"))).StandardOutput);
            Assert.Equal(("true", string.Empty), (withClone["run"], withClone["reason"]));

            // The status of another clone (absent) does not count for this one: refused.
            await File.WriteAllTextAsync(Path.Combine(dir, "other"), gone);
            var other = await InProcessCli.ScriptAsync("pr-branch", "sql/x.sql\n", "7", "opened", Path.Combine(dir, "config"), "-", Path.Combine(dir, "other"));
            Assert.Equal((2, string.Empty), (other.ExitCode, other.StandardOutput));

            await Pg.ExecuteAsync("postgres", $"DROP DATABASE \"{Clone}\" WITH (FORCE)");
            await File.WriteAllTextAsync(Path.Combine(dir, "gone"), (await Cli("status", "--json")).Out);
            var without = Outputs((await InProcessCli.ScriptAsync("pr-branch", "sql/x.sql\n", "7", "opened", Path.Combine(dir, "config"), "-", Path.Combine(dir, "gone"))).StandardOutput);
            Assert.Equal("false", without["run"]);
            Assert.Contains($"the clone {Clone} does not exist", without["reason"], StringComparison.Ordinal);
            var closed = Outputs((await InProcessCli.ScriptAsync("pr-branch", string.Empty, "7", "closed", Path.Combine(dir, "config"), "-", Path.Combine(dir, "gone"))).StandardOutput);
            Assert.Equal(("true", string.Empty), (closed["teardown"], closed["reason"]));

            var failed = (await Cli("status", "--json", "-c", "port=1")).Out;
            await File.WriteAllTextAsync(Path.Combine(dir, "failed"), failed);
            var bad = await InProcessCli.ScriptAsync("pr-branch", "sql/x.sql\n", "7", "opened", Path.Combine(dir, "config"), "-", Path.Combine(dir, "failed"));
            Assert.Equal((2, string.Empty), (bad.ExitCode, bad.StandardOutput));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
