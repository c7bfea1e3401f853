using System.Security.Cryptography;
using GovClone.Configuration;

namespace GovClone.Sandbox;

/// <summary>
/// The one-command sandbox: a private server whose state is in <c>.govclone/sandbox</c> (its data directory too,
/// unless it runs as the postgres account: then in that account's home, see <see cref="LocalPostgresServer.ClusterDirectoryFor"/>), the generated source, and the
/// stack file <c>Pulumi.sandbox.yaml</c> (git-ignored) that points govclone at it, so
/// <c>govclone status --stack sandbox</c> talks to it. The password lives only in a 0600 pgpass file.
/// </summary>
public sealed class SandboxEnvironment
{
    public const string StackName = "sandbox";

    public SandboxEnvironment(string projectDirectory)
    {
        ProjectDirectory = projectDirectory;
        StateDirectory = Environment.GetEnvironmentVariable("GOVCLONE_SANDBOX_DIR") is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.Combine(projectDirectory, ".govclone", "sandbox");
    }

    public string ProjectDirectory { get; }

    public string StateDirectory { get; }

    public string ServerDirectory => Path.Combine(StateDirectory, "server");

    public string PgpassFile => Path.Combine(StateDirectory, "pgpass");

    public string StackFile => Path.Combine(ProjectDirectory, $"Pulumi.{StackName}.yaml");

    /// <summary>Starts (or reuses) the server, generates the source if absent, and writes the sandbox stack file.</summary>
    public async Task<(LocalPostgresServer Server, bool SourceCreated)> StartAsync(string sourceDatabase = "directus", CancellationToken ct = default)
    {
        Directory.CreateDirectory(StateDirectory);
        var password = ReadOrCreatePassword();
        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions
        {
            StateDirectory = ServerDirectory,
            Password = password,
        }, ct);
        var created = await SourceGenerator.EnsureAsync(server, sourceDatabase, ct);
        WriteStackFile(server);
        return (server, created);
    }

    /// <summary>
    /// Stops the server and removes every trace: the state folder, the server's own folder (outside the checkout
    /// when it runs as the postgres account) and the stack file.
    /// </summary>
    public async Task<bool> DestroyAsync(CancellationToken ct = default)
    {
        var existed = Directory.Exists(StateDirectory) || File.Exists(StackFile);
        existed |= await LocalPostgresServer.DestroyAsync(ServerDirectory, ct);
        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }

        File.Delete(StackFile);
        return existed;
    }

    private string ReadOrCreatePassword()
    {
        if (File.Exists(PgpassFile))
        {
            var line = File.ReadAllText(PgpassFile).Trim();
            return line[(line.LastIndexOf(':') + 1)..];
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        File.WriteAllText(PgpassFile, $"127.0.0.1:*:*:workflow_admin:{password}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PgpassFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return password;
    }

    private void WriteStackFile(LocalPostgresServer server)
    {
        var settings = server.ClientSettings();
        settings[SettingKeys.PgpassFile.Name] = PgpassFile;
        settings[SettingKeys.SourceDatabase.Name] = "directus";
        settings[SettingKeys.CloneDatabase.Name] = SettingKeys.CloneDatabase.Default!;
        var config = settings.ToDictionary(kv => SettingKeys.Namespace + ":" + kv.Key, kv => kv.Value!, StringComparer.Ordinal);
        Configuration.StackFile.Write(StackFile, config,
            "Written by `govclone sandbox up` for the private sandbox server; removed by `govclone sandbox down`.\nGit-ignored: the port and paths are this machine's.");
    }
}
