using System.Text.Json.Nodes;
using GovClone.Tests.Support;
using GovClone.Tests.Workflows.Runner;

namespace GovClone.Tests.Workflows;

/// <summary>
/// The workflows end to end (issue 23): each job's steps run in order from the workflow files, as a runner runs them
/// (<see cref="WorkflowRunner"/>), with stand-ins only for pulumi (its up and destroy run the program's Commands, the
/// core's DeployPlan, against the tests' server), gh and ssh (a tunnel to that server, checked against the job's own ssh
/// files). Every run must succeed, leave each runner's own ~/.ssh/config and known_hosts as they were, write its job
/// summaries in Markdown, and show the password nowhere: not in a log, a summary, a comment or any stand-in's argv.
/// </summary>
public sealed class WorkflowSequenceTests : CloneTestBase
{
    private WorkflowLab _lab = null!;
    private Expressions _expressions = null!;
    private WorkflowRunner _runner = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _lab = await WorkflowLab.CreateAsync(Pg, Clone);
        _expressions = await Expressions.StartAsync();
        _runner = new WorkflowRunner(_lab, _expressions);
    }

    public override async Task DisposeAsync()
    {
        await _expressions.DisposeAsync();
        await _lab.DisposeAsync();
        foreach (var db in await DatabasesAsync())
        {
            await Pg.ExecuteAsync("postgres", $"ALTER DATABASE \"{db}\" IS_TEMPLATE false");
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)");
        }

        await base.DisposeAsync();
    }

    [Fact]
    public async Task WorkflowSequence_pr_opened_then_the_main_stack_torn_down_then_the_pr_closed_removes_the_pr_stack()
    {
        await ConvergeNonprodAsync();

        var head = await _lab.PullRequestHeadAsync(42);
        var opened = await RunAsync("preview.yml", _lab.PullRequest(42, "opened", head));
        Assert.True(opened["preview"].Ran && opened["branch"].Ran && !opened["branch-teardown"].Ran);
        Assert.True(await Pg.DatabaseExistsAsync(Clone + "_pr_42"));
        Assert.Contains("(committed): PASS", Assert.Single(_lab.Comments(42)), StringComparison.Ordinal);
        Assert.Equal(["nonprod", "pr-42"], await _lab.StacksAsync());

        var teardown = await RunAsync("teardown.yml", _lab.Dispatch(new JsonObject { ["production_seed_verified"] = true, ["follow_ups"] = new JsonArray() }));
        Assert.Contains("Decision: **DROP**", teardown["teardown"].Summary, StringComparison.Ordinal);
        Assert.Equal([], await DatabasesAsync()); // the clone, its family and the PR's branch
        Assert.Equal(["pr-42"], await _lab.StacksAsync());

        // The PR closes after nonprod's stack is gone: its own stack is destroyed and removed all the same.
        var closed = await RunAsync("preview.yml", _lab.PullRequest(42, "closed", head));
        Assert.True(closed["branch-teardown"].Ran && !closed["branch"].Ran && !closed["preview"].Ran);
        Assert.Contains("`pr-42` is destroyed", closed["branch-teardown"].Summary, StringComparison.Ordinal);
        Assert.Equal([], await _lab.StacksAsync());
        Assert.Equal([], await DatabasesAsync());
        Assert.False(File.Exists(Path.Combine(_lab.Root, "engineer", "Pulumi.pr-42.yaml")));
    }

    [Fact]
    public async Task WorkflowSequence_two_prs_at_once_each_get_and_lose_their_own_branch_and_the_clone_stays()
    {
        await ConvergeNonprodAsync();
        var heads = new Dictionary<int, string> { [41] = await _lab.PullRequestHeadAsync(41), [43] = await _lab.PullRequestHeadAsync(43) };

        var opened = await Task.WhenAll(heads.Select(h => RunAsync("preview.yml", _lab.PullRequest(h.Key, "opened", h.Value))));
        Assert.All(opened, run => Assert.True(run["branch"].Ran));
        foreach (var n in heads.Keys)
        {
            Assert.True(await Pg.DatabaseExistsAsync($"{Clone}_pr_{n}"), $"pr_{n}");
            Assert.Contains($"`{Clone}_pr_{n}` (committed): PASS", Assert.Single(_lab.Comments(n)), StringComparison.Ordinal);
        }

        Assert.Equal(["nonprod", "pr-41", "pr-43"], await _lab.StacksAsync());

        // A second push to one of them while the other closes.
        var again = RunAsync("preview.yml", _lab.PullRequest(41, "synchronize", heads[41]));
        var close43 = RunAsync("preview.yml", _lab.PullRequest(43, "closed", heads[43]));
        await Task.WhenAll(again, close43);
        Assert.Equal(2, _lab.Comments(41).Count);
        Assert.False(await Pg.DatabaseExistsAsync($"{Clone}_pr_43"));
        Assert.True(await Pg.DatabaseExistsAsync($"{Clone}_pr_41"));
        Assert.Equal(["nonprod", "pr-41"], await _lab.StacksAsync());

        await RunAsync("preview.yml", _lab.PullRequest(41, "closed", heads[41]));
        Assert.Equal(["nonprod"], await _lab.StacksAsync());
        var left = await DatabasesAsync();
        Assert.DoesNotContain(left, d => d.Contains("_pr_", StringComparison.Ordinal));
        Assert.Contains(Clone, left);
        Assert.Contains(Kept.TemplateDatabase, left);
        var verify = await RunAsync("lever.yml", _lab.Manual(new JsonObject { ["lever"] = "verify", ["confirm"] = string.Empty }));
        Assert.Contains("Suite (committed): PASS", verify["lever"].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowSequence_a_teardown_run_again_changes_nothing_and_succeeds()
    {
        await ConvergeNonprodAsync();
        var payload = new JsonObject { ["production_seed_verified"] = "true", ["follow_ups"] = string.Empty };

        var first = await RunAsync("teardown.yml", _lab.Dispatch(payload));
        Assert.Contains("`nonprod` is destroyed and removed", first["teardown"].Summary, StringComparison.Ordinal);
        Assert.Equal([], await DatabasesAsync());
        Assert.Equal([], await _lab.StacksAsync());

        var second = await RunAsync("teardown.yml", _lab.Dispatch((JsonObject)payload.DeepClone()));
        Assert.Contains("Decision: **DROP**", second["teardown"].Summary, StringComparison.Ordinal);
        Assert.Contains("`nonprod` was removed already", second["teardown"].Summary, StringComparison.Ordinal);
        Assert.Contains("does not exist", second["teardown"].Summary, StringComparison.Ordinal); // govclone drop: nothing to drop
        Assert.Equal([], await DatabasesAsync());
        Assert.Equal([], await _lab.StacksAsync());

        // A rollout with a follow-up still queued retains, and says so, whatever ran before.
        var retained = await RunAsync("teardown.yml", _lab.Dispatch(new JsonObject { ["production_seed_verified"] = true, ["follow_ups"] = new JsonArray("axis") }));
        Assert.Contains("RETAIN", retained["teardown"].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowSequence_the_sweep_removes_what_closed_prs_left_and_nothing_of_open_ones()
    {
        await ConvergeNonprodAsync();
        var head44 = await _lab.PullRequestHeadAsync(44);
        var head45 = await _lab.PullRequestHeadAsync(45);
        await RunAsync("preview.yml", _lab.PullRequest(44, "opened", head44));
        await RunAsync("preview.yml", _lab.PullRequest(45, "opened", head45));
        // PR 44 closes, but its close never ran (the job failed or was skipped). Someone also made a branch pr_46 by
        // hand for a closed PR, owner pr-46 (the workflow's label), and one pr_47 as themselves.
        var kept = Kept;
        await new GovClone.Lifecycle.BranchLifecycle(kept).CreateAsync("pr_46", new GovClone.Lifecycle.BranchCreateOptions(GovClone.Configuration.SeedProfile.Committed, "pr-46"));
        await new GovClone.Lifecycle.BranchLifecycle(kept).CreateAsync("pr_47", new GovClone.Lifecycle.BranchCreateOptions(GovClone.Configuration.SeedProfile.Committed, "someone"));
        await _lab.SetOpenPullRequestsAsync(45);

        var sweep = await RunAsync("sweep.yml", _lab.Schedule());
        var summary = sweep["sweep"].Summary;
        Assert.Contains("| stack | `pr-44` | destroyed", summary, StringComparison.Ordinal);
        Assert.Contains("| branch | `pr_46` | dropped", summary, StringComparison.Ordinal);
        Assert.Equal(["nonprod", "pr-45"], await _lab.StacksAsync());
        var left = await DatabasesAsync();
        Assert.DoesNotContain($"{Clone}_pr_44", left);
        Assert.DoesNotContain($"{Clone}_pr_46", left);
        Assert.Contains($"{Clone}_pr_45", left);
        Assert.Contains($"{Clone}_pr_47", left);

        var again = await RunAsync("sweep.yml", _lab.Schedule());
        Assert.Contains("| - | - | nothing |", again["sweep"].Summary, StringComparison.Ordinal);
    }

    private GovClone.Configuration.GovCloneSettings Kept => Settings with { RetainTemplate = GovClone.Configuration.RetainTemplate.Yes };

    /// <summary>nonprod as an engineer makes it (README: pulumi stack init nonprod), then the lever workflow's pulumi-up.</summary>
    private async Task ConvergeNonprodAsync()
    {
        var init = await _lab.PulumiAsync("stack", "init", "nonprod");
        Assert.True(init.Ok, init.Output);
        var up = await RunAsync("lever.yml", _lab.Manual(new JsonObject { ["lever"] = "pulumi-up", ["confirm"] = string.Empty }));
        Assert.Contains("| drift | none |", up["lever"].Summary, StringComparison.Ordinal); // the status after pulumi up, as a Markdown table
        var status = await InProcessCli.RunAsync(Pg, Clone, "status", "--json");
        Assert.Contains("\"complete\":true", status.Out, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(Kept.TemplateDatabase), "no retained template to branch from");
    }

    /// <summary>Runs <paramref name="workflow"/> for <paramref name="ev"/>: it must succeed, leave the runners' own ssh files, write Markdown summaries and show no secret.</summary>
    private async Task<WorkflowRun> RunAsync(string workflow, WorkflowEvent ev)
    {
        var run = await _runner.RunAsync(workflow, ev);
        Assert.True(run.Succeeded, run.Log);
        foreach (var job in run.Jobs.Where(j => j.Ran))
        {
            Assert.Equal(WorkflowLab.RunnerSshConfig, await File.ReadAllTextAsync(Path.Combine(job.Home, ".ssh", "config")));
            Assert.Equal(WorkflowLab.RunnerKnownHosts, await File.ReadAllTextAsync(Path.Combine(job.Home, ".ssh", "known_hosts")));
            Assert.DoesNotMatch("[─│┌┐└┘├┤┬┴┼╭╮╯╰═║]", job.Summary); // GitHub's Markdown, not the terminal's box tables
            Assert.DoesNotContain(Pg.Password, job.Summary, StringComparison.Ordinal);
            Assert.DoesNotContain(Pg.Password, job.Log, StringComparison.Ordinal);
        }

        Assert.All(Directory.Exists(Path.Combine(_lab.GhDirectory, "comments")) ? Directory.GetFiles(Path.Combine(_lab.GhDirectory, "comments"), "*", SearchOption.AllDirectories) : [],
            f => Assert.DoesNotContain(Pg.Password, File.ReadAllText(f), StringComparison.Ordinal));
        if (File.Exists(_lab.ArgvLog))
        {
            Assert.DoesNotContain(Pg.Password, await File.ReadAllTextAsync(_lab.ArgvLog), StringComparison.Ordinal);
        }

        return run;
    }

    /// <summary>Every database whose name starts with the clone's (the clone, its family, its branches).</summary>
    private async Task<List<string>> DatabasesAsync()
    {
        var list = new List<string>();
        await using var conn = await Pg.OpenAsync("postgres");
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY 1", conn);
        cmd.Parameters.AddWithValue(Clone);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(r.GetString(0));
        }

        return list;
    }
}
