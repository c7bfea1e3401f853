using System.Text.Json;
using System.Text.Json.Nodes;
using GovClone.Lifecycle;

namespace GovClone.Cli;

/// <summary>
/// What <c>--json</c> prints on stdout (schema: docs/cli-json.md): NDJSON, one JSON object per line, every one
/// with an <c>"event"</c> field. Zero or more events while the lever runs (<c>progress</c> now; the engine's own
/// <c>govclone-event</c> payloads through <see cref="EngineEvent"/>), then exactly one
/// <c>{"event":"result", "lever", "ok", "exitCode", …}</c> as the last line, also when the lever failed.
/// Nothing else goes to stdout; people's messages go to stderr.
/// </summary>
internal sealed class JsonOutput : IProgress<CloneProgress>
{
    public static readonly JsonSerializerOptions Options = new(Rendering.Json) { WriteIndented = false };

    private readonly TextWriter _out;
    private readonly object _gate = new();
    private bool _resultWritten;

    public JsonOutput(TextWriter output) => _out = output;

    /// <summary>
    /// The hook for the engine's events (DESIGN C): the JSON after <c>govclone-event </c> on a line of the
    /// server-side script's stdout, passed through as one NDJSON line. Anything that is not one JSON object
    /// on one line is dropped, so the stream stays parseable.
    /// </summary>
    public void EngineEvent(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Contains('\n', StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            if (JsonNode.Parse(json) is JsonObject o && o.ContainsKey("event"))
            {
                Write(o);
            }
        }
        catch (JsonException)
        {
            // Not an event: the stream only carries well-formed lines.
        }
    }

    /// <summary>One event of govclone's own (a branch lever's steps): written as it is; it must carry an <c>"event"</c> field.</summary>
    public void Event(JsonObject e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!e.ContainsKey("event"))
        {
            throw new ArgumentException("an event needs an \"event\" field", nameof(e));
        }

        Write(e);
    }

    /// <summary>Clone progress as <c>{"event":"progress", …}</c> lines (bytes written and rows copied so far).</summary>
    public void Report(CloneProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var e = new JsonObject
        {
            ["event"] = "progress",
            ["phase"] = value.Phase,
            ["bytes"] = value.BytesWritten,
            ["rows"] = value.RowsCopied,
            ["sourceBytes"] = value.SourceBytes,
            ["elapsedSeconds"] = Math.Round(value.Elapsed.TotalSeconds, 1),
        };
        if (value.Message is not null)
        {
            e["message"] = value.Message;
        }

        Write(e);
    }

    /// <summary>The last line: <c>{"event":"result","lever":…,"ok":…,"exitCode":…}</c> followed by <paramref name="fields"/>.</summary>
    public int Result(string lever, int exitCode, object? fields)
    {
        var doc = new JsonObject
        {
            ["event"] = "result",
            ["lever"] = lever,
            ["ok"] = exitCode == 0,
            ["exitCode"] = exitCode,
        };
        if (fields is not null && JsonSerializer.SerializeToNode(fields, Options) is JsonObject extra)
        {
            foreach (var (name, value) in extra.ToArray())
            {
                extra.Remove(name);
                doc[name] = value;
            }
        }

        lock (_gate)
        {
            if (_resultWritten)
            {
                return exitCode;
            }

            _resultWritten = true;
        }

        Write(doc);
        return exitCode;
    }

    /// <summary>The result of a lever that failed or was refused: the error, and the setting and fix when the error names them.</summary>
    public int Failure(string lever, int exitCode, Exception ex)
    {
        var (kind, setting, fix) = ex switch
        {
            ConfigurationException c => ("bad-input", c.Setting, c.Fix),
            GuardException g => ("refused", g.Setting, g.Fix),
            ConfirmationException c => ("refused", c.Setting, c.Fix),
            OperationCanceledException => ("cancelled", null, "run `govclone up` to converge from wherever it stopped"),
            GovCloneException when exitCode == 2 => ("refused", null, null),
            _ => ("failed", null, null),
        };
        return Result(lever, exitCode, new { error = new { kind, message = ex.Message, setting, fix } });
    }

    public static object Lever(LeverResult r, string clone) => new { changed = r.Changed, summary = r.Summary, clone };

    /// <summary>
    /// A clone lever's result: the lever's fields, what of the source's schema-level state the clone lacks
    /// (<c>fidelity</c>: equal-except-own or partial; <c>fidelityGaps</c>), what is govclone's own by design
    /// (<c>fidelityOwn</c>), where the ready spare is being remade, and production during the lever.
    /// </summary>
    public static object Clone(LeverResult r, string clone, string? spare) =>
        new { changed = r.Changed, summary = r.Summary, clone, fidelity = Fidelity.Word(r.Fidelity.ToArray()), fidelityGaps = r.Fidelity, fidelityOwn = Fidelity.Own, spare, production = Production(r.Production ?? ProductionReport.NotRead) };

    /// <summary>
    /// <c>production</c> of a result (docs/cli-json.md): whether the lever read it, that govclone's sessions there were checked
    /// read-only (the pass/fail fact), and what other sessions changed during the run (a report).
    /// </summary>
    public static object Production(ProductionReport p) => new
    {
        read = p.Read,
        sessionsChecked = p.SessionsChecked,
        pgDumpRuns = p.PgDumpRuns,
        fingerprintEqual = p.FingerprintEqual,
        changedByOthers = p.ChangedByOthers.Select(c => new { kind = c.Kind, name = c.Name, what = c.What }),
        summary = p.Describe(),
    };

    private void Write(JsonNode node)
    {
        var line = node.ToJsonString(Options);
        lock (_gate)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
    }
}
