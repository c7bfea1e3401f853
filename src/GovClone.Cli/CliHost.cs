namespace GovClone.Cli;

/// <summary>
/// Everything the CLI touches of its surroundings, so tests run it in-process with their own output,
/// working directory and environment.
/// </summary>
/// <param name="Environment">Null means the process environment.</param>
public sealed record CliHost(TextWriter Out, TextWriter Error, string WorkingDirectory, IReadOnlyDictionary<string, string>? Environment)
{
    /// <summary>Whether stdout is a terminal: live progress bar and colour; otherwise plain periodic lines (CI, Pulumi).</summary>
    public bool IsTerminal { get; init; } = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>
    /// Whether a person can be asked to confirm: stdin and stdout are both terminals (as <c>pulumi</c> decides).
    /// Otherwise a destructive lever needs <c>--yes</c>.
    /// </summary>
    public bool IsInteractive { get; init; } = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected && !Console.IsInputRedirected;

    /// <summary>
    /// Starts <c>govclone ARGS</c> detached from this process (its own session, stdio to a log file, the environment
    /// plus the given variables), for work that must outlive it: the ready spare's remake after a re-clone. Returns
    /// its pid; null when it could not be started. Null (tests, in-process runs): such work runs before the lever returns.
    /// </summary>
    public Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>, string, int?>? StartDetached { get; init; }

    /// <summary>Columns help text is wrapped at: the terminal's width, else 100.</summary>
    public int Width { get; init; } = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected ? TerminalWidth() : 100;

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth is > 20 and var w ? w : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
