using GovClone.Tests.Lifecycle;
using GovClone.Tests.Support;

namespace GovClone.Tests.Scripts;

/// <summary>
/// scripts/failed-tests, which .ci/run uses to name the failed tests just above its last line, on lines dotnet test
/// printed in this repo's own runs (a fact, theory cases with a quoted and an unquoted argument, the [FAIL] line xUnit
/// prints first, the error message and stack trace that follow).
/// </summary>
public class FailedTestsScriptTests
{
    private const string CoreLog = """
        [xUnit.net 00:00:26.32]     GovClone.Tests.Deploy.ChangeSemanticsTests.No_config_change_updates_a_provider_managed_database_or_grant_in_place [FAIL]
          Failed GovClone.Tests.Deploy.ChangeSemanticsTests.No_config_change_updates_a_provider_managed_database_or_grant_in_place [610 ms]
          Error Message:
           System.InvalidOperationException : no variant for masking: add one here
          Stack Trace:
             at GovClone.Tests.Deploy.DeployPlanTests.Variants()+MoveNext() in /work/wt/merge/tests/GovClone.Tests/Deploy/DeployPlanTests.cs:line 76
          Failed GovClone.Tests.Lifecycle.CloneMethodTests.A_streams_clone_relays_with_stdbuf_when_it_works_and_without_it_otherwise(stdbufWorks: True) [37 s]
          Failed GovClone.Tests.Lifecycle.SchemaFidelityTests.A_clone_equals_the_source_at_schema_level_and_stays_so_through_re_clones_and_the_spare(method: "dump [a b]") [1 s]
          Passed GovClone.Tests.Lifecycle.CloneMethodTests.Another [2 s]
        Failed!  - Failed:     3, Passed:   715, Skipped:     0, Total:   718, Duration: 42 m 22 s - GovClone.Tests.dll (net10.0)
        """;

    [Fact]
    public async Task Names_each_failed_test_once_from_dotnet_tests_own_lines()
    {
        using var dir = new FaultTests.TempDirectory();
        var core = Path.Combine(dir.Path, "core.log");
        var pulumi = Path.Combine(dir.Path, "pulumi.log");
        await File.WriteAllTextAsync(core, CoreLog);
        await File.WriteAllTextAsync(pulumi, "  Failed GovCloneInfra.Tests.StackTests.Up_registers_the_clone [3 s]\n"
            + "  Failed GovClone.Tests.Deploy.ChangeSemanticsTests.No_config_change_updates_a_provider_managed_database_or_grant_in_place [1 s]\n");

        var run = await InProcessCli.ScriptAsync("failed-tests", null, core, pulumi, Path.Combine(dir.Path, "never-written.log"));
        Assert.True(run.Succeeded, run.StandardError);
        Assert.Equal(
        [
            "GovClone.Tests.Deploy.ChangeSemanticsTests.No_config_change_updates_a_provider_managed_database_or_grant_in_place",
            "GovClone.Tests.Lifecycle.CloneMethodTests.A_streams_clone_relays_with_stdbuf_when_it_works_and_without_it_otherwise(stdbufWorks: True)",
            "GovClone.Tests.Lifecycle.SchemaFidelityTests.A_clone_equals_the_source_at_schema_level_and_stays_so_through_re_clones_and_the_spare(method: \"dump [a b]\")",
            "GovCloneInfra.Tests.StackTests.Up_registers_the_clone",
        ], run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_passing_run_names_none_and_no_log_is_refused()
    {
        using var dir = new FaultTests.TempDirectory();
        var log = Path.Combine(dir.Path, "core.log");
        await File.WriteAllTextAsync(log, "Passed!  - Failed:     0, Passed:   718, Skipped:     0, Total:   718, Duration: 42 m - GovClone.Tests.dll (net10.0)\n");
        var run = await InProcessCli.ScriptAsync("failed-tests", null, log);
        Assert.True(run.Succeeded, run.StandardError);
        Assert.Equal("", run.StandardOutput);

        var none = await InProcessCli.ScriptAsync("failed-tests", null);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("give one or more dotnet test logs", none.StandardError, StringComparison.Ordinal);
    }
}
