using System.Text.RegularExpressions;
using GovClone.Guards;

namespace GovClone.Configuration;

/// <summary>
/// The connection and transport keys' parsers (named in the <see cref="SettingKeys"/> table): host, role, sslmode, pgpass
/// file, transport, container, ssh destination and login, the local tools' folder.
/// </summary>
internal static partial class ConnectionParsers
{
    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.:-]*\z")]
    private static partial Regex HostName();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.@-]*\z")]
    private static partial Regex SshDestination();

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.-]*\z")]
    private static partial Regex ContainerName();

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_.@-]*\z")]
    private static partial Regex RoleName();

    internal static object Host(SettingKey key, SettingsParseContext c)
    {
        var host = c.Text(key);
        if (!(HostName().IsMatch(host) || (host.StartsWith('/') && !host.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch)))))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{host}' is not a host name, IP address or socket folder", "set govclone:host to e.g. 127.0.0.1 (use an ssh tunnel for a remote server)");
        }

        return host;
    }

    internal static object User(SettingKey key, SettingsParseContext c)
    {
        var user = c.Text(key);
        if (!RoleName().IsMatch(user) || user.Length > DatabaseNameGuard.MaxIdentifierBytes)
        {
            throw new ConfigurationException(key.ConfigKey, $"'{user}' is not a role name", "set govclone:user to the database role, e.g. workflow_admin");
        }

        return user;
    }

    internal static object SslMode(SettingKey key, SettingsParseContext c) =>
        ValueParsers.Choice(key, c, "an sslmode", [.. key.Allowed.Select(a => (a, a))]);

    internal static object? PgpassFile(SettingKey key, SettingsParseContext c)
    {
        var pgpass = c.Optional(key);
        if (pgpass is null)
        {
            return null;
        }

        RequireReadableFile(key, pgpass);
        return Path.GetFullPath(pgpass);
    }

    internal static object Transport(SettingKey key, SettingsParseContext c) =>
        ValueParsers.Choice(key, c, "a transport", ("local", TransportKind.Local), ("docker", TransportKind.Docker), ("ssh", TransportKind.Ssh));

    internal static object Container(SettingKey key, SettingsParseContext c)
    {
        var container = c.Text(key);
        if (!ContainerName().IsMatch(container))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{container}' is not a container name", "set govclone:dockerContainer to the container's name, e.g. postgres");
        }

        return container;
    }

    internal static object? SshHost(SettingKey key, SettingsParseContext c)
    {
        var sshHost = c.Optional(key);
        if (sshHost is not null && !SshDestination().IsMatch(sshHost))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{sshHost}' is not an ssh destination (no spaces, quotes or leading '-')", "set govclone:sshHost to a host or ~/.ssh/config alias, e.g. contabo");
        }

        return sshHost;
    }

    internal static object? SshUser(SettingKey key, SettingsParseContext c)
    {
        var sshUser = c.Optional(key);
        if (sshUser is not null && !RoleName().IsMatch(sshUser))
        {
            throw new ConfigurationException(key.ConfigKey, $"'{sshUser}' is not a login name", "set govclone:sshUser to the ssh login, e.g. root, or unset it");
        }

        return sshUser;
    }

    internal static object? PgBinDir(SettingKey key, SettingsParseContext c)
    {
        var binDir = c.Optional(key);
        if (binDir is not null)
        {
            if (!Path.IsPathFullyQualified(binDir) || !File.Exists(Path.Combine(binDir, "psql")) || !File.Exists(Path.Combine(binDir, "pg_dump")))
            {
                throw new ConfigurationException(key.ConfigKey, $"'{binDir}' is not an absolute folder holding psql and pg_dump", "point it at e.g. /usr/lib/postgresql/15/bin, or unset it to use PATH");
            }
        }

        return binDir;
    }

    private static void RequireReadableFile(SettingKey key, string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConfigurationException(key.ConfigKey, $"'{path}' cannot be read ({ex.GetType().Name})", "point it at a readable pgpass file (chmod 0600), or unset it and use GOVCLONE_PASSWORD");
        }

        // libpq (psql, pg_dump) silently ignores a pgpass file that group or others can read: refuse it here
        // rather than let the server-side tools fail later with a confusing authentication error.
        const UnixFileMode open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & open) != 0)
        {
            throw new ConfigurationException(key.ConfigKey, $"'{path}' is open to group or others, so psql and pg_dump would ignore it",
                $"chmod 0600 '{path}'");
        }
    }
}
