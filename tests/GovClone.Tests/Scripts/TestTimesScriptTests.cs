using GovClone.Tests.Lifecycle;
using GovClone.Tests.Support;

namespace GovClone.Tests.Scripts;

/// <summary>
/// scripts/test-times on a TRX file: three result lines as `dotnet test --logger trx` wrote them in this repo's own
/// run (a theory's case with its quoted argument, a plain fact of the same class, a two-minute test of another class).
/// </summary>
public class TestTimesScriptTests
{
    private const string Trx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="x" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult executionId="37fdebac-e3b3-49a7-9054-3fce7b97386d" testId="54242180-a159-408f-3a19-5ce1d917ae81" testName="GovClone.Tests.Lifecycle.GuardTests.Every_mutating_file_refuses_to_run_in_production(file: &quot;compact.sql&quot;)" computerName="vm" duration="00:00:00.9306311" startTime="2026-12-06T18:54:21.9453123+00:00" endTime="2026-12-06T18:54:24.9059834+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Passed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="37fdebac-e3b3-49a7-9054-3fce7b97386d" />
            <UnitTestResult executionId="b4e8c27a-479b-4ab3-bbc2-820c83501749" testId="78371c6e-d5f1-f35b-64b4-4d5d6e435cbd" testName="GovClone.Tests.Lifecycle.GuardTests.Every_mutating_file_refuses_to_run_in_production(file: &quot;seed_committed_state.sql&quot;)" computerName="vm" duration="00:00:01.7973187" startTime="2026-12-06T18:54:30.5443423+00:00" endTime="2026-12-06T18:54:33.8765456+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Failed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="b4e8c27a-479b-4ab3-bbc2-820c83501749" />
            <UnitTestResult executionId="37b21337-634b-4a77-b3fc-d281a24d3285" testId="64e10b48-61df-d978-96c9-cdbcd4934d43" testName="GovClone.Tests.Replay.TransitionTests.Transition_cloneDatabase_change_replaces_the_clone_family_dropping_the_old_one_first_never_renaming" computerName="vm" duration="00:02:06.5277053" startTime="2026-12-06T18:57:05.7405376+00:00" endTime="2026-12-06T18:59:13.9418036+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Passed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="37b21337-634b-4a77-b3fc-d281a24d3285" />
          </Results>
        </TestRun>
        """;

    [Fact]
    public async Task The_slowest_tests_and_each_class_summed_from_a_trx_file()
    {
        using var dir = new FaultTests.TempDirectory();
        var trx = Path.Combine(dir.Path, "t.trx");
        await File.WriteAllTextAsync(trx, Trx);

        var all = await InProcessCli.ScriptAsync("test-times", null, trx);
        Assert.True(all.Succeeded, all.StandardError);
        var lines = all.StandardOutput.Split('\n');
        Assert.Equal("3 tests, 129 s summed", lines[0]);
        var slowest = lines.SkipWhile(l => !l.StartsWith("slowest 30 tests", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.Length > 0).ToArray();
        Assert.Equal(
        [
            "126.5\tPassed\tGovClone.Tests.Replay.TransitionTests.Transition_cloneDatabase_change_replaces_the_clone_family_dropping_the_old_one_first_never_renaming",
            "1.8\tFailed\tGovClone.Tests.Lifecycle.GuardTests.Every_mutating_file_refuses_to_run_in_production(file: \"seed_committed_state.sql\")",
            "0.9\tPassed\tGovClone.Tests.Lifecycle.GuardTests.Every_mutating_file_refuses_to_run_in_production(file: \"compact.sql\")",
        ], slowest);
        var classes = lines.SkipWhile(l => !l.StartsWith("per class", StringComparison.Ordinal)).Skip(1).Where(l => l.Length > 0).ToArray();
        Assert.Equal(["126.5\t1\tGovClone.Tests.Replay.TransitionTests", "2.7\t2\tGovClone.Tests.Lifecycle.GuardTests"], classes);

        var one = await InProcessCli.ScriptAsync("test-times", null, trx, "1");
        Assert.Contains("slowest 1 tests", one.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("compact.sql", one.StandardOutput.Split("per class")[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_whole_runs_results_list_the_slowest_and_every_class()
    {
        // A whole suite's worth of results: the sorted list outgrows a pipe's buffer, so a reader that stops after N lines
        // (head) would end the script by SIGPIPE before the per-class part (it did, on this repo's 696-test run).
        var line = Trx.Split('\n').First(l => l.Contains("TransitionTests", StringComparison.Ordinal));
        var many = string.Join('\n', Enumerable.Range(0, 2000).Select(i => line.Replace("never_renaming", $"never_renaming_{i}", StringComparison.Ordinal)));
        using var dir = new FaultTests.TempDirectory();
        var trx = Path.Combine(dir.Path, "t.trx");
        await File.WriteAllTextAsync(trx, Trx.Replace("</Results>", many + "\n</Results>", StringComparison.Ordinal));

        var run = await InProcessCli.ScriptAsync("test-times", null, trx, "5");
        Assert.True(run.Succeeded, $"exit {run.ExitCode}: {run.StandardError}");
        var lines = run.StandardOutput.Split('\n');
        Assert.Equal("2003 tests, 253129 s summed", lines[0]);
        Assert.Equal(5, lines.SkipWhile(l => !l.StartsWith("slowest 5 tests", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.Length > 0).Count());
        Assert.Contains("253126.5\t2001\tGovClone.Tests.Replay.TransitionTests", lines);
    }

    [Theory]
    [InlineData(false, "30")]
    [InlineData(true, "ten")]
    public async Task A_missing_file_or_a_count_that_is_not_a_number_is_refused(bool fileExists, string count)
    {
        using var dir = new FaultTests.TempDirectory();
        var trx = Path.Combine(dir.Path, "t.trx");
        if (fileExists)
        {
            await File.WriteAllTextAsync(trx, Trx);
        }

        var run = await InProcessCli.ScriptAsync("test-times", null, trx, count);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("test-times: ", run.StandardError, StringComparison.Ordinal);
    }
}
