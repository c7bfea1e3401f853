using GovClone.Branches;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Sandbox;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Sql;

/// <summary>
/// An autovacuum worker is the server's own upkeep, not a session: branch gc's "busy" (sql/branch/branch_list.sql), the
/// source-template clone's "the source has sessions" (sql/engine/source_sessions.sql) and the decision's "app connections
/// on the clone" (StatusReport) leave it out, while a client session still counts. On a private server whose autovacuum
/// wakes every second and crawls over one table (cost limit 1), so a worker stays on the database while the test reads.
/// (The likely cause, not proven, of BranchLifecycleTests' gc test keeping a just-seeded idle branch as "a session" once
/// on a busy machine: a seed draws autovacuum. The three counts are still three texts; this test is what holds them equal.)
/// </summary>
public sealed class AutovacuumSessionTests : IAsyncLifetime
{
    private const string Clone = "directus_gov_test_av";
    private const string Database = Clone + "_b1";
    private string _work = null!;
    private LocalPostgresServer _server = null!;

    public async Task InitializeAsync()
    {
        _work = LabKit.CreateWorkDirectory("autovacuum");
        _server = await LocalPostgresServer.StartAsync(new LocalServerOptions { StateDirectory = Path.Combine(_work, "server"), Password = "pw-" + Guid.NewGuid().ToString("N"), ClustersRoot = TestClusters.Root });
        await ExecuteAsync("postgres", "ALTER SYSTEM SET autovacuum_naptime = '1s'");
        await ExecuteAsync("postgres", "SELECT pg_reload_conf()");
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{Database}\"");
        await ExecuteAsync(Database, """
            CREATE TABLE crawl (id int, pad text) WITH (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
                autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1);
            INSERT INTO crawl SELECT g, repeat('x', 200) FROM generate_series(1, 50000) g;
            DELETE FROM crawl WHERE id % 2 = 0;
            """);
    }

    public async Task DisposeAsync()
    {
        await _server.DestroyAsync();
        Directory.Delete(_work, recursive: true);
    }

    [LinuxFact]
    public async Task An_autovacuum_worker_is_no_session_and_a_client_session_still_is()
    {
        await Eventually.HoldsAsync(async () => await CountAsync("SELECT count(*)::int FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'autovacuum worker'") > 0,
            $"no autovacuum worker came to {Database} (autovacuum_naptime 1s, a table with dead rows and no threshold)");

        Assert.Equal(0, await SessionsAsync());

        // A client session on it counts in all three.
        await using (var client = new NpgsqlConnection(_server.ConnectionString(Database)))
        {
            await client.OpenAsync();
            Assert.True(await CountAsync("SELECT count(*)::int FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'autovacuum worker'") > 0, "the autovacuum worker is still there");
            Assert.Equal(1, await SessionsAsync());
        }

        Assert.Equal(0, await SessionsAsync());
    }

    /// <summary>The three counts, which must agree: branch_list.sql's sessions, source_sessions.sql's, the status's app connections.</summary>
    private async Task<int> SessionsAsync()
    {
        await using var conn = new NpgsqlConnection(_server.ConnectionString("postgres"));
        await conn.OpenAsync();
        await using (var set = new NpgsqlCommand($"SET govclone.clone = '{Clone}'; SET govclone.source = '{Database}'", conn))
        {
            await set.ExecuteNonQueryAsync();
        }

        int branchList;
        await using (var list = new NpgsqlCommand(BranchSql.Get(BranchSql.List), conn))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(Database, reader.GetString(0));
            branchList = reader.GetInt32(3);
        }

        await using var source = new NpgsqlCommand(EngineFiles.GetSql("source_sessions.sql"), conn);
        var sourceSessions = Convert.ToInt32(await source.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await using var app = new NpgsqlCommand(StatusReport.AppConnectionsSql, conn);
        app.Parameters.AddWithValue(Database);
        var appConnections = (int)(await app.ExecuteScalarAsync())!;
        Assert.Equal([branchList, branchList], new[] { sourceSessions, appConnections });
        return branchList;
    }

    private async Task<int> CountAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(_server.ConnectionString("postgres"));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(Database);
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string database, string sql)
    {
        await using var conn = new NpgsqlConnection(_server.ConnectionString(database));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
