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
    public IReadOnlyList<string> Argv(params string[] command) => WithPgpassFile(ArgvWithIdentity(null, command));

    /// <summary>Whether ssh runs authenticate with govclone:sshPrivateKey (a 0600 temporary file per run) rather than the ssh client's configuration.</summary>
    public bool UsesPrivateKey => Kind == TransportKind.Ssh && _settings.SshPrivateKey is not null;

    private List<string> ArgvWithIdentity(string? identityFile, string[] command)
    {
        var serverSide = ServerSideArgv(command);
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

        if (_passwordInEnvironment)
        {
            // The server's sshd must AcceptEnv PGPASSWORD; peer/trust auth inside the container needs none.
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

    /// <summary>The command line (for <c>sh -c</c>) that runs a bash script given on stdin at the server.</summary>
    public string BashCommandLine => ShellQuote.Join(Argv("bash", "-s"));

    /// <summary>Path of a PostgreSQL tool as the server-side script calls it.</summary>
    public string Tool(string name) =>
        Kind == TransportKind.Local && _settings.PgBinDir is not null ? Path.Combine(_settings.PgBinDir, name) : name;

    /// <summary>Connection flags of psql/pg_dump inside the script. Inside a container the tools use its local socket, as in the runbook.</summary>
    public IReadOnlyList<string> ConnectionArgs => Kind == TransportKind.Local
        ? ["-h", _settings.Host, "-p", _settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", _settings.User]
        : ["-U", _settings.User];

    /// <summary>
    /// Environment for the child that starts the transport. The password goes here (PGPASSWORD), never in
    /// argv; docker forwards it by name with <c>-e PGPASSWORD</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Environment(string applicationName = "govclone")
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGAPPNAME"] = applicationName,
            ["PGCONNECT_TIMEOUT"] = "10",
            // Never let a stray psqlrc or service file of the caller change what a script does.
            ["PSQLRC"] = "/dev/null",
            ["PGPASSWORD"] = _settings.Password?.Reveal(),
        };
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

    /// <summary>A process that runs <paramref name="script"/> with bash at the server.</summary>
    public ProcessSpec BashScript(string script, string applicationName = "govclone", Action<string>? onOutputLine = null)
    {
        // The stack's ssh key (govclone:sshPrivateKey): a file of its own for this run, 0600, deleted when it ends.
        var key = UsesPrivateKey ? new SecretFile(SecretFile.NewPath("ssh-key"), _settings.SshPrivateKey!) : null;
        var argv = WithSshConfigFile(ArgvWithIdentity(key?.Path, ["bash", "-s"]));
        return new ProcessSpec(argv[0], argv.Skip(1).ToArray())
        {
            SecretFiles = key is null ? [] : [key],
            // bash -s reads a script from a pipe one byte per system call (it must not read past the command it
            // runs next); the clone script is ~30 KB. Its first line hands the rest to cat, which reads it in
            // 64 KB blocks, and runs it.
            StandardInput = "eval \"$(cat)\"\n" + script,
            Environment = Environment(applicationName),
            OnOutputLine = onOutputLine,
        };
    }

    // ---- Human-readable lever commands (the decision record's "exact commands") ----

    /// <summary><c>cat FILE | [ssh HOST "]docker exec -i postgres psql … -f -["]</c>.</summary>
    public string HumanPsqlFile(string sqlFile, string database)
    {
        var psql = Argv([Tool("psql"), .. ConnectionArgs, "-X", "-v", "ON_ERROR_STOP=1", "-d", database, "-P", "pager=off", "-f", "-"]);
        return "cat " + ShellQuote.Word(sqlFile) + " | " + ShellQuote.Join(psql);
    }

    /// <summary><c>[ssh HOST "]docker exec postgres psql … -c "SQL"["]</c>.</summary>
    public string HumanPsqlCommand(string database, string sql)
    {
        var psql = Argv([Tool("psql"), .. ConnectionArgs, "-X", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql]);
        return ShellQuote.Join(psql);
    }
}
