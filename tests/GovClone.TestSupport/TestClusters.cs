namespace GovClone.Tests.Support;

/// <summary>
/// Where the tests' and the fault runner's private servers keep their clusters
/// (<see cref="GovClone.Sandbox.LocalServerOptions.ClustersRoot"/>): on a tmpfs (<c>/dev/shm</c>) where one has room. The
/// tests create and drop thousands of databases, and on ext4 most of the server's CPU then goes to the kernel's inode
/// allocation (a perf profile of the suite: find_get_block_common, recently_deleted, find_inode_bit), none of it in
/// what the tests check. The server and its SQL are the same either way; bench/clone and the sandbox stay on disk.
/// <c>GOVCLONE_TEST_CLUSTERS</c>: unset picks the tmpfs when it has room, <c>disk</c> keeps the default place, an
/// absolute path names the folder.
/// </summary>
public static class TestClusters
{
    /// <summary>Free space the tmpfs needs: the suite's server peaks under 1 GB; the rest is headroom for the others.</summary>
    private const long TmpfsNeedsBytes = 4L << 30;

    private static readonly Lazy<string?> Chosen = new(Choose);

    /// <summary>The folder for <see cref="GovClone.Sandbox.LocalServerOptions.ClustersRoot"/>; null for the default place.</summary>
    public static string? Root => Chosen.Value;

    private static string? Choose()
    {
        var setting = Environment.GetEnvironmentVariable("GOVCLONE_TEST_CLUSTERS");
        if (setting == "disk")
        {
            return null;
        }

        if (!string.IsNullOrEmpty(setting))
        {
            return Path.IsPathFullyQualified(setting)
                ? setting
                : throw new InvalidOperationException($"GOVCLONE_TEST_CLUSTERS: '{setting}' is neither 'disk' nor an absolute path. Fix: unset it (a tmpfs where one has room), or set it to disk or to a folder's absolute path");
        }

        const string shm = "/dev/shm";
        try
        {
            // One folder per user: /dev/shm is shared, and a folder another account made there is not ours to write in.
            return Directory.Exists(shm) && new DriveInfo(shm).AvailableFreeSpace >= TmpfsNeedsBytes ? Path.Combine(shm, "govclone-test-clusters-" + Environment.UserName) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
