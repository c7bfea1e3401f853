using GovClone.Configuration;
using GovClone.Processes;
using GovClone.Transport;

namespace GovClone.Tests.Transport;

/// <summary>
/// <see cref="ServerTransport.BashScript"/>'s stdin protocol, run by a real <c>bash -s</c> on the local transport: the
/// preamble reads the script by its length in UTF-8 bytes (head -c, not bash's byte-at-a-time read), runs it whole, and
/// runs nothing of a script that arrives cut short.
/// </summary>
public sealed class BashScriptTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("govclone-bashscript-").FullName;

    private static ServerTransport Local() => new(SettingsLoader.Load(new SettingsSources
    {
        NoStackFile = true,
        Environment = new Dictionary<string, string>(),
        Flags = new Dictionary<string, string> { ["transport"] = "local" },
    }));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_script_with_multibyte_text_and_trailing_blank_lines_reaches_bash_whole_and_runs()
    {
        // Two characters of three bytes each, and a script ending in blank lines: counted in characters, or with its
        // trailing newlines lost on the way, the preamble's length check would refuse it.
        var script = "x='漢字'\nprintf 'ran %s %s\\n' \"$x\" \"$(LC_ALL=C; echo \"${#x}\")\"\n\n\n";
        var result = await ProcessRunner.RunAsync(Local().BashScript(script));
        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal("ran 漢字 6\n", result.StandardOutput);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public async Task A_script_cut_short_on_the_way_runs_none_of_it(int bytesLost)
    {
        var marker = Path.Combine(_folder, "ran");
        var spec = Local().BashScript($"touch '{marker}'\necho 'the whole script ran'\n");
        var cut = spec with { StandardInput = spec.StandardInput![..^bytesLost] };
        var result = await ProcessRunner.RunAsync(cut);
        Assert.Equal(1, result.ExitCode);
        // stdin: the preamble line, the password line, the script's length in bytes, the script.
        var declared = spec.StandardInput.Split('\n')[2];
        var arrived = int.Parse(declared, System.Globalization.CultureInfo.InvariantCulture) - bytesLost;
        Assert.Contains($"govclone: the script reached the server incomplete ({arrived} of {declared} bytes; head must be on the server's PATH); nothing of it ran",
            result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "a line of the cut script ran");
        Assert.DoesNotContain("the whole script ran", result.StandardOutput, StringComparison.Ordinal);

        // The same spec, whole, runs (so the refusal above is the cut's doing).
        var whole = await ProcessRunner.RunAsync(spec);
        Assert.True(whole.Succeeded, whole.StandardError);
        Assert.True(File.Exists(marker));
    }

    [Fact]
    public async Task With_stdin_kept_open_for_the_lifeline_the_script_runs_without_waiting_for_more()
    {
        // The engine's lifeline keeps stdin open and sends nothing after the script: a preamble that read on past the
        // script's bytes would wait there for good. (The minute is a bound for a hang, not a timing.)
        var spec = Local().BashScript("echo 'ran while stdin stayed open'\n") with { KeepStandardInputOpen = true };
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var result = await ProcessRunner.RunAsync(spec, hang.Token);
        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal("ran while stdin stayed open\n", result.StandardOutput);
    }
}
