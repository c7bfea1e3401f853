using System.Globalization;
using System.Text.Json;

namespace GovClone.Bench;

/// <summary>One span of a clone's timeline: a step of the way, or a lane's data or build part of one job.</summary>
/// <param name="Row">The row it is drawn on: <c>steps</c>, or <c>lane N</c>.</param>
/// <param name="Part">What ran: a step's name, <c>data</c> (the job's COPY) or <c>build</c> (its keys, indexes, ANALYZE).</param>
/// <param name="What">The table (a lane's job) or the step's name.</param>
public sealed record Span(string Row, string Part, string What, double Start, double End)
{
    public double Seconds => End - Start;
}

/// <summary>Cores busy on the whole machine over one sampling interval ending at <paramref name="At"/> (seconds into the clone).</summary>
public sealed record CoreSample(double At, double Cores);

/// <summary>
/// Issue 26.1: the timeline of one streams clone, from the engine's events (each carries <c>ms</c>, milliseconds since
/// the engine started; a lane's <c>copied</c> and <c>built</c> carry their <c>start_ms</c>: docs/events.md), and the
/// machine's cores busy meanwhile, sampled from /proc/stat every 100 ms. Times are seconds since the engine started.
/// </summary>
public sealed class CloneTimeline
{
    private const double UserHz = 100;

    public required IReadOnlyList<Span> Spans { get; init; }

    public required IReadOnlyList<CoreSample> Cores { get; init; }

    /// <summary>When the engine started, in seconds on the caller's clock (its first event's arrival minus its <c>ms</c>); null without engine events.</summary>
    public double? EngineStartedAt { get; init; }

    /// <summary>When the <c>ready</c> event arrived, in seconds on the caller's clock; null when there was none.</summary>
    public double? ReadyArrivedAt { get; init; }

    /// <summary>When the <c>template</c> event of a kept template arrived, in seconds on the caller's clock; null when none was kept.</summary>
    public double? TemplateKeptArrivedAt { get; init; }

    /// <summary>The engine's run, first event to last, in seconds.</summary>
    public double Seconds => Spans.Count == 0 ? 0 : Spans.Max(s => s.End);

    /// <summary>
    /// The spans from the NDJSON lines of a clone (<paramref name="events"/>: when each arrived on the bench's clock, and
    /// the line) and the machine's busy ticks sampled on the same clock. The engine's clock starts a little after the
    /// process: the offset between them is read off the first engine event (arrival minus its <c>ms</c>).
    /// </summary>
    public static CloneTimeline FromEvents(IReadOnlyList<(double Arrived, string Json)> events, IReadOnlyList<(double At, long BusyTicks)> samples)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(samples);
        var spans = new List<Span>();
        var open = new Dictionary<string, double>(StringComparer.Ordinal);
        double? offset = null;
        double? ready = null;
        double? template = null;
        foreach (var (arrived, json) in events)
        {
            using var doc = JsonDocument.Parse(json);
            var e = doc.RootElement;
            if (!e.TryGetProperty("ms", out var msElement) || !e.TryGetProperty("event", out var nameElement))
            {
                continue; // govclone's own events (progress, the result) carry no engine clock
            }

            var at = msElement.GetInt64() / 1000.0;
            offset ??= arrived - at;
            switch (nameElement.GetString())
            {
                case "ready":
                    ready ??= arrived;
                    break;
                case "template" when e.TryGetProperty("kept", out var kept) && kept.ValueKind == JsonValueKind.True:
                    template ??= arrived;
                    break;
                case "step" when Text(e, "name") is { } step:
                    if (Text(e, "phase") == "start")
                    {
                        open[step] = at;
                    }
                    else if (open.Remove(step, out var began))
                    {
                        spans.Add(new Span("steps", step, step, began, at));
                    }

                    break;
                case "copied":
                    spans.Add(LaneSpan(e, "data", at));
                    break;
                case "built":
                    spans.Add(LaneSpan(e, "build", at));
                    break;
            }
        }

        var cores = new List<CoreSample>();
        for (var i = 1; i < samples.Count; i++)
        {
            var interval = samples[i].At - samples[i - 1].At;
            if (interval > 0)
            {
                cores.Add(new CoreSample(samples[i].At - (offset ?? 0), (samples[i].BusyTicks - samples[i - 1].BusyTicks) / UserHz / interval));
            }
        }

