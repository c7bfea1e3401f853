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
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState is GovCloneErrorCodes.Guard or GovCloneErrorCodes.FamilyGuard || ex.MessageText.StartsWith("govclone guard:", StringComparison.Ordinal))
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, ex.MessageText, ex.Hint ?? "point the connection at the clone");
        }
    }
}
