using GovClone.Processes;

namespace GovClone.Tests.Processes;

public class ShellQuoteTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("with space")]
    [InlineData("it's")]
    [InlineData("\"double\" $HOME `id` $(id) \\ ; | & > <")]
    [InlineData("")]
    [InlineData("ünïcødé and\nnewline")]
    [InlineData("DROP DATABASE IF EXISTS \"directus_gov_test_20260602\" WITH (FORCE);")]
    public async Task A_quoted_word_reads_back_byte_for_byte_in_bash(string word)
    {
        var r = await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-c", "printf '%s' " + ShellQuote.Word(word)]));
        Assert.Equal(0, r.ExitCode);
        // The runner captures output line by line, so a non-empty output gains one trailing newline.
        Assert.Equal(word.Length == 0 ? string.Empty : word + "\n", r.StandardOutput);
    }

    [Theory]
    [InlineData("plain\n")]
    [InlineData("directus_gov_test_x\n")]
    [InlineData("a\r")]
    [InlineData("-n\n")]
    public async Task A_word_with_a_trailing_line_break_is_quoted_and_reads_back_whole(string word)
    {
        Assert.StartsWith("'", ShellQuote.Word(word), StringComparison.Ordinal);
        var r = await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-c", "printf '%s' " + ShellQuote.Word(word) + " | wc -c"]));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(word).ToString(System.Globalization.CultureInfo.InvariantCulture), r.StandardOutput.Trim());
    }

    [Fact]
    public async Task Two_layers_of_quoting_survive_like_ssh_then_bash()
    {
        var inner = ShellQuote.Join(["printf", "%s|", "a b", "c'd", "$x"]);
        var outer = ShellQuote.Join(["bash", "-c", inner]);
        var r = await ProcessRunner.RunAsync(new ProcessSpec("bash", ["-c", outer]));
        Assert.Equal("a b|c'd|$x|\n", r.StandardOutput);
    }
}
