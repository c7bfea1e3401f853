using System.Globalization;
using GovClone.Configuration;
using GovClone.Processes;

namespace GovClone.Transport;

/// <summary>
/// The ssh tunnel govclone's own connections go through when the server is behind ssh: the local end is
/// govclone:host:govclone:port, the far end the server's PostgreSQL on the ssh host (localhost:5432 there, as in the
/// runbook). Printed in hints, so it is the stack's own line, ready to paste: <c>ssh -N -L 15432:localhost:5432
/// contabo</c> for nonprod.
/// </summary>
public static class SshTunnel
{
    /// <summary>Where the server's PostgreSQL listens on the ssh host (the runbook's container publishes 5432 there).</summary>
    public const string RemoteEnd = "localhost:5432";

    /// <summary>Whether govclone's own connections go to this machine (a tunnel's local end can serve them).</summary>
    public static bool IsLoopback(string host) =>
        host is "localhost" or "::1" || host.StartsWith("127.", StringComparison.Ordinal);

    /// <summary>
    /// The tunnel command for <paramref name="s"/>, with govclone:sshHost, sshUser and sshPort; null when the
    /// stack's transport is not ssh or its govclone:host is not this machine (no tunnel can serve it then).
    /// </summary>
    public static string? Command(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Transport != TransportKind.Ssh || s.SshHost is null || !IsLoopback(s.Host))
        {
            return null;
        }

        var words = new List<string> { "ssh", "-N", "-L", $"{s.Port.ToString(CultureInfo.InvariantCulture)}:{RemoteEnd}" };
        if (s.SshPort is { } port)
        {
            words.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        if (s.SshUser is not null)
        {
            words.AddRange(["-l", s.SshUser]);
        }

        words.Add(s.SshHost);
        return ShellQuote.Join(words);
    }

    /// <summary>What to do when govclone:host:govclone:port cannot be reached, for this stack.</summary>
    public static string UnreachableFix(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var port = s.Port.ToString(CultureInfo.InvariantCulture);
        if (Command(s) is { } tunnel)
        {
            return $"the server is behind ssh on {s.SshHost}: open the tunnel in another terminal, `{tunnel}`, then run this again "
                + $"(else check govclone:host {s.Host} and govclone:port {port})";
        }

        return s.Transport == TransportKind.Ssh
            ? $"check govclone:host {s.Host} and govclone:port {port}: with govclone:transport ssh they are usually a tunnel's local end (set host 127.0.0.1, then ssh -N -L {port}:{RemoteEnd} {s.SshHost})"
            : $"check govclone:host {s.Host} and govclone:port {port} and that the server runs there";
    }
}
