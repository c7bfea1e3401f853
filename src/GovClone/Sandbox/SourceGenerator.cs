using System.Globalization;
using GovClone.Guards;
using GovClone.Sql;
using Npgsql;

namespace GovClone.Sandbox;

/// <summary>
/// Creates the Directus-like production stand-in (<c>sql/generate_source.sql</c>) on a server govclone
/// started itself, and pads it with realistic audit data (<c>sql/pad_source.sql</c>) up to a target size.
/// It only ever runs against a <see cref="LocalPostgresServer"/>: a real production server is never written.
/// </summary>
public static class SourceGenerator
{
    /// <summary>Rows per padding batch (one transaction each).</summary>
    public const long PadBatchRows = 20_000;

    /// <summary>Creates and fills the source database if it does not exist. Returns false when it already existed (left untouched).</summary>
    public static async Task<bool> EnsureAsync(LocalPostgresServer server, string sourceDatabase, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        DatabaseNameGuard.RequireIdentifier(sourceDatabase, "govclone:sourceDatabase");
        await using (var maintenance = new NpgsqlConnection(server.ConnectionString()))
        {
            await maintenance.OpenAsync(ct);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", maintenance);
            exists.Parameters.AddWithValue(sourceDatabase);
            if (await exists.ExecuteScalarAsync(ct) is not null)
            {
                return false;
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseNameGuard.QuoteIdentifier(sourceDatabase)}", maintenance);
            await create.ExecuteNonQueryAsync(ct);
        }

        await using var source = new NpgsqlConnection(server.ConnectionString(sourceDatabase));
        await source.OpenAsync(ct);
        await using var generate = new NpgsqlCommand(SqlScripts.Get(SqlScripts.GenerateSource), source);
        await generate.ExecuteNonQueryAsync(ct);
        return true;
    }

    /// <summary>Appends audit batches until the source database is at least <paramref name="targetBytes"/>. Reports (bytes, rows).</summary>
    public static async Task<long> PadAsync(LocalPostgresServer server, string sourceDatabase, long targetBytes, IProgress<(long Bytes, long Rows)>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        await using var source = new NpgsqlConnection(server.ConnectionString(sourceDatabase));
        await source.OpenAsync(ct);
        var pad = SqlScripts.Get(SqlScripts.PadSource);
        long rows = 0;
        await using (var start = new NpgsqlCommand("SELECT count(*) FROM directus_activity", source))
        {
            rows = (long)(await start.ExecuteScalarAsync(ct))!;
        }

        var batch = rows / PadBatchRows;
        while (true)
        {
            var size = await SizeAsync(source, ct);
            progress?.Report((size, rows));
            if (size >= targetBytes)
            {
                return size;
            }

            var text = string.Create(CultureInfo.InvariantCulture, $"SET govclone.pad_rows = '{PadBatchRows}'; SET govclone.pad_batch = '{batch}';\n{pad}");
            await using var cmd = new NpgsqlCommand(text, source);
            await cmd.ExecuteNonQueryAsync(ct);
            rows += PadBatchRows;
            batch++;
        }
    }

    private static async Task<long> SizeAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_database_size(current_database())", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Parses sizes like <c>1.2GB</c>, <c>500MB</c>, <c>800M</c>, <c>1073741824</c>.</summary>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToUpperInvariant().Replace(" ", string.Empty, StringComparison.Ordinal);
        (string Suffix, long Factor)[] units = [("GIB", 1L << 30), ("MIB", 1L << 20), ("KIB", 1L << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1)];
        foreach (var (suffix, factor) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                return (long)(n * factor);
            }
        }

        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
        {
            return bytes;
        }

        throw new ConfigurationException("--size", $"'{text}' is not a size", "write e.g. 1.2GB, 500MB or a number of bytes");
    }
}
