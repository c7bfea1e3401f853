using System.Globalization;
using GovClone.Engine;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>One thing other sessions changed in production during a run: a table's rows, a relation's definition, the functions.</summary>
/// <param name="Kind"><c>table</c> (rows), <c>relation</c> (definition), <c>functions</c>.</param>
/// <param name="Name">schema-qualified where it is a relation, e.g. <c>public.directus_activity</c>.</param>
/// <param name="What">e.g. <c>contents differ</c>, <c>12 inserted, 3 updated</c>, <c>definition changed</c>, <c>created</c>.</param>
public sealed record ProductionChange(string Kind, string Name, string What)
{
    public override string ToString() => $"{Name} ({What})";
}

/// <summary>
/// What a run did to production, and what others did to it meanwhile (issue 21). The pass/fail fact is
/// <see cref="SessionsChecked"/>: every session govclone opened there ended with sql/engine/source_check.sql (read-only, no
/// transaction id), and pg_dump's sessions ran in pg_dump's own READ ONLY transaction, never committed; a session that
/// wrote fails the run before a report exists (<see cref="ProductionWrittenException"/>). The rest is a report:
/// production is live, and what other sessions changed during the run is named, not a failure.
/// </summary>
public sealed record ProductionReport
{
    /// <summary>Whether this run read production at all (a template copy or a spare swap does not).</summary>
    public required bool Read { get; init; }

    /// <summary>Sessions on production that ended with the source check (govclone's own and the engine's psql sessions).</summary>
    public int SessionsChecked { get; init; }

    /// <summary>pg_dump runs on production (read-only by their own transaction, never committed; not checkable from inside).</summary>
    public int PgDumpRuns { get; init; }

    /// <summary>sql/fingerprint.sql equal before and after (the governance tables and the catalog).</summary>
    public bool FingerprintEqual { get; init; } = true;

    /// <summary>What other sessions changed during the run (empty: nothing seen).</summary>
    public IReadOnlyList<ProductionChange> ChangedByOthers { get; init; } = [];

    /// <summary>A run that did not read production.</summary>
    public static ProductionReport NotRead { get; } = new() { Read = false };

    /// <summary>One line for people.</summary>
    public string Describe()
    {
        if (!Read)
        {
            return "production: not read by this run";
        }

        var proof = string.Create(CultureInfo.InvariantCulture,
            $"govclone's {SessionsChecked} session(s) there ended read-only with no transaction id{(PgDumpRuns > 0 ? $", its {PgDumpRuns} pg_dump run(s) in pg_dump's own read-only transaction" : string.Empty)}: govclone wrote nothing");
        return ChangedByOthers.Count == 0 && FingerprintEqual
            ? $"production: unchanged (fingerprint equal before and after); {proof}"
            : $"production: changed during the run by other sessions ({proof}): {(ChangedByOthers.Count == 0 ? "the fingerprint differs" : string.Join(", ", ChangedByOthers))}";
    }
}

/// <summary>A govclone session on production was not read-only or wrote (SQLSTATE GC004): the run fails (exit 1).</summary>
public sealed class ProductionWrittenException(string message, Exception? inner = null) : GovCloneException(message, inner);

/// <summary>Production as one read-only transaction sees it: the fingerprint and the parts that name a change.</summary>
internal sealed record ProductionView(SourceFingerprint Fingerprint, IReadOnlyDictionary<(string Kind, string Name), string> Parts)
{
    /// <summary>
    /// Set (to anything) only by tests: govclone's own production session then opens read-write and takes a transaction
    /// id, so that the source check must fail the run. Never set it elsewhere.
    /// </summary>
    public const string ForceWriteForTests = "GOVCLONE_TEST_FORCE_PRODUCTION_WRITE";

    /// <summary>The same for in-process tests, for their own async flow only (other tests on the same process are not touched).</summary>
    internal static readonly AsyncLocal<bool> ForceWriteHere = new();

