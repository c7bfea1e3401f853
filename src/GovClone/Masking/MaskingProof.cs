using System.Security.Cryptography;
using System.Text;
using GovClone.Configuration;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Masking;

/// <summary>One masked column's check: how many of the clone's rows still hold a value of production's.</summary>
/// <param name="Column">schema.table.column.</param>
/// <param name="Strategy">The rule's strategy (constant:VALUE spelled out).</param>
/// <param name="Rows">The clone's rows.</param>
/// <param name="NonNull">The clone's rows with a value (not NULL) in the column.</param>
/// <param name="EqualToSource">Of those, the rows whose value is one of the source's values of that column (the constant
/// of a constant rule excepted, and NULLs, which the rules keep): must be 0.</param>
public sealed record MaskedColumnCheck(string Column, string Strategy, long Rows, long NonNull, long EqualToSource);

/// <summary>
/// The masking in force on a database and the proof that no masked column holds a production value: for each rule in
/// force whose column exists, every non-NULL value of the database is looked up among the source's values of the same
/// column (a stricter test than "the same key's value": any production value counts). <see cref="Clean"/> when every
/// count is 0. Values are compared by their SHA-256 (the clear values stay in the reading process's memory only as
/// digests, and never in output).
/// </summary>
public sealed record MaskingProof(string Identity, string Profile, IReadOnlyList<string> Rules, IReadOnlyList<MaskedColumnCheck> Columns, IReadOnlyList<string> Absent)
{
    /// <summary>No masked column holds a production value.</summary>
    public bool Clean => Columns.All(c => c.EqualToSource == 0);

    /// <summary>The proof for <paramref name="database"/> (the clone, or a branch), read against the source.</summary>
    public static async Task<MaskingProof> ReadAsync(Connections connections, GovCloneSettings s, NpgsqlConnection database, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(database);
        var columns = new List<MaskedColumnCheck>();
        var absent = new List<string>();
        await using var source = await connections.OpenSourceAsync(ct);
        // One read-only transaction on production, ended by sql/engine/source_check.sql like every govclone session there.
        await using (var begin = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", source))
        {
            await begin.ExecuteNonQueryAsync(ct);
        }

        foreach (var rule in s.Masking.Effective)
        {
            if (!await HasColumnAsync(database, rule, ct) || !await HasColumnAsync(source, rule, ct))
            {
                absent.Add(rule.ColumnName);
                continue;
            }

            var production = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var digest in DigestsAsync(source, rule, ct))
            {
                production.Add(digest);
            }

            if (rule.Value is { } constant)
            {
                production.Remove(Digest(constant));
            }

            long rows = 0, nonNull = 0, equal = 0;
            await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {Qualified(rule)}", database))
            {
                rows = (long)(await count.ExecuteScalarAsync(ct))!;
            }

            await foreach (var digest in DigestsAsync(database, rule, ct))
            {
                nonNull++;
                if (production.Contains(digest))
                {
                    equal++;
                }
            }

            columns.Add(new MaskedColumnCheck(rule.ColumnName, rule.StrategyText, rows, nonNull, equal));
        }

        await using (var check = new NpgsqlCommand(GovClone.Engine.EngineFiles.GetSql("source_check.sql"), source))
        {
            await check.ExecuteNonQueryAsync(ct);
        }

        await using (var rollback = new NpgsqlCommand("ROLLBACK", source))
        {
            await rollback.ExecuteNonQueryAsync(ct);
        }

        return new MaskingProof(s.Masking.Identity, MaskingRules.ProfileWord(s.Masking.Profile), s.Masking.Effective.Select(r => r.Text).ToArray(), columns, absent);
    }

    /// <summary>One line for people: the masking and its check.</summary>
    public string Line => Identity == "none"
        ? "masking: none (an exact copy of production, chosen by govclone:masking none)"
        : $"masking: {Identity}: {Columns.Count} column(s) checked, {Columns.Sum(c => c.EqualToSource)} value(s) equal to production's"
          + (Clean ? " (clean)" : " (NOT CLEAN: " + string.Join(", ", Columns.Where(c => c.EqualToSource > 0).Select(c => $"{c.Column} {c.EqualToSource}")) + ")");

    private static string Qualified(MaskingRule r) => Quote(r.Schema) + "." + Quote(r.Table);

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<bool> HasColumnAsync(NpgsqlConnection c, MaskingRule r, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            + "WHERE n.nspname = @s AND t.relname = @t AND a.attname = @c AND a.attnum > 0 AND NOT a.attisdropped AND t.relkind IN ('r', 'p'))", c);
        cmd.Parameters.AddWithValue("s", r.Schema);
        cmd.Parameters.AddWithValue("t", r.Table);
        cmd.Parameters.AddWithValue("c", r.Column);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async IAsyncEnumerable<string> DigestsAsync(NpgsqlConnection c, MaskingRule r, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT encode(sha256(convert_to({Quote(r.Column)}::text, 'UTF8')), 'hex') FROM {Qualified(r)} WHERE {Quote(r.Column)} IS NOT NULL", c);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yield return reader.GetString(0);
        }
    }

    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
