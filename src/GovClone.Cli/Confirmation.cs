using Spectre.Console;
using Spectre.Console.Rendering;

namespace GovClone.Cli;

/// <summary>
/// Destructive levers (<c>drop</c>, <c>reset</c>, <c>clone --force</c>) confirm like <c>pulumi destroy</c>: on a
/// terminal they ask for the clone's name; without one (stdin or stdout redirected, <c>--json</c>) they need
/// <c>-y/--yes</c> and otherwise refuse with exit 2 before anything is touched.
/// </summary>
internal static class Confirmation
{
    private static int s_prompting;

    /// <summary>
    /// True while a confirmation prompt waits for its answer: nothing has been changed yet, so the Ctrl-C handler lets
    /// the runtime end the process (exit 130) instead of cancelling the lever's token and waiting for it to unwind.
    /// </summary>
    public static bool IsPrompting => Volatile.Read(ref s_prompting) > 0;

    /// <summary>Returns when the lever may go ahead; throws <see cref="ConfirmationException"/> (exit 2) when it may not.</summary>
    /// <param name="what">What the lever will do, e.g. "drops directus_gov_test_x and its retained template".</param>
    /// <param name="noun">What <paramref name="clone"/> names, in the prompt: "clone", or "branch" for a branch lever.</param>
    public static async Task RequireAsync(IAnsiConsole console, bool interactive, bool yes, string lever, string clone, string what, CancellationToken ct, string noun = "clone")
    {
        if (yes)
        {
            return;
        }

        if (!interactive)
        {
            throw new ConfirmationException("--yes", $"`govclone {lever}` {what}, and there is no terminal to confirm on (stdin or stdout is not a terminal, or --json); nothing was changed",
                $"pass -y/--yes to {lever} without asking, or --dry-run to see what it would run");
        }

        // While the prompt is up nothing has been changed, and a Ctrl-C must end the lever (exit 130) however the
        // process was started. As SIGINT it may never arrive: a process started in the background by a
        // non-interactive shell, or under nohup, inherits SIGINT ignored (seen when the tests ran that way: the prompt
        // waited at the test's hang guard with SIGINT in its ignored mask). So the prompt takes Ctrl-C as input
        // (TreatControlCAsInput: the terminal no longer turns it into a signal) from before its first line, and reads
        // its keys through CtrlCInput, which turns that key into CtrlCAtPromptException. A SIGINT that still arrives
        // (one sent by kill) ends the process through the handler (see IsPrompting).
        var controlCWasInput = TakeControlCAsInput(true);
        Interlocked.Increment(ref s_prompting);
        string answer;
        try
        {
            console.MarkupLine($"govclone {Markup.Escape(lever)} [yellow]{Markup.Escape(what)}[/].");
            answer = await new TextPrompt<string>($"Type the {noun}'s name ([bold]{Markup.Escape(clone)}[/]) to confirm:")
                .AllowEmpty()
                .ShowAsync(new InputConsole(console, new CtrlCInput(console.Input)), ct)
                .WaitAsync(ct);
        }
        catch (CtrlCAtPromptException)
        {
            console.WriteLine(); // end the prompt's line: the message goes below it
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref s_prompting);
            TakeControlCAsInput(controlCWasInput);
        }

        if (!string.Equals(answer.Trim(), clone, StringComparison.Ordinal))
        {
            throw new ConfirmationException("confirmation", $"'{answer.Trim()}' is not the {noun}'s name; {lever} cancelled, nothing was changed",
                $"type {clone} exactly, or pass -y/--yes");
        }
    }

    /// <summary>
    /// Sets Console.TreatControlCAsInput where stdin is a terminal; returns what it was (false elsewhere, or where the
    /// terminal refuses the mode: the prompt then still works, and a Ctrl-C comes as SIGINT as before).
    /// </summary>
    private static bool TakeControlCAsInput(bool value)
    {
        if (Console.IsInputRedirected)
        {
            return false; // (a scripted console in the tests: there is no terminal to set)
        }

        try
        {
            var was = Console.TreatControlCAsInput;
            Console.TreatControlCAsInput = value;
            return was;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>A Ctrl-C read as a key at a confirmation prompt: the lever ends, exit 130, nothing changed.</summary>
internal sealed class CtrlCAtPromptException() : GovCloneException("cancelled at the confirmation (Ctrl-C); nothing was changed")
{
    public override int ExitCode => 130;
}

/// <summary>
/// <paramref name="inner"/> with its keys read from <paramref name="input"/>: the confirmation prompt reads through
/// <see cref="CtrlCInput"/>, the tests from a script.
/// </summary>
internal sealed class InputConsole(IAnsiConsole inner, IAnsiConsoleInput input) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(renderable);

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);
}

/// <summary>Reads keys from <paramref name="inner"/>; a Ctrl-C key (0x03, read when the terminal did not turn it into SIGINT) throws <see cref="CtrlCAtPromptException"/>.</summary>
internal sealed class CtrlCInput(IAnsiConsoleInput inner) : IAnsiConsoleInput
{
    public static bool IsCtrlC(ConsoleKeyInfo key) =>
        key.KeyChar == '\u0003' || (key.Key == ConsoleKey.C && key.Modifiers.HasFlag(ConsoleModifiers.Control));

    public bool IsKeyAvailable() => inner.IsKeyAvailable();

    public ConsoleKeyInfo? ReadKey(bool intercept) => Check(inner.ReadKey(intercept));

    public async Task<ConsoleKeyInfo?> ReadKeyAsync(bool intercept, CancellationToken cancellationToken) =>
        Check(await inner.ReadKeyAsync(intercept, cancellationToken));

    private static ConsoleKeyInfo? Check(ConsoleKeyInfo? key) =>
        key is { } k && IsCtrlC(k) ? throw new CtrlCAtPromptException() : key;
}

/// <summary>A destructive lever was not confirmed (no --yes without a terminal, or the wrong name typed): refused, exit 2, nothing changed.</summary>
internal sealed class ConfirmationException(string setting, string problem, string fix) : GovCloneException($"{setting}: {problem}. Fix: {fix}")
{
    public string Setting { get; } = setting;

    public string Fix { get; } = fix;

    public override int ExitCode => 2;
}
