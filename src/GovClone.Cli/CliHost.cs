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
}
