namespace GovClone.Transport;

/// <summary>
/// What a run takes from the machine it starts on, kept apart from the transport's words: the ssh client
/// configuration of the caller's own for govclone's ssh runs, and the stack's pgpass file for a by-hand line.
/// </summary>
public sealed partial class ServerTransport
{
    /// <summary>
    /// govclone's own ssh run with <c>-F FILE</c> when <see cref="Configuration.GovCloneSettings.SshConfigFile"/> is set
    /// (GOVCLONE_SSH_CONFIG_FILE: the CI setup's file, with the host alias, the key and a known-hosts file of its own),
    /// so ssh reads that file instead of <c>~/.ssh/config</c>. Other transports, and by-hand lines, are unchanged.
    /// </summary>
    private List<string> WithSshConfigFile(List<string> argv)
    {
        if (Kind == Configuration.TransportKind.Ssh && _settings.SshConfigFile is { } file && argv.Count > 0 && argv[0] == "ssh")
        {
            argv.InsertRange(1, ["-F", file]);
        }

        return argv;
    }

    /// <summary>
    /// A by-hand line on the local transport runs the tools with the stack's pgpass file (<c>env PGPASSFILE=FILE …</c>),
    /// as govclone's own runs do, so it works pasted into a shell that has no PGPASSWORD. The file's path is no secret.
    /// Inside a container (docker, ssh) the tools use the server's local socket, as the runbook does.
    /// </summary>
    private List<string> WithPgpassFile(List<string> argv) =>
        Kind == Configuration.TransportKind.Local && _settings.PgpassFile is { } pgpass
            ? ["env", "PGPASSFILE=" + pgpass, .. argv]
            : argv;
}
