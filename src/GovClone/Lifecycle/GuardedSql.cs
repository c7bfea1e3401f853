using GovClone.Configuration;
using GovClone.Sql;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>How the clone's levers send SQL: a refusal of govclone's own guards becomes a <see cref="GuardException"/> (exit 2).</summary>
internal static class GuardedSql
{
    /// <summary>
    /// Runs <paramref name="sql"/>; a name guard's or the family guard's refusal (SQLSTATE GC001, GC005, or a
    /// "govclone guard:" message) becomes a <see cref="GuardException"/> naming govclone:cloneDatabase.
    /// </summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct) =>
        await RunAsync(connection, sql, async cmd => await cmd.ExecuteNonQueryAsync(ct));

    /// <summary>Like <see cref="ExecuteAsync"/>, for a query of one value (null for SQL NULL or no row).</summary>
    public static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
        where T : class =>
        await RunAsync(connection, sql, async cmd => await cmd.ExecuteScalarAsync(ct)) as T;

    private static async Task<object?> RunAsync(NpgsqlConnection connection, string sql, Func<NpgsqlCommand, Task<object?>> run)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        try
        {
            return await run(cmd);
        }
        catch (PostgresException ex) when (ex.SqlState is GovCloneErrorCodes.Guard or GovCloneErrorCodes.FamilyGuard || ex.MessageText.StartsWith("govclone guard:", StringComparison.Ordinal))
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, ex.MessageText, ex.Hint ?? "point the connection at the clone");
        }
    }
}
