using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GovClone.Tests.Support;

/// <summary>
/// A real OpenSSH server on loopback (Debian's openssh-server: <c>/usr/sbin/sshd -D -f CONFIG</c>), started by the tests as
/// the current user with its own host key, user key, free port and config, logging at DEBUG3 (it would print any
/// environment variable a client sends). Its sessions get the transport stand-ins' PATH (only <c>docker</c> is a
/// stand-in there: it runs its command as the container would). The client is the real <c>ssh</c>: the tests' stand-in
/// <c>ssh</c> hands every host but its fake one to <c>/usr/bin/ssh -F CLIENT_CONFIG -E CLIENT_LOG</c>, where the config
/// holds only this server's known host key (so the user's own ~/.ssh is neither read nor written).
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly Process _sshd;

    private SshServer(string directory, int port, string user, string privateKey, Process sshd)
    {
        Directory = directory;
        Port = port;
        User = user;
        PrivateKey = privateKey;
        _sshd = sshd;
    }

    public const string Sshd = "/usr/sbin/sshd";

    public string Directory { get; }

    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    public string User { get; }

    /// <summary>The user key's private half (OpenSSH format): what govclone:sshPrivateKey carries.</summary>
    public string PrivateKey { get; }

    /// <summary>sshd's own log (DEBUG3).</summary>
    public string ServerLog => Path.Combine(Directory, "sshd.log");

    /// <summary>The ssh client's debug log (DEBUG3, <c>ssh -E</c>).</summary>
    public string ClientLog => Path.Combine(Directory, "ssh-client.log");

    public string ClientConfig => Path.Combine(Directory, "ssh_config");

    /// <summary>The sshd process (the listener); its sessions are children of it.</summary>
    public int Pid => _sshd.Id;

    /// <summary>Variables a client of this server needs in its environment (the stand-in ssh reads them).</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment => new Dictionary<string, string>
    {
        ["GOVCLONE_REAL_SSH_CONFIG"] = ClientConfig,
        ["GOVCLONE_REAL_SSH_LOG"] = ClientLog,
    };

    /// <summary>Whether this machine can run one: Debian's openssh-server installed (scripts/install-prerequisites does it).</summary>
    public static bool Available => File.Exists(Sshd);

    /// <summary>Starts one; <paramref name="sessionEnvironment"/> is set in every session (sshd's SetEnv), e.g. PATH and the stand-ins' variables.</summary>
    public static async Task<SshServer> StartAsync(IReadOnlyDictionary<string, string> sessionEnvironment)
    {
        ArgumentNullException.ThrowIfNull(sessionEnvironment);
        if (!Available)
        {
            throw new InvalidOperationException($"{Sshd} is missing: apt-get install openssh-server (scripts/install-prerequisites installs it)");
        }

        if (Environment.UserName == "root" && !System.IO.Directory.Exists("/run/sshd"))
        {
            // As root sshd wants its privilege separation folder (systemd makes it for the system's sshd).
            System.IO.Directory.CreateDirectory("/run/sshd");
        }

        var dir = System.IO.Directory.CreateTempSubdirectory("govclone-sshd-").FullName;
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await KeygenAsync(Path.Combine(dir, "host_key"));
        await KeygenAsync(Path.Combine(dir, "user_key"));
        File.Copy(Path.Combine(dir, "user_key.pub"), Path.Combine(dir, "authorized_keys"));
        var port = FreePort();
        var user = Environment.UserName;
        var setEnv = string.Join(' ', sessionEnvironment.Select(kv => $"{kv.Key}={kv.Value}"));
        File.WriteAllText(Path.Combine(dir, "sshd_config"), $"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {dir}/host_key
            AuthorizedKeysFile {dir}/authorized_keys
            PidFile {dir}/sshd.pid
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            AllowUsers {user}
            PermitUserEnvironment no
            LogLevel DEBUG3
            SetEnv {setEnv}

            """);
        var hostKey = File.ReadAllText(Path.Combine(dir, "host_key.pub")).Trim();
        File.WriteAllText(Path.Combine(dir, "known_hosts"), $"[127.0.0.1]:{port.ToString(CultureInfo.InvariantCulture)} {hostKey}\n");
        File.WriteAllText(Path.Combine(dir, "ssh_config"), $"""
            Host *
              UserKnownHostsFile {dir}/known_hosts
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking yes
              LogLevel DEBUG3

            """);
        var psi = new ProcessStartInfo(Sshd) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-D", "-f", Path.Combine(dir, "sshd_config"), "-E", Path.Combine(dir, "sshd.log") })
        {
            psi.ArgumentList.Add(a);
        }

        var sshd = Process.Start(psi)!;
        var server = new SshServer(dir, port, user, File.ReadAllText(Path.Combine(dir, "user_key")), sshd);
        // Ready when it accepts a connection (a condition, with a deadline for a loaded machine).
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (sshd.HasExited)
            {
                throw new InvalidOperationException($"sshd exited {sshd.ExitCode}: {await sshd.StandardError.ReadToEndAsync()} {ReadOrEmpty(server.ServerLog)}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromMinutes(1))
            {
                await Task.Delay(50);
            }
        }

        return server;
    }

    /// <summary>Every process whose ancestors include this sshd (its sessions and what they run), pid and argv.</summary>
    public IReadOnlyList<(int Pid, string Argv)> SessionProcesses()
    {
        var parents = new Dictionary<int, int>();
        var argv = new Dictionary<int, string>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                argv[pid] = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
            }
            catch (IOException)
            {
            }
        }

        bool Under(int pid)
        {
            for (var p = pid; p > 1 && parents.TryGetValue(p, out var parent); p = parent)
            {
                if (parent == Pid)
                {
                    return true;
                }
            }

            return false;
        }

        return parents.Keys.Where(Under).Select(p => (p, argv.GetValueOrDefault(p) ?? "")).ToArray();
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    private static async Task KeygenAsync(string path)
    {
        var psi = new ProcessStartInfo("ssh-keygen") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "govclone-tests", "-f", path })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("ssh-keygen failed: " + err);
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Text of both logs, for asserting what ssh and sshd printed.</summary>
    public string Logs() => ReadOrEmpty(ServerLog) + "\n" + ReadOrEmpty(ClientLog);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_sshd.HasExited)
            {
                _sshd.Kill(entireProcessTree: true);
                await _sshd.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _sshd.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
