using GovClone.Configuration;
using GovClone.Sql;
using Npgsql;

namespace GovClone.Sql;

/// <summary>One metric of the committed state as measured: <c>own=30 (CLONE_TEST_F6_SEED)</c>.</summary>
public sealed record MetricValue(string Name, long Value, string? Detail)
{
    public override string ToString() => Detail is null ? $"{Name}={Value}" : $"{Name}={Value} ({Detail})";
}

/// <summary>What a metric must be; a null <see cref="Detail"/> means the detail is not asserted.</summary>
public sealed record MetricExpectation(string Name, long Value, string? Detail = null)
{
    public bool IsMetBy(MetricValue? have) =>
        have is not null && have.Value == Value && (Detail is null || string.Equals(Detail, have.Detail, StringComparison.Ordinal));

    public override string ToString() => Detail is null ? $"{Name}={Value}" : $"{Name}={Value} ({Detail})";
}

/// <summary>One row of the have/want table.</summary>
public sealed record MetricCheck(MetricExpectation Want, MetricValue? Have)
{
    public bool Ok => Want.IsMetBy(Have);

    /// <summary><c>own have 31 (CLONE_TEST_F6_SEED, alice) want 30 (CLONE_TEST_F6_SEED)</c>.</summary>
    public string Describe() =>
        $"{Want.Name} have {(Have is null ? "missing" : Have.ToString()[(Want.Name.Length + 1)..])} want {Want.ToString()[(Want.Name.Length + 1)..]}";
}

/// <summary>The metric names, in the seed's order. Tables, JSON and SQL all use these.</summary>
public static class MetricNames
{
    public const string Own = "own";
    public const string Gap = "gap";
    public const string Ruleset = "ruleset";
    public const string ScanRun = "scan_run";
    public const string CandState = "cand_state";
    public const string CandObject = "cand_object";
    public const string Cursor = "cursor";
    public const string GovEmit = "gov_emit";
    public const string GovActive = "gov_active";
    public const string DotTools = "dot_tools";
    public const string AxisTables = "axis_tables";

    public static IReadOnlyList<string> All { get; } =
        [Own, Gap, Ruleset, ScanRun, CandState, CandObject, Cursor, GovEmit, GovActive, DotTools, AxisTables];
}

/// <summary>The committed state and the clean baseline, as expectations. The regression suite asserts one of these exactly.</summary>
public static class ExpectedState
{
    public const string SeedMarker = "CLONE_TEST_F6_SEED";
    public const string RulesetVersion = "RS-CLONE-TEST-1";
    public const string CursorDetail = "clone-test-worker, wm-2, events_seen=20";

    /// <summary><c>own=30 (CLONE_TEST_F6_SEED) | gap=0 | ruleset=1 (RS-CLONE-TEST-1) | scan_run=2 | cand_state=5 | cand_object=35 | cursor=1 (clone-test-worker, wm-2, events_seen=20) | gov_emit=0 | gov_active=0 | dot_tools=309 | axis_tables=0</c></summary>
    public static IReadOnlyList<MetricExpectation> Committed { get; } =
    [
        new(MetricNames.Own, 30, SeedMarker),
        new(MetricNames.Gap, 0),
        new(MetricNames.Ruleset, 1, RulesetVersion),
        new(MetricNames.ScanRun, 2),
        new(MetricNames.CandState, 5),
        new(MetricNames.CandObject, 35),
        new(MetricNames.Cursor, 1, CursorDetail),
        new(MetricNames.GovEmit, 0),
        new(MetricNames.GovActive, 0),
        new(MetricNames.DotTools, 309),
        new(MetricNames.AxisTables, 0),
    ];

    /// <summary>The clean F-6 baseline after reset-in-place: <c>own=0, gap=210, candidates=0</c> (production's own state).</summary>
    public static IReadOnlyList<MetricExpectation> Baseline { get; } =
    [
        new(MetricNames.Own, 0),
        new(MetricNames.Gap, 210),
        new(MetricNames.Ruleset, 0),
        new(MetricNames.ScanRun, 0),
        new(MetricNames.CandState, 0),
        new(MetricNames.CandObject, 0),
        new(MetricNames.Cursor, 0),
        new(MetricNames.GovEmit, 0),
        new(MetricNames.GovActive, 0),
        new(MetricNames.DotTools, 309),
        new(MetricNames.AxisTables, 0),
    ];

    public static IReadOnlyList<MetricExpectation> For(SeedProfile profile) =>
        profile == SeedProfile.Baseline ? Baseline : Committed;

    /// <summary>The seed's evidence line: <c>own=30 (CLONE_TEST_F6_SEED) | gap=0 | …</c>.</summary>
    public static string EvidenceLine(IEnumerable<MetricValue> values) => string.Join(" | ", values.Select(v => v.ToString()));

    public static IReadOnlyList<MetricCheck> Compare(IReadOnlyList<MetricExpectation> want, IReadOnlyList<MetricValue> have) =>
        want.Select(w => new MetricCheck(w, have.FirstOrDefault(h => h.Name == w.Name))).ToArray();
}

/// <summary>Reads the metrics with <c>sql/metrics.sql</c>, the single definition of every metric.</summary>
public static class GovernanceMetrics
{
    public static async Task<IReadOnlyList<MetricValue>> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var cmd = new NpgsqlCommand(SqlScripts.Get(SqlScripts.Metrics), connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<MetricValue>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new MetricValue(
                reader.GetString(reader.GetOrdinal("metric")),
                reader.GetInt64(reader.GetOrdinal("value")),
                await reader.IsDBNullAsync(reader.GetOrdinal("detail"), ct) ? null : reader.GetString(reader.GetOrdinal("detail"))));
        }

        return list;
    }
}
