using System.Globalization;
using System.Text;
using GovClone.Configuration;
using GovClone.Processes;

namespace GovClone.Transport;

/// <summary>
/// How commands reach the database server's tools: <c>local</c>, <c>docker exec -i CONTAINER</c>, or
/// <c>ssh HOST "docker exec -i CONTAINER …"</c>, exactly as the runbook does it. Every server-side step is a
/// bash script fed on stdin to <c>bash -s</c> at the far end, so a script's text never has to survive
/// quoting; only the fixed transport words do, and they go through <see cref="ShellQuote"/>.
/// </summary>
public sealed partial class ServerTransport
{
    private readonly GovCloneSettings _settings;
    private readonly bool _passwordInEnvironment;

    public ServerTransport(GovCloneSettings settings)
        : this(settings, settings?.Password is not null)
    {
    }

    /// <param name="settings">The stack's settings.</param>
    /// <param name="passwordInEnvironment">
    /// Whether PGPASSWORD will be in the environment of the command (forwarded by name into the container
    /// and over ssh). The Pulumi program knows this without holding the value: its password is a secret Output.
    /// </param>
    public ServerTransport(GovCloneSettings settings, bool passwordInEnvironment)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _passwordInEnvironment = passwordInEnvironment;
    }

    public TransportKind Kind => _settings.Transport;

    /// <summary>Environment variable names forwarded into the container (names only: values never reach argv).</summary>
    public IReadOnlyList<string> ForwardedVariables =>
        _passwordInEnvironment ? ["PGAPPNAME", "PGPASSWORD"] : ["PGAPPNAME"];

    /// <summary>argv of the server-side part: what runs on the host that has the tools.</summary>
    public IReadOnlyList<string> ServerSideArgv(params string[] command)
    {
        if (Kind == TransportKind.Local)
        {
            return command;
        }

        var docker = new List<string> { "docker", "exec", "-i" };
        foreach (var name in ForwardedVariables)
        {
            docker.Add("-e");
            docker.Add(name);
        }

        docker.Add(_settings.DockerContainer);
        docker.AddRange(command);
        return docker;
    }

    /// <summary>
    /// argv to run <paramref name="command"/> on the server, from this machine, as a person types it (ssh
    /// authenticates with their own ssh configuration and agent). A run by govclone itself goes through
    /// <see cref="BashScript"/>, which adds the stack's ssh key when there is one.
    /// </summary>
    public IReadOnlyList<string> Argv(params string[] command) => WithPgpassFile(ArgvWithIdentity(null, command, forPerson: true));

    /// <summary>Whether ssh runs authenticate with govclone:sshPrivateKey (a 0600 temporary file per run) rather than the ssh client's configuration.</summary>
    public bool UsesPrivateKey => Kind == TransportKind.Ssh && _settings.SshPrivateKey is not null;

    /// <param name="identityFile">The stack's ssh key as a file of this run, or null.</param>
    /// <param name="command">What runs at the server.</param>
    /// <param name="forPerson">
    /// A line a person types (the decision record's): the password travels as they set it, in PGPASSWORD, forwarded by
    /// name (<c>docker exec -e PGPASSWORD</c>, <c>ssh -o SendEnv=PGPASSWORD</c>, which needs the server's sshd to
    /// <c>AcceptEnv PGPASSWORD</c>). govclone's own runs forward nothing: their password goes on stdin (<see cref="BashScript"/>),
    /// where neither <c>ssh -v</c> nor a verbose sshd prints it.
    /// </param>
    private List<string> ArgvWithIdentity(string? identityFile, string[] command, bool forPerson)
    {
        var serverSide = forPerson || Kind == TransportKind.Local ? ServerSideArgv(command) : [.. OwnRunServerSideArgv(command)];
        if (Kind != TransportKind.Ssh)
        {
            return [.. serverSide];
        }

        var ssh = new List<string> { "ssh", "-o", "BatchMode=yes" };
        if (identityFile is not null)
        {
            // Only this key: an agent's or ~/.ssh's other keys are not offered (and cannot lock the login out).
            ssh.AddRange(["-i", identityFile, "-o", "IdentitiesOnly=yes"]);
        }

        if (_passwordInEnvironment && forPerson)
        {
            // A person's line: the server's sshd must AcceptEnv PGPASSWORD; peer/trust auth inside the container needs none.
            ssh.Add("-o");
            ssh.Add("SendEnv=PGPASSWORD");
        }

        if (_settings.SshPort is { } port)
        {
            ssh.Add("-p");
            ssh.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (_settings.SshUser is not null)
        {
            ssh.Add("-l");
            ssh.Add(_settings.SshUser);
        }

        ssh.Add(_settings.SshHost!);
        ssh.Add(ShellQuote.Join(serverSide));
        return ssh;
    }

    /// <summary>The command line (for <c>sh -c</c>) that runs a bash script given on stdin at the server, as a person runs it (PGPASSWORD forwarded by name).</summary>
    public string BashCommandLine => ShellQuote.Join(Argv("bash", "-s"));

    /// <summary>The command line govclone's own server-side runs use (<see cref="BashScript"/>): nothing forwarded, the password on stdin.</summary>
    public string RunCommandLine => ShellQuote.Join(WithSshConfigFile(ArgvWithIdentity(null, ["bash", "-s"], forPerson: false)));

    /// <summary>The server-side part of govclone's own runs: <c>docker exec -i CONTAINER …</c>, no variable forwarded (stdin carries them).</summary>
    private IReadOnlyList<string> OwnRunServerSideArgv(string[] command) => ["docker", "exec", "-i", _settings.DockerContainer, .. command];

    /// <summary>Path of a PostgreSQL tool as the server-side script calls it.</summary>
    public string Tool(string name) =>
        Kind == TransportKind.Local && _settings.PgBinDir is not null ? Path.Combine(_settings.PgBinDir, name) : name;

    /// <summary>Connection flags of psql/pg_dump inside the script. Inside a container the tools use its local socket, as in the runbook.</summary>
    public IReadOnlyList<string> ConnectionArgs => Kind == TransportKind.Local
        ? ["-h", _settings.Host, "-p", _settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", _settings.User]
        : ["-U", _settings.User];

    /// <summary>
    /// Environment for the child that starts the transport. The password goes here (PGPASSWORD), never in
    /// argv; docker forwards it by name with <c>-e PGPASSWORD</c>. A null value removes an inherited variable.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Environment(string applicationName = "govclone")
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGAPPNAME"] = applicationName,
            // 30 s, not less: a 2-core host under load (or an ssh hop) has been seen to take over 10 s to accept a
            // loopback connection mid-clone, and a lane whose read cannot connect fails the whole clone.
            ["PGCONNECT_TIMEOUT"] = "30",
            // Never let the caller's psqlrc, service file or session options change what a script does or where it
            // connects (CallerEnvironment; the engine unsets them again itself).
            [CallerEnvironment.Psqlrc] = "/dev/null",
            // Local tools read it from their environment. For docker and ssh the password goes on stdin instead
            // (BashScript): the child (docker, ssh) gets none, not even one inherited from govclone's own environment.
            ["PGPASSWORD"] = Kind == TransportKind.Local ? _settings.Password?.Reveal() : null,
        };
        foreach (var name in CallerEnvironment.Removed)
        {
            env[name] = null;
        }

        if (Kind != TransportKind.Local)
        {
            env["GOVCLONE_PASSWORD"] = null;
        }

        if (Kind == TransportKind.Local)
        {
            env["PGSSLMODE"] = _settings.SslMode;
            if (_settings.PgpassFile is not null)
            {
                env["PGPASSFILE"] = _settings.PgpassFile;
            }
        }

        return env;
    }

    /// <summary>
    /// The password the server-side tools get on a docker or ssh run: govclone:password, else the line of
    /// govclone:pgpassFile that matches govclone's own connection (host, port, maintenance database, user): libpq at the
    /// server cannot read this machine's pgpass file. Null: none (the server's own authentication, e.g. trust on the
    /// container's socket as in the runbook, decides).
    /// </summary>
    public Secret? ServerPassword => Kind == TransportKind.Local ? null
        : _settings.Password ?? (_settings.PgpassFile is { } file ? PgPass.Find(file, _settings.Host, _settings.Port, _settings.MaintenanceDatabase, _settings.User) : null);

    /// <summary>
    /// A process that runs <paramref name="script"/> with bash at the server. Its stdin carries, in order: one line the
    /// server-side bash reads first (the preamble below), the password line (empty on the local transport, whose tools
    /// get PGPASSWORD from their environment), a line with the script's length in bytes, the script; then nothing. bash -s
    /// runs the preamble, which reads the password into PGPASSWORD (so it never crosses in an environment that ssh -v or a
    /// verbose sshd prints, nor in argv), reads the script and runs it. With <paramref name="lifeline"/>, govclone keeps the pipe open
    /// for as long as the run lasts: the engine watches it (engine/lifeline.sh), and its end (govclone killed, ssh cut)
    /// stops the engine and everything it started, so no session of it is left holding locks in production.
    /// </summary>
    public ProcessSpec BashScript(string script, string applicationName = "govclone", Action<string>? onOutputLine = null, bool lifeline = false)
    {
        ArgumentNullException.ThrowIfNull(script);
        // The stack's ssh key (govclone:sshPrivateKey): a file of its own for this run, 0600, deleted when it ends.
        var key = UsesPrivateKey ? new SecretFile(SecretFile.NewPath("ssh-key"), _settings.SshPrivateKey!) : null;
        var argv = WithSshConfigFile(ArgvWithIdentity(key?.Path, ["bash", "-s"], forPerson: false));
        var password = ServerPassword?.Reveal() ?? string.Empty;
        if (password.Contains('\n', StringComparison.Ordinal) || password.Contains('\0', StringComparison.Ordinal))
        {
            throw new ConfigurationException(SettingKeys.Password.ConfigKey, "holds a line break or a NUL byte, which cannot be sent to the server's tools on a line",
                "use a password without line breaks for the docker and ssh transports");
        }

        // A bash variable cannot hold a NUL: the preamble would find the script short and refuse it, far from here.
        if (script.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a server-side script cannot hold a NUL byte", nameof(script));
        }

        // bash -s reads its commands from the pipe a byte at a time (so as not to read past the one it runs next), and
        // so does its read builtin. The first line reads the two short lines with read (the password, the script's
        // length), then the script with head -c, which reads that many bytes in blocks and nothing past them (the
        // 190 kB engine script read a byte at a time cost 50-80 ms of every run); it checks the script arrived whole (a
        // run cut short must not run half a script), runs it, and exits. (The x keeps the script's trailing newlines
        // from the command substitution.)
        var preamble = "IFS= read -r govclone_pw; if [ -n \"$govclone_pw\" ]; then export PGPASSWORD=\"$govclone_pw\"; fi; unset govclone_pw; "
            + "export PGAPPNAME=" + ShellQuote.Word(applicationName) + "; "
            + (lifeline ? "GOVCLONE_LIFELINE=stdin; " : string.Empty)
            + "IFS= read -r govclone_bytes; govclone_script=\"$(head -c \"$govclone_bytes\"; printf x)\"; govclone_script=\"${govclone_script%x}\"; "
            + "govclone_got=\"$(LC_ALL=C; echo \"${#govclone_script}\")\"; if [ \"$govclone_got\" != \"$govclone_bytes\" ]; then "
            + "echo \"govclone: the script reached the server incomplete ($govclone_got of $govclone_bytes bytes; head must be on the server's PATH); nothing of it ran\" >&2; exit 1; fi; "
            + "unset govclone_bytes govclone_got; eval \"$govclone_script\"; exit $?\n";
        return new ProcessSpec(argv[0], argv.Skip(1).ToArray())
        {
            SecretFiles = key is null ? [] : [key],
            StandardInput = preamble + password + "\n" + Encoding.UTF8.GetByteCount(script).ToString(CultureInfo.InvariantCulture) + "\n" + script,
            KeepStandardInputOpen = lifeline,
            Environment = Environment(applicationName),
            OnOutputLine = onOutputLine,
            Redact = password.Length > 0 ? [password] : (_settings.Password is { } pw ? [pw.Reveal()] : []),
        };
    }

    // ---- Human-readable lever commands (the decision record's "exact commands") ----

    /// <summary><c>cat FILE | [ssh HOST "]docker exec -i postgres psql … -f -["]</c>.</summary>
    public string HumanPsqlFile(string sqlFile, string database)
    {
        var psql = Argv([Tool("psql"), .. ConnectionArgs, "-X", "-v", "ON_ERROR_STOP=1", "-d", database, "-P", "pager=off", "-f", "-"]);
        return "cat " + ShellQuote.Word(sqlFile) + " | " + ShellQuote.Join(psql);
    }
}
