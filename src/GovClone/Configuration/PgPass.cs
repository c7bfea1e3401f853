using System.Globalization;
using System.Text;

namespace GovClone.Configuration;

/// <summary>
/// Reads a password from a pgpass file as libpq does (PostgreSQL 15 docs, "The Password File"): lines
/// <c>hostname:port:database:username:password</c>, <c>*</c> matching anything in the first four fields, <c>\:</c> and
/// <c>\\</c> escaping, <c>#</c> comment lines, the first matching line wins. Used where libpq cannot read the file
/// itself: the server-side tools of the docker and ssh transports run on another host (or in a container) and never see
/// this machine's pgpass file, so govclone looks the password up here and sends it on the run's stdin.
/// </summary>
public static class PgPass
{
    /// <summary>The password of the first line matching, or null (no file, no line matches).</summary>
    public static Secret? Find(string path, string host, int port, string database, string user)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }

        var portText = port.ToString(CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = Split(line);
            if (fields.Count < 5)
            {
                continue;
            }

            if (Matches(fields[0], host) && Matches(fields[1], portText) && Matches(fields[2], database) && Matches(fields[3], user))
            {
                return new Secret(fields[4]);
            }
        }

        return null;
    }

    private static bool Matches(string field, string value) => field == "*" || string.Equals(field, value, StringComparison.Ordinal);

    /// <summary>The first four fields split at unescaped colons; the fifth (the password) is the rest of the line, unescaped.</summary>
    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (c == ':' && fields.Count < 4)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}
