using System.Globalization;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Sql;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>How the branch levers send SQL: a refusal of the branch guard becomes a <see cref="GuardException"/> (exit 2) naming NAME.</summary>
internal static class BranchGuardedSql
{
    /// <summary>Runs SQL; govclone's guard refusals (SQLSTATE GC001) become a <see cref="GuardException"/> (exit 2) naming NAME.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == GovCloneErrorCodes.Guard || ex.MessageText.StartsWith("govclone guard:", StringComparison.Ordinal))
        {
            throw new GuardException(BranchName.Argument, ex.MessageText, ex.Hint ?? "name a branch of govclone:cloneDatabase: govclone branch list shows them");
        }
    }

    /// <summary>The first column of the first row, converted to <typeparamref name="T"/>; default when there is none or it is NULL.</summary>
    public static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is null or DBNull ? default : (T)Convert.ChangeType(v, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }
}
