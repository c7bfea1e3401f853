using System.Globalization;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Decision;

namespace GovClone.Deploy;

/// <summary>
/// The stack outputs, read from what the regression suite's Command (<c>regression-suite-up</c>) prints: <c>govclone up --json</c> and then
/// <c>govclone status --json</c>, each NDJSON ending in one <c>{"event":"result",…}</c> line (docs/cli-json.md).
/// <c>up</c> says whether the suite passed and production stayed unchanged; <c>status</c> gives the clone's size,
/// metrics, evidence and the lifecycle decision from live facts (what <c>govclone decide</c> says).
/// </summary>
public sealed record StackOutputs(
    string CloneName,
    long CloneSizeBytes,
    IReadOnlyDictionary<string, long> Metrics,
    string Evidence,
    bool Verified,
    string Decision,
    string DecisionReason,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Factors,
    bool ProductionUnchanged)
{
    /// <summary>The masking in force on the clone (<c>none</c>, or <c>profile-&lt;hash&gt;</c>; docs/masking.md); empty when the result says none.</summary>
    public string Masking { get; init; } = string.Empty;

    /// <summary>No masked column of the clone holds a production value (the per-column check of <c>up</c>'s verify).</summary>
    public bool MaskingClean { get; init; }

    /// <summary>The per-column check: column, strategy, equalToSource (must be 0).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> MaskingColumns { get; init; } = [];

    /// <summary>The outputs from the suite Command's stdout; null when it holds no <c>up</c> and <c>status</c> result (preview, failed run).</summary>
    public static StackOutputs? FromSuite(GovCloneSettings settings, string? stdout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return FromSuite(settings.CloneDatabase, stdout);
    }

    /// <summary>The outputs from the suite Command's stdout for the clone <paramref name="cloneName"/>; null when it holds no <c>up</c> and <c>status</c> result.</summary>
    public static StackOutputs? FromSuite(string cloneName, string? stdout)
    {
        ArgumentNullException.ThrowIfNull(cloneName);
        var up = Result(stdout, "up");
        var status = Result(stdout, "status");
        if (up is not { } u || status is not { } st)
        {
            return null;
        }

        var metrics = new Dictionary<string, long>(StringComparer.Ordinal);
        if (st.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in m.EnumerateObject())
            {
                metrics[p.Name] = p.Value.GetProperty("value").GetInt64();
            }
        }

        var decision = st.GetProperty("decision");
        var factors = decision.GetProperty("factors").EnumerateArray()
            .Select(f => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["factor"] = f.GetProperty("factor").GetString()!,
                ["assessment"] = f.GetProperty("assessment").GetString()!,
                ["status"] = f.GetProperty("status").GetString()!,
            }).ToArray();
        return new StackOutputs(
            cloneName,
            st.TryGetProperty("sizeBytes", out var size) && size.ValueKind == JsonValueKind.Number ? size.GetInt64() : 0,
            metrics,
            st.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.String ? ev.GetString()! : string.Empty,
            u.GetProperty("ok").GetBoolean() && u.GetProperty("verify").GetProperty("passed").GetBoolean(),
            decision.GetProperty("verdict").GetString()!,
            decision.GetProperty("reason").GetString()!,
            factors,
            u.GetProperty("productionUnchanged").GetBoolean())
        {
            Masking = MaskingOf(u)?.GetProperty("identity").GetString() ?? string.Empty,
            MaskingClean = MaskingOf(u)?.GetProperty("clean").GetBoolean() ?? false,
            MaskingColumns = MaskingOf(u) is { } mk
                ? mk.GetProperty("columns").EnumerateArray().Select(c => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["column"] = c.GetProperty("column").GetString()!,
                    ["strategy"] = c.GetProperty("strategy").GetString()!,
                    ["equalToSource"] = c.GetProperty("equalToSource").GetInt64().ToString(CultureInfo.InvariantCulture),
                }).ToArray()
                : [],
        };
    }

    /// <summary>up's <c>verify.masking</c> (issue 25), when the result has one.</summary>
    private static JsonElement? MaskingOf(JsonElement up) =>
        up.TryGetProperty("verify", out var v) && v.TryGetProperty("masking", out var m) && m.ValueKind == JsonValueKind.Object ? m : null;

    /// <summary>The decision from the settings alone (for a preview, before any run): the human gate's part of it.</summary>
    public static string PlannedDecision(GovCloneSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return LifecycleDecider.Decide(new LifecycleFacts
        {
            CloneDatabase = settings.CloneDatabase,
            CloneExists = false,
            CloneComplete = false,
            InAppDatabaseSetting = false,
            InQueryAllowlist = false,
            NameHasPrefix = true,
            ProductionRolloutLanded = settings.ProductionRolloutLanded,
            ProductionSeedVerified = settings.ProductionSeedVerified,
            FollowUps = settings.FollowUps,
        }).Verdict.ToString();
    }

    /// <summary>The last <c>{"event":"result","lever":LEVER}</c> line of an NDJSON stream, as a detached element.</summary>
    private static JsonElement? Result(string? stdout, string lever)
    {
        foreach (var line in (stdout ?? string.Empty).Split('\n').Select(l => l.Trim()).Reverse())
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("event", out var e) && e.GetString() == "result"
                    && root.TryGetProperty("lever", out var l) && l.GetString() == lever)
                {
                    return root.Clone();
                }
            }
            catch (JsonException)
            {
                // Not a JSON line (a person's message on stdout); the protocol's lines are.
            }
        }

        return null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CloneName}: {Decision}, verified={Verified}");
}
