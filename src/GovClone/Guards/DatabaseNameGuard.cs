using System.Text;

namespace GovClone.Guards;

/// <summary>
/// The C# half of the name guard (the SQL half is the guard block at the top of every mutating .sql
/// file, which checks <c>current_database()</c> on the server). Every mutation passes through
/// <see cref="RequireClone"/> before a single statement is sent.
/// Names are checked character by character (ordinal), never with a <c>$</c>-anchored regex: .NET's <c>$</c>
/// also matches before a final <c>\n</c>, so <c>^[a-z_]+$</c> accepts a name that ends in a newline.
/// </summary>
public static class DatabaseNameGuard
{
    /// <summary>PostgreSQL's identifier limit (<see cref="FamilyRules.MaxIdentifierBytes"/>).</summary>
    public const int MaxIdentifierBytes = FamilyRules.MaxIdentifierBytes;

    /// <summary>The clone's required name prefix (<see cref="FamilyRules.Prefix"/>): every mutation refuses any other database.</summary>
    public const string ClonePrefix = FamilyRules.Prefix;

    /// <summary>Throws <see cref="GuardException"/> unless <paramref name="clone"/> is a name a mutation may target.</summary>
    public static void RequireClone(string? clone, string source, string setting = "govclone:cloneDatabase")
    {
        var fix = $"set {setting} to a name like {ClonePrefix}20260602 (lower-case letters, digits, underscores; at most {MaxIdentifierBytes} bytes)";
        if (string.IsNullOrWhiteSpace(clone))
        {
            throw new GuardException(setting, "is empty", fix);
        }

        if (Encoding.UTF8.GetByteCount(clone) > MaxIdentifierBytes)
        {
            throw new GuardException(setting, $"'{Printable(clone)}' is {Encoding.UTF8.GetByteCount(clone)} bytes; PostgreSQL truncates names over {MaxIdentifierBytes} bytes, so it could name another database", fix);
        }

        if (!IsCloneIdentifier(clone))
        {
            throw new GuardException(setting, $"'{Printable(clone)}' is not a plain lower-case identifier (only a-z, 0-9, _; no quotes, spaces, newlines or other control characters, semicolons or look-alike characters)", fix);
        }

        if (string.Equals(clone, source, StringComparison.Ordinal))
        {
            throw new GuardException(setting, $"'{clone}' is the production source database", "the clone must be a separate database: " + fix);
        }

        if (!clone.StartsWith(ClonePrefix, StringComparison.Ordinal))
        {
            throw new GuardException(setting, $"'{clone}' does not start with the non-production prefix {ClonePrefix}", fix);
        }

        if (clone.Length == ClonePrefix.Length)
        {
            throw new GuardException(setting, $"'{clone}' has nothing after the prefix {ClonePrefix}", fix);
        }
    }

    /// <summary>A database name that is only read or connected to (source, maintenance, app): plain identifier, at most 63 bytes.</summary>
    public static void RequireIdentifier(string? name, string setting)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ConfigurationException(setting, "is empty", $"set {setting} to a database name");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxIdentifierBytes || !IsPlainIdentifier(name))
        {
            throw new ConfigurationException(setting, $"'{Printable(name)}' is not a plain database name of at most {MaxIdentifierBytes} bytes (letters, digits, _ $ -)", $"set {setting} to the database's exact name");
        }
    }

    /// <summary>
    /// Lower-case ASCII only (a-z, 0-9, _; not starting with a digit): a clone name never needs quoting, and no
    /// control character (newline, CR, tab, NUL), space or unicode look-alike (Cyrillic 'а', full-width '＿')
    /// can pass for the prefix. Every character is checked; nothing is matched by a regex.
    /// </summary>
    public static bool IsCloneIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
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

    /// <summary>A name that is only read or connected to: ASCII letters, digits, _ $ -, not starting with a digit, $ or -.</summary>
    public static bool IsPlainIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a name carries the non-production prefix (for the naming factor of the decision).</summary>
    public static bool HasClonePrefix(string name) => name.StartsWith(ClonePrefix, StringComparison.Ordinal);

    /// <summary>Double-quoted SQL identifier. Used only after the name passed a guard; quoting is defence in depth.</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Single-quoted SQL literal.</summary>
    public static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Printable(string s)
    {
        var sb = new StringBuilder();
        foreach (var rune in s.EnumerateRunes())
        {
            if (rune.Value is >= 0x20 and < 0x7f)
            {
                sb.Append((char)rune.Value);
            }
            else
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X4}}}");
            }
        }

        return sb.Length > 80 ? sb.ToString(0, 80) + "…" : sb.ToString();
    }
}