    /// <summary>Reads it in one read-only REPEATABLE READ transaction, checked (sql/engine/source_check.sql) and rolled back.</summary>
    public static async Task<ProductionView> ReadAsync(Connections connections, CancellationToken ct)
    {
        try
        {
            return await ReadCheckedAsync(connections, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new OperationFailedException(
                "could not read production's fingerprint: a production session held a lock on one of its tables longer than govclone:sourceLockTimeoutSeconds (a migration's ALTER TABLE?); nothing was changed. Run again when it is done, or raise govclone:sourceLockTimeoutSeconds.", ex);
        }
    }

    private static async Task<ProductionView> ReadCheckedAsync(Connections connections, CancellationToken ct)
    {
        await using var source = await connections.OpenSourceAsync(ct);
        var force = ForceWriteHere.Value || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ForceWriteForTests));
        await using (var begin = new NpgsqlCommand(force ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ WRITE; SELECT pg_current_xact_id()" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", source))
        {
            await begin.ExecuteNonQueryAsync(ct);
        }

        SourceFingerprint fingerprint;
        await using (var cmd = new NpgsqlCommand(SqlScripts.Get(SqlScripts.Fingerprint), source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
            {
                throw new OperationFailedException("fingerprint.sql returned no row");
            }

            fingerprint = new SourceFingerprint(r.GetString(0), r.GetString(1));
        }

        var parts = new Dictionary<(string, string), string>();
        await using (var cmd = new NpgsqlCommand(SqlScripts.Get(SqlScripts.ProductionParts), source))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                parts[(r.GetString(0), r.GetString(1))] = r.GetString(2);
            }
        }

        await CheckAsync(source, "govclone's production session (fingerprint)", ct);
        await using (var rollback = new NpgsqlCommand("ROLLBACK", source))
        {
            await rollback.ExecuteNonQueryAsync(ct);
        }

        return new ProductionView(fingerprint, parts);
    }

    /// <summary>Runs sql/engine/source_check.sql as the transaction's last statement; a failure is a <see cref="ProductionWrittenException"/>.</summary>
    public static async Task CheckAsync(NpgsqlConnection source, string session, CancellationToken ct)
    {
        try
        {
            await using var check = new NpgsqlCommand(EngineFiles.GetSql("source_check.sql"), source);
            await check.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == GovCloneErrorCodes.SourceWritten)
        {
            throw new ProductionWrittenException($"{session}: {ex.MessageText}. The run fails: govclone must never write production. Nothing of that transaction was committed (it is rolled back).", ex);
        }
    }

    /// <summary>What differs between two views, by kind: the governance tables' contents, relation definitions, functions, and the statistics' row writes.</summary>
    public static IReadOnlyList<ProductionChange> Changes(ProductionView before, ProductionView after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<ProductionChange>();
        foreach (var key in before.Parts.Keys.Union(after.Parts.Keys).Where(k => k.Kind != "writes").OrderBy(k => k.Kind, StringComparer.Ordinal).ThenBy(k => k.Name, StringComparer.Ordinal))
        {
            var had = before.Parts.TryGetValue(key, out var b);
            var has = after.Parts.TryGetValue(key, out var a);
            if (had && has && a == b)
            {
                continue;
            }

            var what = !had ? "created" : !has ? "dropped" : key.Kind switch
            {
                "table" => "rows changed",
                "relation" => "definition changed (columns, constraints or indexes)",
                _ => "changed",
            };
            changes.Add(new ProductionChange(key.Kind == "functions" ? "functions" : key.Kind == "table" ? "table" : "relation", key.Name, what));
        }

        foreach (var (key, now) in after.Parts.Where(p => p.Key.Kind == "writes").OrderBy(p => p.Key.Name, StringComparer.Ordinal))
        {
            var was = before.Parts.GetValueOrDefault(key) ?? "0 0 0";
            var n = Counts(now);
            var o = Counts(was);
            var delta = new[] { ("inserted", n[0] - o[0]), ("updated", n[1] - o[1]), ("deleted", n[2] - o[2]) }.Where(d => d.Item2 > 0).ToArray();
            if (delta.Length > 0)
            {
                changes.Add(new ProductionChange("table", key.Name, string.Join(", ", delta.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Item2} {d.Item1}"))) + " (statistics)"));
            }
        }

        // One entry per name: a governance table's contents and its statistics' counts together.
        return changes.GroupBy(c => c.Name, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.First() : new ProductionChange(g.First().Kind, g.Key, string.Join("; ", g.Select(c => c.What))))
            .ToArray();
    }

    private static long[] Counts(string text) =>
        text.Split(' ').Select(x => long.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0).Concat([0L, 0L, 0L]).Take(3).ToArray();
}
