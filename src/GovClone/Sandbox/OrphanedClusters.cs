namespace GovClone.Sandbox;

/// <summary>
/// Clusters started as root live under the postgres account's home (<see cref="ServerAccount.ClustersRoot"/>), each with a
/// note of the state folder it belongs to; a cluster whose state folder is gone (a test run or a checkout deleted
/// without <c>sandbox down</c>) is an orphan, stopped and removed here.
/// </summary>
internal static class OrphanedClusters
{
    /// <summary>In a cluster folder under the postgres account's home: the state folder it belongs to.</summary>
    public const string OwnerFileName = "govclone-state-directory";

    /// <summary>
    /// As root: stops and removes the clusters under the postgres account's home whose state folder is gone (a test
    /// run or a checkout deleted without <c>sandbox down</c>). Clusters of state folders that exist are left alone.
    /// </summary>
    /// <param name="clustersRoot">Another folder of clusters (<see cref="LocalServerOptions.ClustersRoot"/>), swept as any user; null: the postgres account's home, as root.</param>
    public static async Task SweepAsync(string? clustersRoot, CancellationToken ct)
    {
        var root = clustersRoot ?? ServerAccount.ClustersRoot;
        if ((clustersRoot is null && !ServerAccount.IsRoot) || !Directory.Exists(root))
        {
            return;
        }

        foreach (var cluster in Directory.GetDirectories(root))
        {
            var ownerFile = Path.Combine(cluster, OwnerFileName);
            string owner;
            try
            {
                owner = File.ReadAllText(ownerFile).Trim();
            }
            catch (IOException)
            {
                continue; // being created right now, or not ours
            }

            if (owner.Length == 0 || Directory.Exists(owner))
            {
                continue;
            }

            var server = LocalPostgresServer.TryFromClusterDirectory(owner, cluster);
            try
            {
                if (server is not null)
                {
                    await server.StopAsync("immediate", ct);
                }

                Directory.Delete(cluster, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationFailedException)
            {
                // Best effort: another sweeper may be at it, or the server will not stop; the next sweep tries again.
            }
        }
    }
}
