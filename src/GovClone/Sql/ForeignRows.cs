using Npgsql;

namespace GovClone.Sql;

/// <summary>Rows of one governance table that the seed did not write (<c>sql/foreign_rows.sql</c>): how many, and a sample of whose and which.</summary>
public sealed record ForeignRowGroup(string Table, long Rows, string Sample)
{
    public override string ToString() => $"{Table}: {Rows} ({Sample})";
}

/// <summary>
/// The rows the seed did not write, and the check that keeps the seed and the reset from pretending to reach their
/// state while they are there. <c>sql/foreign_rows.sql</c> is the one definition: read here for reports, and embedded
/// as <see cref="CheckBlock"/> in <c>seed_committed_state.sql</c> and <c>reset_in_place.sql</c> (a test keeps the files
/// equal to this rendering), so the files refuse by hand with psql exactly as they do through govclone.
/// </summary>
public static class ForeignRows
{
    /// <summary>SQLSTATE of the check's refusal (govclone's own class "GC": not one PostgreSQL uses).</summary>
    public const string RefusedSqlState = GovCloneErrorCodes.ForeignRows;

    /// <summary>The DO block both files run first in their transaction: raises <see cref="RefusedSqlState"/>, naming the rows, while any exists.</summary>
    public static string CheckBlock { get; } = RenderCheckBlock();

    public static async Task<IReadOnlyList<ForeignRowGroup>> ReadAsync(NpgsqlConnection clone, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(clone);
        await using var cmd = new NpgsqlCommand(SqlScripts.Get(SqlScripts.ForeignRows), clone);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var groups = new List<ForeignRowGroup>();
        while (await r.ReadAsync(ct))
        {
            groups.Add(new ForeignRowGroup(r.GetString(1), r.GetInt64(2), await r.IsDBNullAsync(3, ct) ? string.Empty : r.GetString(3)));
        }

        return groups;
    }

    private static string RenderCheckBlock()
    {
        var query = string.Join('\n', SqlScripts.AsSubquery(SqlScripts.ForeignRows).Split('\n').Select(l => l.Length == 0 ? l : "    " + l));
        return $$"""
            -- govclone foreign rows (generated from sql/foreign_rows.sql; a test keeps it equal): refuse, changing nothing,
            -- while the clone holds rows this file did not write. It deletes and writes only its own.
            DO $foreign$
            DECLARE
              found text;
            BEGIN
              SELECT string_agg(format('%s: %s (%s)', table_name, rows, sample), '; ' ORDER BY ord) INTO found FROM (
            {{query}}
              ) f;
              IF found IS NOT NULL THEN
                RAISE EXCEPTION 'govclone: the clone holds rows the seed did not write, so it cannot reach its state: %', found
                  USING ERRCODE = '{{RefusedSqlState}}',
                        HINT = 'Nothing was changed. If they may go: govclone seed --purge-foreign (or reset --purge-foreign) deletes them first; by hand, run sql/purge_foreign_rows.sql, then this file.';
              END IF;
            END
            $foreign$;
            """;
    }
}
