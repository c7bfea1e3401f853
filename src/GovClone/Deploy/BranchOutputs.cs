using System.Text.Json;

namespace GovClone.Deploy;

/// <summary>
/// A branch stack's outputs, read from what its suite Command prints: <c>govclone branch create --json</c>, NDJSON ending
/// in one <c>{"event":"result","lever":"branch create",…}</c> line (docs/cli-json.md).
/// </summary>
public sealed record BranchOutputs(
    string Database,
    string Branch,
    string Parent,
    long SizeBytes,
    IReadOnlyDictionary<string, long> Metrics,
    string Evidence,
    bool Verified)
{
    public const string Lever = "branch create";

    /// <summary>The outputs from the suite Command's stdout; null when it holds no <c>branch create</c> result (preview, failed run).</summary>
    public static BranchOutputs? FromSuite(string? stdout)
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
                var r = doc.RootElement;
                if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("event", out var e) || e.GetString() != "result"
                    || !r.TryGetProperty("lever", out var l) || l.GetString() != Lever)
                {
                    continue;
                }

                var metrics = new Dictionary<string, long>(StringComparer.Ordinal);
                var evidence = new List<string>();
                if (r.TryGetProperty("verify", out var verify) && verify.TryGetProperty("checks", out var checks))
                {
                    foreach (var c in checks.EnumerateArray())
                    {
                        var metric = c.GetProperty("metric").GetString()!;
                        if (c.GetProperty("have").ValueKind == JsonValueKind.Number)
                        {
                            var have = c.GetProperty("have").GetInt64();
                            metrics[metric] = have;
                            var detail = c.GetProperty("haveDetail");
                            evidence.Add(detail.ValueKind == JsonValueKind.String ? $"{metric}={have} ({detail.GetString()})" : $"{metric}={have}");
                        }
                    }
                }

                var size = r.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object
                    && info.TryGetProperty("sizeBytes", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : 0;
                return new BranchOutputs(
                    r.GetProperty("database").GetString()!,
                    r.GetProperty("branch").GetString()!,
                    r.GetProperty("clone").GetString()!,
                    size,
                    metrics,
                    string.Join(" | ", evidence),
                    r.GetProperty("ok").GetBoolean() && r.TryGetProperty("verify", out var v) && v.TryGetProperty("passed", out var passed) && passed.GetBoolean());
            }
            catch (JsonException)
            {
                // Not a JSON line: a person's message.
            }
        }

        return null;
    }
}
