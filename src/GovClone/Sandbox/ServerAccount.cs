using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GovClone.Processes;

namespace GovClone.Sandbox;

/// <summary>
/// The account a private server runs as. initdb and postgres refuse to run as root, so when govclone runs as root the
/// cluster is owned by and run as the <c>postgres</c> system account (created by Debian's postgresql package). That
/// account cannot enter a folder only root may enter (a home directory is 0700, and so is every <c>mktemp -d</c>
/// folder), so as root the cluster lives in a folder of its own under the postgres account's home, keyed by the state
/// folder (<see cref="ClusterDirectoryFor"/>); otherwise everything runs as the current user, in the state folder.
/// </summary>
internal static class ServerAccount
{
    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>
    /// Where the cluster of <paramref name="stateDirectory"/> lives: the state folder itself when the server runs as
    /// the current user; as root, <c>~postgres/govclone-clusters/&lt;hash of the state folder's full path&gt;</c>, a folder
    /// the postgres account owns, outside any folder it may not enter. With <paramref name="clustersRoot"/> (see
    /// <see cref="LocalServerOptions.ClustersRoot"/>): <c>&lt;clustersRoot&gt;/&lt;that hash&gt;</c>, as any user.
    /// </summary>
    public static string ClusterDirectoryFor(string stateDirectory, string? clustersRoot = null)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        var full = Path.GetFullPath(stateDirectory);
        if (!IsRoot && clustersRoot is null)
        {
            return full;
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..20].ToLowerInvariant();
        return Path.Combine(clustersRoot is null ? ClustersRoot : Path.GetFullPath(clustersRoot), key);
    }

    /// <summary>The folder under the postgres account's home (from /etc/passwd; Debian: /var/lib/postgresql) holding root-started clusters.</summary>
    public static string ClustersRoot
    {
        get
        {
            var home = "/var/lib/postgresql";
            try
            {
                var entry = File.ReadLines("/etc/passwd").FirstOrDefault(l => l.StartsWith("postgres:", StringComparison.Ordinal))?.Split(':');
                if (entry is { Length: > 5 } && entry[5].StartsWith('/'))
                {
                    home = entry[5];
                }
            }
            catch (IOException)
            {
            }

            return Path.Combine(home, "govclone-clusters");
        }
    }

    /// <summary>As root: gives <paramref name="path"/> (and, <paramref name="recursive"/>, what it holds) to the postgres account.</summary>
    public static async Task ChownToServerUserAsync(string path, bool recursive, CancellationToken ct)
    {
        if (!IsRoot)
        {
            return;
        }

        var r = await ProcessRunner.RunAsync(new ProcessSpec("chown", recursive ? ["-R", "postgres:postgres", path] : ["postgres:postgres", path]), ct);
        if (!r.Succeeded)
        {
            throw new OperationFailedException($"running as root, the server must run as the postgres system account, but chown failed: {r.StandardError.Trim()}. Install Debian's postgresql package (it creates that account).");
        }
    }

    /// <summary>Runs <paramref name="tool"/> (in <paramref name="binDirectory"/>, or on PATH) as the server's account, from <c>/</c>.</summary>
    public static Task<ProcessResult> RunAsServerUserAsync(string binDirectory, string tool, IReadOnlyList<string> args, CancellationToken ct, bool onPath = false)
    {
        var exe = onPath ? tool : Path.Combine(binDirectory, tool);
        var spec = IsRoot
            ? new ProcessSpec("runuser", ["-u", "postgres", "--", exe, .. args])
            : new ProcessSpec(exe, args);
        return ProcessRunner.RunAsync(spec with { WorkingDirectory = "/" }, ct);
    }

    private static uint GetEuid()
    {
        try
        {
            var status = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var parts = status?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: > 2 } && uint.TryParse(parts[2], CultureInfo.InvariantCulture, out var euid) ? euid : uint.MaxValue;
        }
        catch (IOException)
        {
            return uint.MaxValue;
        }
    }
}
