using System.Text.Json.Nodes;
using GovClone.Cli;
using GovClone.Configuration;
using GovClone.Sql;

namespace GovClone.Tests.Cli;

/// <summary>Help, typed options, -c, `govclone config`, shell completion: everything that needs no database.</summary>
public class CliHelpTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => CliRunner.RunAsync(NoEnvironment, args);

    private static string[] Lines(string text) => text.TrimEnd().Split('\n');

    [Fact]
    public async Task Root_help_shows_the_levers_and_the_everyday_options_on_one_screen()
    {
        var (exit, help, _) = await RunAsync("--help");
        Assert.Equal(0, exit);
        Assert.True(Lines(help).Length <= 40, $"{Lines(help).Length} lines:\n{help}");
        Assert.All(Lines(help), l => Assert.True(l.Length <= 80, $"wider than 80 columns: '{l}'"));
        foreach (var word in new[] { "-s, --stack", "--stack-file", "--no-stack-file", "-c, --config", "--json", "-y, --yes", "-v, --verbose" })
        {
            Assert.Contains(word, help, StringComparison.Ordinal);
        }

        foreach (var lever in new[] { "up", "clone", "seed", "verify", "reset", "compact", "drop", "status", "decide", "config", "sandbox" })
        {
            Assert.Contains("\n  " + lever + " ", help, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("--clone-database", help, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 ok, 1 drift or failed, 2 bad input or refused, 130 cancelled", help, StringComparison.Ordinal);
        var (bareExit, bare, _) = await RunAsync();
        Assert.Equal((0, help), (bareExit, bare));
    }

    [Fact]
    public async Task Drop_help_is_at_most_20_lines_and_says_it_asks()
    {
        var (exit, help, _) = await RunAsync("drop", "--help");
        Assert.Equal(0, exit);
        Assert.True(Lines(help).Length <= 20, $"{Lines(help).Length} lines:\n{help}");
        Assert.Contains("--dry-run", help, StringComparison.Ordinal);
        Assert.Contains("-y, --yes", help, StringComparison.Ordinal);
        Assert.Contains("Asks for the clone's name on a terminal", help, StringComparison.Ordinal);
    }

    /// <summary>Item 6: clone's help names how clones are really made, not "pg_dump | psql".</summary>
    [Fact]
    public async Task Clone_help_describes_the_ways_a_clone_is_made()
    {
        var (_, help, _) = await RunAsync("clone", "--help");
        var description = Lines(help)[1];
        Assert.DoesNotContain("pg_dump", description, StringComparison.Ordinal);
        Assert.Contains("template copy or table streams", description, StringComparison.Ordinal);
        foreach (var method in SettingKeys.CloneMethod.Allowed)
        {
            Assert.Contains(method, help, StringComparison.Ordinal);
        }

        // "pg_dump | psql" appears only as what the explicit dump method is.
        Assert.Contains("dump (the runbook's plain pg_dump | psql)", help, StringComparison.Ordinal);
        Assert.Equal(2, help.Split("pg_dump | psql").Length);
    }

    /// <summary>Item 6: the SQL files a lever's help names are the files its --dry-run shows it runs.</summary>
    [Theory]
    [InlineData("seed", SqlScripts.SeedCommitted)]
    [InlineData("reset", SqlScripts.ResetInPlace)]
    [InlineData("compact", SqlScripts.Compact)]
    public async Task A_levers_help_names_the_sql_file_its_dry_run_sends(string lever, string file)
    {
        var (_, help, _) = await RunAsync(lever, "--help");
        Assert.Contains("Runs sql/" + file, help, StringComparison.Ordinal);
        var (exit, output, err) = await RunAsync(lever, "--dry-run", "--json", "--no-stack-file");
        Assert.True(exit == 0, err);
        var (result, _) = CliRunner.Ndjson(output, lever);
        var step = Assert.Single(result["plan"]!.AsArray());
        Assert.Equal(SqlScripts.Get(file), (string?)step!["text"]);
        Assert.Contains("sql/" + file, (string?)step["where"], StringComparison.Ordinal);
    }

    /// <summary>Item 6: the states seed's and reset's help promise are the suite's wants for those profiles.</summary>
    [Fact]
    public async Task Seed_and_reset_help_quote_the_profiles_wants()
    {
        var (_, seed, _) = await RunAsync("--help");
        var evidence = string.Join(" | ", ExpectedState.Committed.Select(m => m.ToString()));
        Assert.StartsWith("own=30", evidence, StringComparison.Ordinal);
        Assert.EndsWith("axis_tables=0", evidence, StringComparison.Ordinal);
        Assert.Contains("(own=30 ... axis_tables=0)", seed, StringComparison.Ordinal);
        var baseline = ExpectedState.Baseline.ToDictionary(m => m.Name, m => m.Value);
        Assert.Equal((0, 210, 0, 0), (baseline["own"], baseline["gap"], baseline["cand_state"], baseline["cand_object"]));
        Assert.Contains("own=0, gap=210, candidates=0", seed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hidden_per_setting_flags_and_c_both_reach_the_settings_with_their_origin()
    {
        var (exit, output, err) = await RunAsync("config", "--no-stack-file", "--json", "--clone-database", "directus_gov_test_flag",
            "-c", "govclone:cloneJobs=3", "-c", "toastCompression=pglz", "--production-rollout-landed");
        Assert.True(exit == 0, err);
        var (result, _) = CliRunner.Ndjson(output, "config");
        var settings = result["settings"]!.AsArray().ToDictionary(s => (string)s!["name"]!, s => s!.AsObject());
        Assert.Equal(("directus_gov_test_flag", "flag", "--clone-database"), Row(settings["cloneDatabase"]));
        Assert.Equal(("3", "flag", "-c cloneJobs"), Row(settings["cloneJobs"]));
        Assert.Equal(("pglz", "flag", "-c toastCompression"), Row(settings["toastCompression"]));
        Assert.Equal("true", (string?)settings["productionRolloutLanded"]["value"]);
        Assert.Equal(("local", "default", null), Row(settings["transport"]));
        Assert.Equal(["local", "docker", "ssh"], settings["transport"]["allowed"]!.AsArray().Select(v => (string)v!));
        Assert.Null((string?)result["stackFile"]);

        static (string?, string?, string?) Row(JsonObject o) => ((string?)o["value"], (string?)o["source"], (string?)o["from"]);
    }

    [Fact]
    public async Task Config_shows_secrets_only_as_set_or_unset_and_where_values_came_from()
    {
        const string password = "pw-that-must-not-show";
        var env = new Dictionary<string, string> { ["GOVCLONE_PASSWORD"] = password, ["GOVCLONE_PORT"] = "6543" };
        var (exit, table, err) = await CliRunner.RunAsync(env, "config");
        Assert.True(exit == 0, err);
        Assert.DoesNotContain(password, table, StringComparison.Ordinal);
        Assert.Contains("Pulumi.nonprod.yaml", table, StringComparison.Ordinal);
        Assert.Matches(@"│ password\s+│ set\s+│ environment GOVCLONE_PASSWORD", table);
        Assert.Matches(@"│ sshPrivateKey\s+│ unset\s+│ default", table);
        Assert.Matches(@"│ port\s+│ 6543\s+│ environment GOVCLONE_PORT\s+│ integer 1-65535\s+│ 5432", table);
        Assert.Matches(@"│ transport\s+│ ssh\s+│ stack file\s+│ local\|docker\|ssh\s+│ local", table);
        Assert.Matches(@"│ lockTimeoutSeconds\s+│ 30\s+│ default", table);

        var (_, json, _) = await CliRunner.RunAsync(env, "config", "password", "--json");
        Assert.DoesNotContain(password, json, StringComparison.Ordinal);
        var row = Assert.Single(CliRunner.Ndjson(json, "config").Result["settings"]!.AsArray())!;
        Assert.Equal((true, true, (string?)null, "GOVCLONE_PASSWORD"), ((bool)row["secret"]!, (bool)row["set"]!, (string?)row["value"], (string?)row["from"]));
    }

    [Fact]
    public async Task Config_still_lists_everything_when_a_value_is_wrong_then_exits_2_naming_it()
    {
        var (exit, table, err) = await RunAsync("config", "-c", "transport=ftp");
        Assert.Equal(2, exit);
        Assert.Matches(@"│ transport\s+│ ftp\s+│ flag -c transport", table);
        Assert.Contains("govclone:transport", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("transport=ftp", "govclone:transport", "local, docker, ssh")]
    [InlineData("govclone:cloneMethod=rsync", "govclone:cloneMethod", "auto, streams, dump, template, source-template")]
    [InlineData("productionRolloutLanded=maybe", "govclone:productionRolloutLanded", "true or false")]
    [InlineData("sslMode=sometimes", "govclone:sslMode", "disable, allow, prefer, require, verify-ca, verify-full")]
    [InlineData("cloneDatabse=directus_gov_test_x", "govclone:cloneDatabse", "cloneDatabase")]
    [InlineData("port", "-c/--config", "KEY=VALUE")]
    public async Task Bad_c_values_exit_2_naming_the_key_and_the_allowed_values(string item, string names, string lists)
    {
        var (exit, _, err) = await RunAsync("up", "-c", item);
        Assert.Equal(2, exit);
        Assert.Contains(names, err, StringComparison.Ordinal);
        Assert.Contains(lists, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("verify", "--profile", "everything")]
    [InlineData("suite", "--profile", "Everything")]
    public async Task A_bad_value_of_a_typed_option_is_refused_with_the_list(string lever, string option, string value)
    {
        var (exit, _, err) = await RunAsync(lever, option, value);
        Assert.Equal(2, exit);
        Assert.Contains($"{option}: '{value}' is not one of committed, baseline", err, StringComparison.Ordinal);
        var (_, help, _) = await RunAsync(lever, "--help");
        Assert.Contains("--profile <committed|baseline>", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password=hunter2", "GOVCLONE_PASSWORD")]
    [InlineData("sshPrivateKey=hunter2", "GOVCLONE_SSH_PRIVATE_KEY")]
    public async Task A_secret_is_never_taken_from_the_command_line(string item, string fix)
    {
        var (exit, output, err) = await RunAsync("status", "-c", item);
        Assert.Equal(2, exit);
        Assert.Contains(fix, err, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output + err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("govclone dr", "drop")]
    [InlineData("./govclone dr", "drop")]
    [InlineData("govclone config clone", "cloneDatabase\ncloneGeneration\ncloneJobs\ncloneMethod")]
    [InlineData("govclone verify --profile ", "baseline\ncommitted")]
    [InlineData("govclone up --transport ", "docker\nlocal\nssh")]
    [InlineData("govclone up -c transport=", "transport=docker\ntransport=local\ntransport=ssh")]
    [InlineData("govclone up -c cloneMeth", "cloneMethod=")]
    public async Task Shell_completion_through_the_suggest_directive(string line, string expected)
    {
        var (exit, output, err) = await RunAsync($"[suggest:{line.Length}]", line);
        Assert.True(exit == 0, err);
        Assert.Equal(expected, output.Trim().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Json_parse_errors_still_end_in_a_result_document()
    {
        var (exit, output, err) = await RunAsync("drop", "--json", "--no-such-option");
        Assert.Equal(2, exit);
        Assert.Contains("--no-such-option", err, StringComparison.Ordinal);
        var (result, _) = CliRunner.Ndjson(output, "drop");
        Assert.Equal("bad-input", (string?)result["error"]!["kind"]);
    }

    [Theory]
    [InlineData("script")]
    [InlineData("suite")]
    public async Task Text_only_commands_refuse_json(string command)
    {
        var (exit, output, err) = await RunAsync(command, "--json", "--no-stack-file");
        Assert.Equal(2, exit);
        Assert.Contains("--json", err, StringComparison.Ordinal);
        Assert.Equal("--json", (string?)CliRunner.Ndjson(output, command).Result["error"]!["setting"]);
    }

    [Fact]
    public async Task Decide_refuses_json_and_markdown_together()
    {
        var (exit, _, err) = await RunAsync("decide", "--json", "--markdown");
        Assert.Equal(2, exit);
        Assert.Contains("--markdown: cannot be combined with --json", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stack_that_is_nowhere_names_where_it_looked_and_how_to_point_at_one()
    {
        var (exit, _, err) = await RunAsync("status", "-s", "nope");
        Assert.Equal(2, exit);
        Assert.Contains("no stack file Pulumi.nope.yaml in " + CliRunner.RepoRoot, err, StringComparison.Ordinal);
        Assert.Contains("--stack-file PATH", err, StringComparison.Ordinal);
        Assert.Contains("-s NAME", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_says_where_each_setting_came_from_and_what_runs_where()
    {
        var env = new Dictionary<string, string> { ["GOVCLONE_HOST"] = "db.internal", ["GOVCLONE_PASSWORD"] = "pw-not-shown" };
        var (exit, script, err) = await CliRunner.RunAsync(env, "script", "-v", "--no-stack-file", "-c", "port=6000", "--transport", "docker");
        Assert.True(exit == 0, err);
        Assert.StartsWith("# govclone clone engine: ", script, StringComparison.Ordinal);
        Assert.Contains("govclone: stack file: none\n", err, StringComparison.Ordinal);
        Assert.Contains("govclone: govclone:port = 6000 (flag -c port)", err, StringComparison.Ordinal);
        Assert.Contains("govclone: govclone:host = db.internal (environment GOVCLONE_HOST)", err, StringComparison.Ordinal);
        Assert.Contains("govclone: govclone:transport = docker (flag --transport)", err, StringComparison.Ordinal);
        Assert.Contains("govclone: govclone:password = set (environment GOVCLONE_PASSWORD)", err, StringComparison.Ordinal);
        Assert.Contains("govclone: server-side steps run through: docker exec -i postgres bash -s (the password, if any, on its stdin)", err, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-not-shown", script + err, StringComparison.Ordinal);
    }

    /// <summary>The hook the engine's govclone-event lines will stream through: one JSON object per line, or nothing.</summary>
    [Fact]
    public void Engine_event_lines_pass_through_as_ndjson_and_anything_else_is_dropped()
    {
        var output = new StringWriter();
        var json = new JsonOutput(output);
        json.EngineEvent("""{"event":"method","method":"streams"}""");
        json.EngineEvent("not json");
        json.EngineEvent("""{"no":"event field"}""");
        json.EngineEvent("{\"event\":\"step\",\n\"name\":\"split\"}");
        json.Result("clone", 0, new { changed = true });
        json.Result("clone", 1, new { changed = false });
        var (result, events) = CliRunner.Ndjson(output.ToString(), "clone");
        var e = Assert.Single(events);
        Assert.Equal("""{"event":"method","method":"streams"}""", e.ToJsonString());
        Assert.True((bool)result["changed"]!);
    }
}
