using GovClone.Cli;
using Spectre.Console;

namespace GovClone.Tests.Cli;

/// <summary>
/// The confirmation prompt itself, on scripted keys (no terminal, no server): the Ctrl-C that reaches it as a key
/// (0x03, when the terminal did not turn it into SIGINT) ends it with exit 130 instead of being ignored. The signal
/// path and the real terminal are covered by ConfirmationTests through `script`.
/// </summary>
public class ConfirmationPromptTests
{
    private static ConsoleKeyInfo Key(char c) => new(c, c == '\r' ? ConsoleKey.Enter : ConsoleKey.A, false, false, false);

    private static Task PromptAsync(ScriptedKeys keys) =>
        Confirmation.RequireAsync(keys.Console, interactive: true, yes: false, "drop", "directus_gov_test_x", "drops directus_gov_test_x", CancellationToken.None);

    [Fact]
    public async Task A_ctrl_c_read_as_a_key_ends_the_prompt_with_exit_130_and_no_answer()
    {
        var ctrlC = new ConsoleKeyInfo('\u0003', ConsoleKey.C, false, false, true);
        var keys = new ScriptedKeys([Key('d'), ctrlC, .. "irectus_gov_test_x\r".Select(Key)]);

        var ex = await Assert.ThrowsAsync<CtrlCAtPromptException>(() => PromptAsync(keys));
        Assert.Equal(130, ex.ExitCode);
        Assert.Contains("nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.Equal("irectus_gov_test_x\r".Length, keys.Unread); // the prompt stopped at the Ctrl-C: nothing after it was read
    }

    [Fact]
    public async Task The_clones_name_typed_exactly_confirms_and_a_wrong_name_refuses_with_exit_2()
    {
        await PromptAsync(new ScriptedKeys([.. "directus_gov_test_x\r".Select(Key)]));

        var ex = await Assert.ThrowsAsync<ConfirmationException>(() => PromptAsync(new ScriptedKeys([.. "directus\r".Select(Key)])));
        Assert.Equal(2, ex.ExitCode);
        Assert.Contains("'directus' is not the clone's name", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('\u0003', ConsoleKey.C, false, true)]
    [InlineData('\0', ConsoleKey.C, false, true)]
    [InlineData('c', ConsoleKey.C, false, false)]
    [InlineData('C', ConsoleKey.C, true, false)]
    public void Only_a_control_c_counts_as_ctrl_c(char c, ConsoleKey key, bool shift, bool expected) =>
        Assert.Equal(expected, CtrlCInput.IsCtrlC(new ConsoleKeyInfo(c, key, shift, false, c != 'c' && c != 'C')));

    /// <summary>Keys from a script, read through a Spectre console that renders to a string.</summary>
    private sealed class ScriptedKeys(IEnumerable<ConsoleKeyInfo> keys) : IAnsiConsoleInput
    {
        private readonly Queue<ConsoleKeyInfo> _keys = new(keys);

        public int Unread => _keys.Count;

        public IAnsiConsole Console => new InputConsole(
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()), Interactive = InteractionSupport.Yes, Ansi = AnsiSupport.No }),
            this);

        public bool IsKeyAvailable() => _keys.Count > 0;

        // The script running out is a test bug: fail loudly rather than let the prompt wait.
        public ConsoleKeyInfo? ReadKey(bool intercept) => _keys.TryDequeue(out var k) ? k : throw new InvalidOperationException("the prompt read past the script");

        public Task<ConsoleKeyInfo?> ReadKeyAsync(bool intercept, CancellationToken cancellationToken) => Task.FromResult(ReadKey(intercept));
    }
}
