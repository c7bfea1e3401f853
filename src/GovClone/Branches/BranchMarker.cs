using System.Globalization;

namespace GovClone.Branches;

/// <summary>
/// What a branch's database comment says (written by <c>sql/branch/branch_begin.sql</c>, <c>branch_mark.sql</c> and
/// <c>branch_touch.sql</c>, read here; the formats are <see cref="Guards.FamilyRules.Markers"/>): a complete branch is
/// <c>govclone:branch family=&lt;clone&gt; source=&lt;source&gt; generation=&lt;N&gt; template=&lt;the template's at&gt;
/// owner=&lt;label&gt; created=&lt;time&gt; used=&lt;time&gt;</c>; one being made (or whose making was cut short) is
/// <c>govclone:branch-incomplete family=… owner=… created=…</c>; one a drop released (a drop cut short) is
/// <c>govclone:dropping family=… role=branch</c>, incomplete. Markers written before families say <c>parent=</c> for
/// <c>family=</c>. <see cref="Parent"/> is the family. Values hold no spaces (owner labels are checked).
/// </summary>
public sealed record BranchMarker(bool Complete, string Parent, string? Source, int? Generation, string? TemplateAt, string Owner, DateTimeOffset? Created, DateTimeOffset? Used)
{
    public const string CompletePrefix = Guards.FamilyRules.MarkerPrefix + Guards.MarkerKinds.Branch + " ";
    public const string IncompletePrefix = Guards.FamilyRules.MarkerPrefix + Guards.MarkerKinds.BranchIncomplete + " ";
    private const string DroppingPrefix = Guards.FamilyRules.MarkerPrefix + Guards.MarkerKinds.Dropping + " ";

    /// <summary>The most characters of an owner label.</summary>
    public const int MaxOwnerLength = 64;

    /// <summary>The marker in <paramref name="comment"/>, or null when it is no branch marker.</summary>
    public static BranchMarker? Parse(string? comment)
    {
        if (string.IsNullOrEmpty(comment))
        {
            return null;
        }

        bool complete;
        if (comment.StartsWith(CompletePrefix, StringComparison.Ordinal))
        {
            complete = true;
        }
        else if (comment.StartsWith(IncompletePrefix, StringComparison.Ordinal)
                 || (comment.StartsWith(DroppingPrefix, StringComparison.Ordinal) && comment.Contains(" role=" + Guards.FamilyRules.Roles.Branch, StringComparison.Ordinal)))
        {
            complete = false;
        }
        else
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in comment.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                fields[word[..eq]] = word[(eq + 1)..];
            }
        }

        if (!fields.TryGetValue("family", out var parent) && !fields.TryGetValue("parent", out parent))
        {
            return null;
        }

        return new BranchMarker(
            complete,
            parent,
            fields.GetValueOrDefault("source"),
            int.TryParse(fields.GetValueOrDefault("generation"), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null,
            fields.GetValueOrDefault("template"),
            fields.GetValueOrDefault("owner") ?? "unknown",
            Time(fields.GetValueOrDefault("created")),
            Time(fields.GetValueOrDefault("used")));
    }

    /// <summary>
    /// Whether <paramref name="owner"/> is a label a marker can carry: 1 to 64 of ASCII letters, digits and <c>. _ @ : -</c>
    /// (a login, <c>pr-123</c>, <c>pulumi:pr-123</c>): no space, so the marker's fields stay apart.
    /// </summary>
    public static bool IsOwnerLabel(string? owner)
    {
        if (string.IsNullOrEmpty(owner) || owner.Length > MaxOwnerLength)
        {
            return false;
        }

        foreach (var c in owner)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>When the branch was last used: the marker's used=, else its creation.</summary>
    public DateTimeOffset? LastUse => Used ?? Created;

    private static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