        return new CloneTimeline { Spans = spans, Cores = cores.Where(c => c.At >= 0).ToList(), EngineStartedAt = offset, ReadyArrivedAt = ready, TemplateKeptArrivedAt = template };
    }

    /// <summary>
    /// What the timeline says of idle time: each lane's busy share of the copy step, and the step spans that ran with
    /// a single lane at work (one core's worth of work while the others waited).
    /// </summary>
    public IEnumerable<string> Findings()
    {
        var inv = CultureInfo.InvariantCulture;
        var copy = Spans.FirstOrDefault(s => s.Row == "steps" && s.Part == "copy");
        foreach (var step in Spans.Where(s => s.Row == "steps"))
        {
            yield return string.Create(inv, $"step {step.Part,-10} {step.Start,7:0.000} s -> {step.End,7:0.000} s  ({step.Seconds:0.000} s)");
        }

        if (copy is null)
        {
            yield break;
        }

        foreach (var lane in Spans.Where(s => s.Row != "steps").GroupBy(s => s.Row).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var busy = lane.Sum(s => s.Seconds);
            var last = lane.Max(s => s.End);
            yield return string.Create(inv, $"{lane.Key}: {lane.Count(s => s.Part == "data")} job(s), busy {busy:0.000} s of the copy step's {copy.Seconds:0.000} s ({busy / Math.Max(copy.Seconds, 0.001):P0}); done at {last:0.000} s, {copy.End - last:0.000} s before the step ended");
        }

        if (Cores.Count > 0)
        {
            var during = Cores.Where(c => c.At >= copy.Start && c.At <= copy.End).ToList();
            if (during.Count > 0)
            {
                yield return string.Create(inv, $"cores busy during the copy step: mean {during.Average(c => c.Cores):0.00}, below 1.0 in {during.Count(c => c.Cores < 1.0)} of {during.Count} samples (100 ms each)");
            }
        }
    }

    /// <summary>
    /// Issue 26.2: where one clone's seconds went, from the process's start (the caller's clock's zero) to its exit
    /// (<paramref name="processSeconds"/>): before the engine (the process's start, settings, the run lock, the checks,
    /// production's fingerprint), each engine step, the engine's own start and the gaps between its steps, and after
    /// the <c>ready</c> event (the template's decision, production's report, the exit). One line, seconds.
    /// </summary>
    public string? FixedCosts(double processSeconds)
    {
        if (EngineStartedAt is not { } engine || ReadyArrivedAt is not { } ready)
        {
            return null;
        }

        var inv = CultureInfo.InvariantCulture;
        var steps = Spans.Where(s => s.Row == "steps").OrderBy(s => s.Start).ToList();
        var readyInEngine = ready - engine; // seconds on the engine's clock, as the spans are
        var inSteps = steps.Where(s => s.End <= readyInEngine + 0.001).Sum(s => s.Seconds);
        var parts = new List<string> { string.Create(inv, $"before the engine {engine:0.00} s") };
        parts.AddRange(steps.Select(s => string.Create(inv, $"{s.Part} {s.Seconds:0.00} s")));
        parts.Add(string.Create(inv, $"the engine outside its steps {Math.Max(readyInEngine - inSteps, 0):0.00} s"));
        parts.Add(string.Create(inv, $"after ready {Math.Max(processSeconds - ready, 0):0.00} s"));
        return string.Create(inv, $"{processSeconds:0.00} s: ") + string.Join(", ", parts);
    }

    /// <summary>
    /// Issue 26.2's template: a first <c>up</c> (a streams clone that keeps its retained template) split at its
    /// <c>ready</c> and <c>template</c> events: the clone, the template's FILE_COPY after it, and the rest to the exit; null
    /// without both events (no clone, or no template kept).
    /// </summary>
    public string? FirstUpCosts(double processSeconds)
    {
        if (ReadyArrivedAt is not { } ready || TemplateKeptArrivedAt is not { } template)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{processSeconds:0.00} s: the clone ready at {ready:0.00} s, then its retained template {template - ready:0.00} s, then the exit {Math.Max(processSeconds - template, 0):0.00} s");
    }

    private static Span LaneSpan(JsonElement e, string part, double at)
    {
        var job = Text(e, "lane") ?? "?";
        var lane = job.Split('.')[0];
        var start = e.TryGetProperty("start_ms", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() / 1000.0 : at;
        return new Span("lane " + lane, part, Text(e, "table") ?? "?", start, at);
    }

    private static string? Text(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
