using System.Globalization;

namespace GovClone.Guards;

/// <summary>
/// A database's govclone marker (its comment), read: <c>govclone:&lt;kind&gt; family=&lt;clone&gt; field=value … at=&lt;time&gt;</c>
/// (<see cref="FamilyRules.Markers"/>). Markers written before families (issue 22) are read too: a <c>govclone:complete</c>
/// without <c>family=</c> names the database it is on (it was only ever written on the clone's name), a template's and
/// a spare's <c>clone=</c> and a branch's <c>parent=</c> name the family. The SQL twin is <c>sql/engine/family_guard.sql</c>;
/// <c>FamilyRulesTests</c> holds both to one table of markers.
/// </summary>
public sealed record FamilyMarker(string Kind, string? Family, string Role, IReadOnlyDictionary<string, string> Fields, string Text)
{
    /// <summary>The role a marker of this kind gives its database (a building or dropping marker's <c>role=</c>).</summary>
    public static string? RoleOf(string kind, IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var format = FamilyRules.Markers.FirstOrDefault(m => m.Kind == kind);
        return format is null ? null : format.Role ?? fields.GetValueOrDefault("role");
    }

    /// <summary>The marker in <paramref name="comment"/> of the database <paramref name="database"/>; null when it is none of govclone's.</summary>
    public static FamilyMarker? Parse(string? comment, string database)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (string.IsNullOrEmpty(comment) || !comment.StartsWith(FamilyRules.MarkerPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var words = comment.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var kind = words[0][FamilyRules.MarkerPrefix.Length..];
        if (FamilyRules.Markers.All(m => m.Kind != kind))
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in words.Skip(1))
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && !fields.ContainsKey(word[..eq]))
            {
                fields[word[..eq]] = word[(eq + 1)..];
            }
        }

        var family = fields.GetValueOrDefault("family")
            ?? kind switch
            {
                MarkerKinds.Template or MarkerKinds.Spare => fields.GetValueOrDefault("clone"),
                MarkerKinds.Branch or MarkerKinds.BranchIncomplete => fields.GetValueOrDefault("parent"),
                MarkerKinds.Complete => database,
                _ => null,
            };
        var role = RoleOf(kind, fields);
        return role is null ? null : new FamilyMarker(kind, family, role, fields, comment);
    }

    /// <summary>Whether it was written before families (no <c>family=</c> field).</summary>
    public bool Legacy => !Fields.ContainsKey("family");

    /// <summary>A field's value, or null.</summary>
    public string? this[string field] => Fields.GetValueOrDefault(field);

    /// <summary>The generation field as a number, or null.</summary>
    public int? Generation => int.TryParse(this["generation"], NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null;
}
