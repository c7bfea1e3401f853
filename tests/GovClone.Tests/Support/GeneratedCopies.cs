using System.Text.RegularExpressions;

namespace GovClone.Tests.Support;

/// <summary>
/// The generated copies of a block in the repo's files (issue 24.3): the lines from <c>&lt;comment&gt; &lt;begin&gt;</c> to
/// <c>&lt;comment&gt; &lt;end&gt;</c>, each compared with the block its definition generates, and rewritten to it when
/// <c>GOVCLONE_WRITE_RULES=1</c> (one switch for every generated block: FamilyRules' and TemplateRead's).
/// </summary>
internal static class GeneratedCopies
{
    /// <summary>The environment variable that asks the tests to rewrite the copies.</summary>
    public const string WriteVariable = "GOVCLONE_WRITE_RULES";

    /// <summary>Whether the copies are to be rewritten (<see cref="WriteVariable"/> is 1).</summary>
    public static bool Write => Environment.GetEnvironmentVariable(WriteVariable) == "1";

    /// <summary>One copy found: the file (relative to the repo) and whether it equals the block.</summary>
    public sealed record Copy(string File, bool Equal);

    /// <summary>
    /// Every copy in <paramref name="files"/> of the block between <paramref name="begin"/> and <paramref name="end"/>
    /// (each a whole line after <paramref name="comment"/> and a space, indented by spaces); with <see cref="Write"/>, each
    /// file's copies are rewritten to <paramref name="block"/> (what is returned is what was found before).
    /// </summary>
    public static IReadOnlyList<Copy> Find(IEnumerable<string> files, string comment, string begin, string end, string block)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(block);
        var pattern = new Regex($@"^[ ]*{Regex.Escape(comment)} {Regex.Escape(begin)}\n.*?^[ ]*{Regex.Escape(comment)} {Regex.Escape(end)}\n", RegexOptions.Multiline | RegexOptions.Singleline);
        var found = new List<Copy>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var matches = pattern.Matches(text);
            found.AddRange(matches.Select(m => new Copy(Path.GetRelativePath(InProcessCli.RepoRoot, file), m.Value == block)));
            if (Write && matches.Count > 0)
            {
                File.WriteAllText(file, pattern.Replace(text, block.Replace("$", "$$", StringComparison.Ordinal)));
            }
        }

        return found;
    }
}
