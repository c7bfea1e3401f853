using GovClone.Engine;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Engine;

/// <summary>SQL texts of the clone engine, run on the real server.</summary>
public class ServerScriptsTests
{
    [Theory]
    [InlineData(null, "512MB", 8192L)] // a table without indexes
    [InlineData(0L, "512MB", 8192L)]
    [InlineData(126_000_000L, "512MB", 8192L)] // up to ~126 MB of index, the 8 MB floor merges in one pass
    [InlineData(7_500_000_000L, "512MB", 63122L)] // √(2 × 7.5 GB × 272 kB)
    [InlineData(7_500_000_000L, "4MB", 4096L)] // never more than maintenance_work_mem, even under the floor
    public async Task A_lanes_sort_memory_is_the_least_that_merges_in_one_pass_between_8MB_and_maintenance_work_mem(long? indexBytes, string maintenanceWorkMem, long expected)
    {
        var pg = await TestServer.GetAsync();
        await using var conn = await pg.OpenAsync("postgres");
        await using var cmd = new NpgsqlCommand(
            EngineFiles.Settings(("maintenance_work_mem", maintenanceWorkMem), ("index_bytes", indexBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""))
            + EngineFiles.GetSql("lane_sort_memory.sql"), conn);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.NextResultAsync());
        Assert.True(await r.ReadAsync());
        Assert.Equal(expected, r.GetInt64(0));
    }

    [Fact]
    public void The_job_list_computes_the_sort_memory_with_the_very_expression_the_test_checks()
    {
        var expression = EngineFiles.GetSql("lane_sort_memory.sql").Split('\n').Single(l => l.TrimStart().StartsWith("least(", StringComparison.Ordinal));
        Assert.Contains(expression + "\n", EngineFiles.GetSql("stream_tables.sql"), StringComparison.Ordinal);
    }
}
