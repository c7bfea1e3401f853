using Spectre.Console;

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

        console.MarkupLine($"govclone {Markup.Escape(lever)} [yellow]{Markup.Escape(what)}[/].");
        string answer;
        // While the prompt is up nothing has been changed, so a Ctrl-C signal there ends the process at once (see
        // IsPrompting) rather than unwinding through Spectre's key loop. Not yet handled: a Ctrl-C that reaches the
        // prompt as input (0x03, no signal; seen under scripts/test-under-load, the terminal echoed no ^C), which
        // Spectre's loop ignores, so the prompt waits on. The token still ends the wait for a caller that cancels otherwise.
        Interlocked.Increment(ref s_prompting);
        try
        {
            answer = await new TextPrompt<string>($"Type the {noun}'s name ([bold]{Markup.Escape(clone)}[/]) to confirm:")
                .AllowEmpty()
                .ShowAsync(console, ct)
                .WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref s_prompting);
        }

        if (!string.Equals(answer.Trim(), clone, StringComparison.Ordinal))
        {
            throw new ConfirmationException("confirmation", $"'{answer.Trim()}' is not the {noun}'s name; {lever} cancelled, nothing was changed",
                $"type {clone} exactly, or pass -y/--yes");
        }
    }
}

/// <summary>A destructive lever was not confirmed (no --yes without a terminal, or the wrong name typed): refused, exit 2, nothing changed.</summary>
internal sealed class ConfirmationException(string setting, string problem, string fix) : GovCloneException($"{setting}: {problem}. Fix: {fix}")
{
    public string Setting { get; } = setting;

    public string Fix { get; } = fix;

    public override int ExitCode => 2;
}
