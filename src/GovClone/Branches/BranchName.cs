using System.Text;
using GovClone.Configuration;
using GovClone.Guards;

namespace GovClone.Branches;

/// <summary>
/// A branch's name: <c>NAME</c> as the user gives it (<c>pr123</c>) and the database it names,
/// <c>&lt;cloneDatabase&gt;_&lt;NAME&gt;</c> (<c>directus_gov_test_20260602_pr123</c>). The C# half of the branch guard
/// (<c>sql/branch/branch_guard.sql</c> is the SQL half): NAME is 1 to 20 of a-z, 0-9 and _ (checked character by
/// character, never by a <c>$</c>-anchored regex), is not a companion suffix of the clone family (template, next, old,
/// spare) and does not end in one (<c>foo_next</c> would be the companion of a clone named <c>&lt;clone&gt;_foo</c>), and
/// the database is not govclone:templateDatabase, passes <see cref="DatabaseNameGuard.RequireClone"/> (prefix, plain
/// lower-case ASCII, at most 63 bytes) and is none of the maintenance, app or query-allowlisted databases.
/// </summary>
public sealed record BranchName
{
    /// <summary>The most characters of NAME.</summary>
    public const int MaxLength = 20;

    /// <summary>The argument every branch lever names the branch by.</summary>
    public const string Argument = "NAME";

    /// <summary>What NAME may not be, nor end in after an underscore: the clone family's companions (docs: DESIGN D), from <see cref="FamilyRules.Reserved"/>.</summary>
    public static IReadOnlyList<string> Reserved { get; } = FamilyRules.Reserved.Select(r => r.Suffix[1..]).ToArray();

    private BranchName(string name, string parent, string database)
    {
        Name = name;
        Parent = parent;
        Database = database;
    }

    /// <summary>NAME, e.g. <c>pr123</c>.</summary>
    public string Name { get; }

    /// <summary>The parent clone (govclone:cloneDatabase).</summary>
    public string Parent { get; }

    /// <summary><c>&lt;parent&gt;_&lt;NAME&gt;</c>.</summary>
    public string Database { get; }

    /// <summary>The branch NAME of <paramref name="settings"/>'s clone, or a <see cref="GuardException"/> (exit 2) naming NAME and the fix.</summary>
    public static BranchName Of(GovCloneSettings settings, string? name)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var fix = $"name the branch with 1 to {MaxLength} of a-z, 0-9 and _, e.g. pr123";
        if (string.IsNullOrEmpty(name))
        {
            throw new GuardException(Argument, "is empty", fix);
        }

        if (name.Length > MaxLength)
        {
            throw new GuardException(Argument, $"'{Printable(name)}' has {name.Length} characters; at most {MaxLength}", fix);
        }

        if (!IsNameText(name))
        {
            throw new GuardException(Argument, $"'{Printable(name)}' is not made of a-z, 0-9 and _ only (no upper case, space, newline or other control character, dash or look-alike)", fix);
        }

        foreach (var reserved in Reserved)
        {
            if (name == reserved || name.EndsWith("_" + reserved, StringComparison.Ordinal))
            {
                throw new GuardException(Argument, $"'{name}' is or ends in '{reserved}', a name the clone family uses (<clone>{string.Join(", ", FamilyRules.Reserved.Select(r => r.Suffix))})", "give the branch another name, e.g. pr123");
            }
        }

        var parent = settings.CloneDatabase;
        var database = parent + "_" + name;
        if (Encoding.UTF8.GetByteCount(database) > DatabaseNameGuard.MaxIdentifierBytes)
        {
            throw new GuardException(Argument, $"the branch's database '{database}' would be {Encoding.UTF8.GetByteCount(database)} bytes; PostgreSQL truncates names over {DatabaseNameGuard.MaxIdentifierBytes}",
                $"shorten NAME to at most {Math.Max(0, DatabaseNameGuard.MaxIdentifierBytes - Encoding.UTF8.GetByteCount(parent) - 1)} characters");
        }

        DatabaseNameGuard.RequireClone(database, settings.SourceDatabase, Argument);
        if (string.Equals(database, settings.TemplateDatabase, StringComparison.Ordinal))
        {
            throw new GuardException(Argument, $"'{name}' gives '{database}', the retained template (govclone:templateDatabase)", "give the branch another name");
        }

        if (string.Equals(database, settings.MaintenanceDatabase, StringComparison.Ordinal)
            || string.Equals(database, settings.AppDatabase, StringComparison.Ordinal)
            || settings.QueryAllowlist.Contains(database, StringComparer.Ordinal))
        {
            throw new GuardException(Argument, $"'{name}' gives '{database}', the maintenance or the app's database, or one in the query allowlist", "give the branch another name");
        }

        return new BranchName(name, parent, database);
    }

    /// <summary>
    /// The branch NAME of a Pulumi stack (a stack per pull request): the stack's name in lower case, every character
    /// other than a-z, 0-9 and _ made _ (<c>pr-123</c> → <c>pr_123</c>). Refused (naming govclone:branchOf) when that is
    /// no valid NAME.
    /// </summary>
    public static BranchName OfStack(GovCloneSettings settings, string stack)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(stack);
        var sb = new StringBuilder(stack.Length);
        foreach (var c in stack)
        {
            var lower = char.ToLowerInvariant(c);
            sb.Append(char.IsAsciiLetterLower(lower) || char.IsAsciiDigit(lower) || lower == '_' ? lower : '_');
        }

        try
        {
            return Of(settings, sb.ToString());
        }
        catch (GuardException ex)
        {
            throw new ConfigurationException(SettingKeys.BranchOf.ConfigKey, $"the stack '{stack}' gives no valid branch name ('{sb}': {ex.Message})",
                $"name the branch stack like pr-123 (its name, lower case with _ for other characters, is the branch's NAME: 1 to {MaxLength} characters)");
        }
    }

    /// <summary>Whether <paramref name="name"/> is 1 to 20 of a-z, 0-9, _ (no other check).</summary>
    public static bool IsNameText(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The NAME of <paramref name="database"/> when it is named like a branch of <paramref name="parent"/>; null otherwise.</summary>
    public static string? NameIn(string parent, string database)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(database);
        if (!database.StartsWith(parent + "_", StringComparison.Ordinal))
        {
            return null;
        }

        var name = database[(parent.Length + 1)..];
        return IsNameText(name) && !Reserved.Any(r => name == r || name.EndsWith("_" + r, StringComparison.Ordinal)) ? name : null;
    }

    public override string ToString() => Database;

    private static string Printable(string s)
    {
        var sb = new StringBuilder();
        foreach (var rune in s.EnumerateRunes())
        {
            sb.Append(rune.Value is >= 0x20 and < 0x7f ? ((char)rune.Value).ToString() : $"\\u{{{rune.Value:X4}}}");
        }

        return sb.Length > 40 ? sb.ToString(0, 40) + "…" : sb.ToString();
    }
}
