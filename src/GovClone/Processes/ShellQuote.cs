using System.Text.RegularExpressions;

namespace GovClone.Processes;

/// <summary>POSIX shell quoting. Every word that crosses a shell (bash -c, ssh's remote command) goes through here.</summary>
public static partial class ShellQuote
{
    // \z, not $: .NET's $ also matches before a final newline, which would leave "x\n" unquoted.
    [GeneratedRegex(@"\A[A-Za-z0-9_@%+=:,./-]+\z")]
    private static partial Regex SafeWord();

    /// <summary>Quotes one word so that a POSIX shell reads it back byte for byte.</summary>
    public static string Word(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > 0 && SafeWord().IsMatch(word))
        {
            return word;
        }

        return "'" + word.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";
    }

    /// <summary>Joins words into one command line, each quoted.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Word));
}
