using System.Text;
using System.Text.RegularExpressions;
using GovClone.Configuration;

namespace GovClone.Guards;

/// <summary>
/// The C# half of the name guard (the SQL half is the guard block at the top of every mutating .sql
/// file, which checks <c>current_database()</c> on the server). Every mutation passes through
/// <see cref="RequireClone"/> before a single statement is sent.
/// </summary>
public static partial class DatabaseNameGuard
{
    public const int MaxIdentifierBytes = 63;

    // Lower-case ASCII only: a clone name never needs quoting, and unicode look-alikes
    // (Cyrillic 'а', full-width '＿') cannot pass for the prefix.
    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex CloneIdentifier();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$-]*$")]
    private static partial Regex PlainIdentifier();

    /// <summary>Throws <see cref="GuardException"/> unless <paramref name="clone"/> is a name a mutation may target.</summary>
    public static void RequireClone(string? clone, string source, string setting = "govclone:cloneDatabase")
    {
        var fix = $"set {setting} to a name like {SettingKeys.ClonePrefix}20260602 (lower-case letters, digits, underscores; at most {MaxIdentifierBytes} bytes)";
        if (string.IsNullOrWhiteSpace(clone))
        {
            throw new GuardException(setting, "is empty", fix);
        }

        if (Encoding.UTF8.GetByteCount(clone) > MaxIdentifierBytes)
        {
            throw new GuardException(setting, $"'{Printable(clone)}' is {Encoding.UTF8.GetByteCount(clone)} bytes; PostgreSQL truncates names over {MaxIdentifierBytes} bytes, so it could name another database", fix);
        }

        if (!CloneIdentifier().IsMatch(clone))
        {
            throw new GuardException(setting, $"'{Printable(clone)}' is not a plain lower-case identifier (only a-z, 0-9, _; no quotes, spaces, semicolons or look-alike characters)", fix);
        }

        if (string.Equals(clone, source, StringComparison.Ordinal))
        {
            throw new GuardException(setting, $"'{clone}' is the production source database", "the clone must be a separate database: " + fix);
        }

        if (!clone.StartsWith(SettingKeys.ClonePrefix, StringComparison.Ordinal) || clone.Length == SettingKeys.ClonePrefix.Length)
        {
            throw new GuardException(setting, $"'{clone}' does not start with the non-production prefix {SettingKeys.ClonePrefix}", fix);
        }
    }

    /// <summary>A database name that is only read or connected to (source, maintenance, app): plain identifier, at most 63 bytes.</summary>
    public static void RequireIdentifier(string? name, string setting)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ConfigurationException(setting, "is empty", $"set {setting} to a database name");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxIdentifierBytes || !PlainIdentifier().IsMatch(name))
        {
            throw new ConfigurationException(setting, $"'{Printable(name)}' is not a plain database name of at most {MaxIdentifierBytes} bytes (letters, digits, _ $ -)", $"set {setting} to the database's exact name");
        }
    }

    /// <summary>Whether a name carries the non-production prefix (for the naming factor of the decision).</summary>
    public static bool HasClonePrefix(string name) => name.StartsWith(SettingKeys.ClonePrefix, StringComparison.Ordinal);

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
