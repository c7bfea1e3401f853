using GovClone.Tests.Lifecycle;
using GovClone.Tests.Support;

namespace GovClone.Tests.Scripts;

/// <summary>
/// scripts/ci-tally, .ci/run's counting: the sums of a dotnet test step's xUnit summaries, an exit without a failing
/// test counted as one failure, and CI's last line. The logs are lines dotnet test printed in this repo's own runs (the
/// core step's summary, the Pulumi layer's, a build that did not compile).
/// </summary>
public class CiTallyScriptTests
{
    // Printed by `dotnet test src/GovClone.sln` in the CI rehearsal of 086011f.
    private const string CorePassed = "Passed!  - Failed:     0, Passed:   736, Skipped:     0, Total:   736, Duration: 11 m 6 s - GovClone.Tests.dll (net10.0)";

    // Printed by the Pulumi layer's tests against the real SDKs, and by `dotnet test src/GovClone.sln` in a run with two
    // failures (both from this repo's logs).
    private const string PulumiPassed = "Passed!  - Failed:     0, Passed:    49, Skipped:     0, Total:    49, Duration: 1 m 38 s - GovCloneInfra.Tests.dll (net10.0)";
    private const string CoreFailed = "Failed!  - Failed:     2, Passed:   731, Skipped:     0, Total:   733, Duration: 8 m 1 s - GovClone.Tests.dll (net10.0)";

    // Printed by dotnet test (SDK 10) on a two-test xUnit project, one test skipped; then on the same project once it
    // no longer compiled: errors, no summary at all.
    private const string OneSkipped = "Passed!  - Failed:     0, Passed:     1, Skipped:     1, Total:     2, Duration: 37 ms - Broken.Tests.dll (net10.0)";
    private const string BuildFailed = """
          Determining projects to restore...
          All projects are up-to-date for restore.
        /tmp/broken/Broken.Tests/UnitTest1.cs(5,41): error CS1002: ; expected [/tmp/broken/Broken.Tests/Broken.Tests.csproj]
        """;

    [Fact]
    public async Task Count_sums_every_assemblys_summary_of_a_step()
    {
        using var dir = new FaultTests.TempDirectory();
        var log = Path.Combine(dir.Path, "core.log");
        await File.WriteAllTextAsync(log, string.Join('\n', CoreFailed, OneSkipped, "    " + PulumiPassed, ""));

        var run = await InProcessCli.ScriptAsync("ci-tally", null, "count", log, "1");
        Assert.True(run.Succeeded, run.StandardError);
        Assert.Equal("2 781 1\n", run.StandardOutput);
    }

    [Fact]
    public async Task Count_of_a_passing_step_is_its_summary_and_says_nothing_more()
    {
        using var dir = new FaultTests.TempDirectory();
        var log = Path.Combine(dir.Path, "core.log");
        await File.WriteAllTextAsync(log, CorePassed + "\n");

        var run = await InProcessCli.ScriptAsync("ci-tally", null, "count", log, "0");
        Assert.True(run.Succeeded, run.StandardError);
        Assert.Equal("0 736 0\n", run.StandardOutput);
    }

    [Theory]
    [InlineData("build")] // the project did not compile: no summary, exit 1
    [InlineData("passed")] // every test passed, yet the step exited 1 (a crashed test host after its summary)
    [InlineData("none")] // the step never wrote its log
    public async Task Count_takes_an_exit_without_a_failing_test_as_one_failure_and_says_why(string log)
    {
        using var dir = new FaultTests.TempDirectory();
        var path = Path.Combine(dir.Path, "core.log");
        if (log != "none")
        {
            await File.WriteAllTextAsync(path, log == "build" ? BuildFailed : CorePassed + "\n");
        }

        var run = await InProcessCli.ScriptAsync("ci-tally", null, "count", path, "1");
        Assert.True(run.Succeeded, run.StandardError);
        Assert.Equal($"1 {(log == "passed" ? 736 : 0)} 0\nexited 1 without a failing test\n", run.StandardOutput);
    }

    [Theory]
    [InlineData("740", "0", "0", "740 passed, 0 failed")]
    [InlineData("736", "2", "4", "736 passed, 2 failed, 4 skipped")]
    public async Task Line_is_ci_s_last_line_with_skipped_only_when_some_were(string passed, string failed, string skipped, string expected)
    {
        var run = await InProcessCli.ScriptAsync("ci-tally", null, "line", passed, failed, skipped);
        Assert.True(run.Succeeded, run.StandardError);
        Assert.Equal(expected + "\n", run.StandardOutput);
    }

    [Theory]
    [InlineData("count", "log")] // no exit
    [InlineData("count", "log", "one")] // an exit that is not a number
    [InlineData("line", "1", "-1", "0")] // a count that is not a whole number
    [InlineData("sum")] // no such command
    public async Task Bad_arguments_are_refused_with_the_usage(params string[] args)
    {
        var run = await InProcessCli.ScriptAsync("ci-tally", null, args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.StandardOutput);
        Assert.Contains("usage: scripts/ci-tally count LOG EXIT", run.StandardError, StringComparison.Ordinal);
    }
}
