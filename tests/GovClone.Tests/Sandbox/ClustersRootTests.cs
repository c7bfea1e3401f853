using GovClone.Sandbox;
using GovClone.Tests.Support;

namespace GovClone.Tests.Sandbox;

/// <summary>
/// LocalServerOptions.ClustersRoot (where the tests keep their servers: TestClusters): the cluster lives under that
/// folder with a note of its state folder, and a sweep of that folder stops and removes the clusters whose state
/// folder is gone while it leaves the others running. A real server, started and crashed here.
/// </summary>
public sealed class ClustersRootTests : IAsyncLifetime
{
    private string _work = null!;

    public Task InitializeAsync()
    {
        _work = LabKit.CreateWorkDirectory("clusters-root");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Whether process <paramref name="pid"/> runs (a zombie does not: this machine's init may leave it unreaped).</summary>
    private static bool Runs(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_cluster_lives_under_its_root_and_the_sweep_removes_it_only_once_its_state_folder_is_gone()
    {
        var root = Path.Combine(_work, "clusters");
        var kept = await LocalPostgresServer.StartAsync(new LocalServerOptions { StateDirectory = Path.Combine(_work, "kept"), Password = LabKit.NewPassword("root"), ClustersRoot = root });
        var orphan = await LocalPostgresServer.StartAsync(new LocalServerOptions { StateDirectory = Path.Combine(_work, "orphan"), Password = LabKit.NewPassword("root"), ClustersRoot = root });
        try
        {
            foreach (var server in new[] { kept, orphan })
            {
                Assert.Equal(root, Path.GetDirectoryName(server.ClusterDirectory));
                Assert.True(File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")), server.DataDirectory);
                Assert.Equal(server.Options.StateDirectory, File.ReadAllText(Path.Combine(server.ClusterDirectory, "govclone-state-directory")).Trim());
            }

            Assert.NotEqual(kept.ClusterDirectory, orphan.ClusterDirectory);

            // The orphan's state folder goes (a test run deleted without its cleanup); its server still runs.
            Directory.Delete(orphan.Options.StateDirectory, recursive: true);
            Assert.True(orphan.IsRunning());
            var postmaster = File.ReadLines(Path.Combine(orphan.DataDirectory, "postmaster.pid")).First();

            await LocalPostgresServer.SweepOrphanedClustersAsync(root);

            Assert.False(Directory.Exists(orphan.ClusterDirectory), orphan.ClusterDirectory);
            await Eventually.HoldsAsync(() => !Runs(postmaster), $"the orphan's postmaster {postmaster} still runs after the sweep");
            Assert.True(kept.IsRunning());
            Assert.True(Directory.Exists(kept.DataDirectory));
        }
        finally
        {
            await kept.DestroyAsync();
            await orphan.StopAsync("immediate").ContinueWith(_ => { }, TaskScheduler.Default);
        }

        Assert.False(Directory.Exists(kept.ClusterDirectory));
    }
}
