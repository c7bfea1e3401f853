using GovClone.Configuration;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Tests.Support;

namespace GovClone.Tests.Sql;

/// <summary>The checked-in suite file against its generator: no server.</summary>
public class RegressionSuiteFileTests
{
    [Fact]
    public void The_checked_in_suite_is_exactly_what_the_generator_renders() =>
        Assert.Equal(RegressionSuite.Render(SeedProfile.Committed), File.ReadAllText(RegressionSuiteTests.RepoFile("sql/A_coverage_regression_suite_clone.sql")));
}

public class RegressionSuiteTests : CloneTestBase
{
    internal static string RepoFile(string relative) =>
        Path.Combine(SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory), relative);

    private async Task<ProcessResult> RunSuiteWithPsqlAsync(string? extraArgs = null)
    {
        var args = new List<string> { "-X", "-h", Pg.Server.Host, "-p", Pg.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", Pg.Server.SuperUser, "-d", Clone, "-P", "pager=off", "-f", "-" };
        if (extraArgs is not null)
        {
            args.InsertRange(0, ["-v", extraArgs]);
        }

        return await ProcessRunner.RunAsync(new ProcessSpec(Path.Combine(Pg.Server.BinDirectory, "psql"), args)
        {
            StandardInput = File.ReadAllText(RepoFile("sql/A_coverage_regression_suite_clone.sql")),
            Environment = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password },
        });
    }

    [Fact]
    public async Task Plain_psql_passes_on_the_committed_state_and_fails_on_one_row_of_drift()
    {
        await Lifecycle.UpAsync();
        var pass = await RunSuiteWithPsqlAsync("ON_ERROR_STOP=1");
        Assert.Equal(0, pass.ExitCode);
        Assert.Contains("PASS (11 metrics)", pass.StandardError, StringComparison.Ordinal);
        Assert.Contains("cand_object", pass.StandardOutput, StringComparison.Ordinal);

        await Pg.ExecuteAsync(Clone, "DELETE FROM gov_worker_cursor");
        // The runbook's exact command has no -v ON_ERROR_STOP=1: the file sets it itself.
        var fail = await RunSuiteWithPsqlAsync();
        Assert.Equal(3, fail.ExitCode);
        Assert.Contains("DRIFT: cursor have 0 want 1 (clone-test-worker, wm-2, events_seen=20)", fail.StandardError, StringComparison.Ordinal);
        Assert.Contains("DRIFT", fail.StandardOutput, StringComparison.Ordinal);
    }
}
