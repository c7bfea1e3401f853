using GovClone.Tests.Support;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Tests.Transport;

/// <summary>SQL texts of the clone script, run on the real server.</summary>
public class ServerScriptsTests
{
    [Theory]
    [InlineData(null, 524288L, 8192L)] // a table without indexes
    [InlineData(0L, 524288L, 8192L)]
    [InlineData(126_000_000L, 524288L, 8192L)] // up to ~126 MB of index, the 8 MB floor merges in one pass
    [InlineData(7_500_000_000L, 524288L, 63122L)] // √(2 × 7.5 GB × 272 kB)
    [InlineData(7_500_000_000L, 4096L, 4096L)] // never more than maintenance_work_mem, even under the floor
    public async Task A_lanes_sort_memory_is_the_least_that_merges_in_one_pass_between_8MB_and_maintenance_work_mem(long? indexBytes, long maxKilobytes, long expected)
    {
        var pg = await TestServer.GetAsync();
        await using var conn = await pg.OpenAsync("postgres");
        await using var cmd = new NpgsqlCommand($"SELECT {ServerScripts.LaneSortMemorySql("$1::bigint", maxKilobytes)}", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)indexBytes ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        Assert.Equal(expected, (long)(await cmd.ExecuteScalarAsync())!);
    }
}
