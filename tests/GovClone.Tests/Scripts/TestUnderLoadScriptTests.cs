using System.Globalization;
using System.Text.RegularExpressions;
using GovClone.Tests.Support;

namespace GovClone.Tests.Scripts;

/// <summary>
/// scripts/test-under-load (issue 23.6): dotnet test beside CPU hogs, ending in one line with dotnet test's exit code and
/// wall time, every hog stopped when it returns. Run on dotnet test's own quick paths (its help; a project that is not there).
/// </summary>
public partial class TestUnderLoadScriptTests
{
    [Theory]
    [InlineData("--help", 0)]
    [InlineData("no-such-project.csproj", 1)]
    public async Task It_reports_dotnet_tests_exit_code_and_wall_time_and_stops_its_hogs(string dotnetTestArgument, int exitCode)
    {
        var run = await InProcessCli.ScriptAsync("test-under-load", null, "--hogs", "1", "--seconds", "300", "--", dotnetTestArgument);

        Assert.Equal(exitCode, run.ExitCode);
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var hogs = HogPids().Match(lines[0]);
        Assert.True(hogs.Success, run.StandardError);
        var pid = int.Parse(hogs.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.False(IsHog(pid), $"hog {pid} still runs");
        Assert.Matches($@"^test-under-load: dotnet test exited {exitCode} after \d+ s under 1 hog\(s\)$", lines[^1]);
    }

    [Theory]
    [InlineData("--hogs", "two")]
    [InlineData("--seconds", "0")]
    public async Task A_count_that_is_not_a_whole_number_is_refused(string option, string value)
    {
        var run = await InProcessCli.ScriptAsync("test-under-load", null, option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"test-under-load: {option} must be", run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="pid"/> is still a hog (its pid may have ended, or been reused, between the checks).</summary>
    private static bool IsHog(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("while :", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // no such process (FileNotFound/DirectoryNotFound are IOExceptions)
        }
    }

    [GeneratedRegex(@"\(pids (\d+)\)")]
    private static partial Regex HogPids();
}
