using System.Text.Json;

namespace GovClone.Engine;

/// <summary>
/// One event of the clone engine: a stdout line <c>govclone-event {json}</c> (docs/events.md). The only thing
/// govclone reads from the engine's output; everything else it prints is for people.
/// </summary>
public abstract record EngineEvent
{
    public const string Prefix = "govclone-event ";

    /// <summary>The event's JSON object, as the engine printed it (for NDJSON output).</summary>
    public required string Json { get; init; }

    /// <summary>The event's name (its <c>"event"</c> field).</summary>
    public abstract string Name { get; }

    /// <summary>Reads one output line; null when it is not an event (or not a well-formed one).</summary>
    public static EngineEvent? Parse(string? line)
    {
        if (line is null || !line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var json = line[Prefix.Length..].TrimEnd('\r');
        try
        {
            using var doc = JsonDocument.Parse(json);
            var e = doc.RootElement;
            if (e.ValueKind != JsonValueKind.Object || Text(e, "event") is not { } name)
            {
                return null;
            }

            return name switch
            {
                "step" => new StepEvent
                {
                    Json = json,
                    Phase = Text(e, "phase") ?? "",
                    Step = (int)(Number(e, "step") ?? 0),
                    Steps = (int)(Number(e, "steps") ?? 0),
                    StepName = Text(e, "name") ?? "",
                    Text = Text(e, "text"),
                    Seconds = Number(e, "seconds"),
                    Rows = Number(e, "rows"),
                    Bytes = Number(e, "bytes"),
                },
                "method" => new MethodEvent { Json = json, Method = Text(e, "method") ?? "?", Requested = Text(e, "requested"), Reason = Text(e, "reason"), Steps = (int)(Number(e, "steps") ?? 0) },
                "changed" => new ChangedEvent { Json = json, Changed = Flag(e, "changed") ?? true, Reason = Text(e, "reason"), Method = Text(e, "method") },
                "template" => new TemplateEvent { Json = json, Kept = Flag(e, "kept") ?? false, Database = Text(e, "database") ?? "", Reason = Text(e, "reason") ?? "" },
                "refused" => new RefusedEvent { Json = json, Reason = Text(e, "reason") ?? "", Setting = Text(e, "setting") ?? "", Fix = Text(e, "fix") ?? "" },
                "failure" => new FailureEvent
                {
                    Json = json,
                    Class = Text(e, "class") ?? FailureEvent.Other,
                    Step = (int)(Number(e, "step") ?? 0),
                    StepName = Text(e, "name") ?? "",
                    SqlState = Text(e, "sqlstate") is { Length: > 0 } s ? s : null,
                    Exit = (int)(Number(e, "exit") ?? 1),
                    Detail = Text(e, "detail") ?? "",
                },
                "copied" => new CopiedEvent { Json = json, Lane = Text(e, "lane") ?? "", Table = Text(e, "table") ?? "", Rows = Number(e, "rows") ?? 0 },
                "lane" => new LaneEvent
                {
                    Json = json,
                    Lane = Text(e, "lane") ?? "",
                    Table = Text(e, "table") ?? "",
                    SortKilobytes = Number(e, "sort_kb") ?? 0,
                    Workers = (int)(Number(e, "workers") ?? 0),
                    Text = Text(e, "text") ?? "",
                },
                "relays" => new RelaysEvent { Json = json, Stdbuf = Flag(e, "stdbuf") ?? false },
                "note" => new NoteEvent { Json = json, Text = Text(e, "text") ?? "" },
                "ready" => new ReadyEvent { Json = json, Database = Text(e, "database") ?? "", Method = Text(e, "method") ?? "" },
                "spare" => new SpareEvent
                {
                    Json = json,
                    Kept = Flag(e, "kept") ?? false,
                    Ready = Flag(e, "ready") ?? false,
                    Database = Text(e, "database") ?? "",
                    Reason = Text(e, "reason") ?? "",
                    Seconds = Number(e, "seconds"),
                    Bytes = Number(e, "bytes"),
                },
                "source" => new SourceEvent { Json = json, Checked = (int)(Number(e, "checked") ?? 0), PgDump = (int)(Number(e, "pg_dump") ?? 0) },
                "fidelity" => new FidelityEvent { Json = json, Level = Text(e, "level") ?? "", Setting = Text(e, "setting") ?? "", Text = Text(e, "text") ?? "" },
                _ => new OtherEvent { Json = json, EventName = name },
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Number(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private static bool? Flag(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}

/// <summary>Step <see cref="Step"/> of <see cref="Steps"/> starts (phase <c>start</c>, with its text) or finishes (<c>finish</c>, with what it counted).</summary>
public sealed record StepEvent : EngineEvent
{
    public override string Name => "step";
    public required string Phase { get; init; }
    public required int Step { get; init; }
    public required int Steps { get; init; }
    public required string StepName { get; init; }
    public string? Text { get; init; }
    public long? Seconds { get; init; }
    public long? Rows { get; init; }
    public long? Bytes { get; init; }
    public bool IsStart => Phase == "start";
}

/// <summary>The way the engine took (<c>streams</c>, <c>dump</c>, <c>template</c>, <c>source-template</c>), what was asked and why.</summary>
public sealed record MethodEvent : EngineEvent
{
    public override string Name => "method";
    public required string Method { get; init; }
    public string? Requested { get; init; }
    public string? Reason { get; init; }
    public int Steps { get; init; }
}

/// <summary>The run's outcome: whether it changed the clone (false: complete already, nothing copied).</summary>
public sealed record ChangedEvent : EngineEvent
{
    public override string Name => "changed";
    public required bool Changed { get; init; }
    public string? Reason { get; init; }
    public string? Method { get; init; }
}

/// <summary>Whether the retained template was kept after a clone from the source, and why (or why not).</summary>
public sealed record TemplateEvent : EngineEvent
{
    public override string Name => "template";
    public required bool Kept { get; init; }
    public required string Database { get; init; }
    public required string Reason { get; init; }
}

/// <summary>Refused before anything changed (exit 2): the reason, the setting that decides it and the fix.</summary>
public sealed record RefusedEvent : EngineEvent
{
    public override string Name => "refused";
    public required string Reason { get; init; }
    public required string Setting { get; init; }
    public required string Fix { get; init; }
}

/// <summary>
/// The engine failed (exit 1): classified at the server, by the SQLSTATE of the last error the server reported or
/// by the step that failed (<see cref="DiskFull"/>, <see cref="LostLock"/>, <see cref="SourceUnreadable"/>,
/// <see cref="Guard"/>, <see cref="Other"/>).
/// </summary>
public sealed record FailureEvent : EngineEvent
{
    public const string DiskFull = "disk_full";
    public const string LostLock = "lost_lock";
    public const string SourceUnreadable = "source_unreadable";
    public const string Guard = "guard";

    /// <summary>A govclone session on the source was not read-only or wrote (source_check.sql, SQLSTATE GC004): the run fails.</summary>
    public const string SourceWritten = "source_written";

    /// <summary>A read of the source waited longer than govclone:sourceLockTimeoutSeconds for a lock (SQLSTATE 55P03).</summary>
    public const string SourceLocked = "source_locked";
    public const string Other = "other";

    public override string Name => "failure";
    public required string Class { get; init; }
    public int Step { get; init; }
    public string StepName { get; init; } = "";
    public string? SqlState { get; init; }
    public int Exit { get; init; }
    public required string Detail { get; init; }
}

/// <summary>A job's data was copied: the rows of its COPY command tags (exact).</summary>
public sealed record CopiedEvent : EngineEvent
{
    public override string Name => "copied";
    public required string Lane { get; init; }
    public required string Table { get; init; }
    public required long Rows { get; init; }
}

/// <summary>A lane builds a job's keys and indexes: in how much sort memory, with how many parallel workers.</summary>
public sealed record LaneEvent : EngineEvent
{
    public override string Name => "lane";
    public required string Lane { get; init; }
    public required string Table { get; init; }
    public long SortKilobytes { get; init; }
    public int Workers { get; init; }
    public required string Text { get; init; }
}

/// <summary>Whether the COPY relays move 64 KB per pipe call (a working stdbuf) or stdio's default.</summary>
public sealed record RelaysEvent : EngineEvent
{
    public override string Name => "relays";
    public required bool Stdbuf { get; init; }
}

/// <summary>Something worth a line for people (e.g. a missing TOAST compression, an invalid clone dropped).</summary>
public sealed record NoteEvent : EngineEvent
{
    public override string Name => "note";
    public required string Text { get; init; }
}

/// <summary>
/// The fresh clone is in place, complete and accepts connections: the build (or the ready spare) was swapped in and
/// marked in one transaction. What follows (the old clone dropped, the template kept, the spare remade) is extra.
/// </summary>
public sealed record ReadyEvent : EngineEvent
{
    public override string Name => "ready";
    public required string Database { get; init; }

    /// <summary>The way the fresh copy was made: streams, dump, template, source-template, or spare (a swap of names).</summary>
    public required string Method { get; init; }
}

/// <summary>The ready spare after the spare command: kept (and ready) or not, and why; how long its copy took.</summary>
public sealed record SpareEvent : EngineEvent
{
    public override string Name => "spare";
    public required bool Kept { get; init; }
    public required bool Ready { get; init; }
    public required string Database { get; init; }
    public required string Reason { get; init; }
    public long? Seconds { get; init; }
    public long? Bytes { get; init; }
}

/// <summary>
/// The clone will differ from the source at schema level, and how (level <c>partial</c>): what the cloning role
/// (<see cref="Setting"/>, govclone:user) may not restore. Never silent.
/// </summary>
public sealed record FidelityEvent : EngineEvent
{
    public override string Name => "fidelity";
    public required string Level { get; init; }
    public required string Setting { get; init; }
    public required string Text { get; init; }
}

/// <summary>
/// The engine's sessions on the source (production), once its reads are done: <see cref="Checked"/> psql sessions each
/// ended with sql/engine/source_check.sql (read-only, no transaction id), <see cref="PgDump"/> pg_dump runs (read-only by
/// pg_dump's own transaction, never committed). A session that failed its check fails the run instead.
/// </summary>
public sealed record SourceEvent : EngineEvent
{
    public override string Name => "source";
    public required int Checked { get; init; }
    public required int PgDump { get; init; }
}

/// <summary>An event this version of govclone does not know (kept for NDJSON output).</summary>
public sealed record OtherEvent : EngineEvent
{
    public override string Name => EventName;
    public required string EventName { get; init; }
}

/// <summary>What one engine run said, gathered from its events (thread-safe: lines arrive on the reader's thread).</summary>
public sealed class EngineOutcome
{
    private readonly object _gate = new();
    private readonly List<EngineEvent> _events = [];

    public IReadOnlyList<EngineEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    public void Add(EngineEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_gate)
        {
            _events.Add(e);
        }
    }

    private T? Last<T>() where T : EngineEvent
    {
        lock (_gate)
        {
            return _events.OfType<T>().LastOrDefault();
        }
    }

    public string? Method => Last<MethodEvent>()?.Method;

    /// <summary>false only when the engine said so (complete already); a run that said nothing counts as changed.</summary>
    public bool Changed => Last<ChangedEvent>()?.Changed ?? true;

    public TemplateEvent? Template => Last<TemplateEvent>();

    public ReadyEvent? Ready => Last<ReadyEvent>();

    public SpareEvent? Spare => Last<SpareEvent>();

    /// <summary>What of the source's schema-level state the clone lacks (empty: nothing).</summary>
    public IReadOnlyList<FidelityEvent> Fidelity
    {
        get
        {
            lock (_gate)
            {
                return _events.OfType<FidelityEvent>().ToArray();
            }
        }
    }

    public RefusedEvent? Refused => Last<RefusedEvent>();

    /// <summary>The engine's sessions on the source, checked (null: it did not read the source).</summary>
    public SourceEvent? Source => Last<SourceEvent>();

    public FailureEvent? Failure => Last<FailureEvent>();

    /// <summary>The last step that started.</summary>
    public StepEvent? LastStep
    {
        get
        {
            lock (_gate)
            {
                return _events.OfType<StepEvent>().LastOrDefault(s => s.IsStart);
            }
        }
    }

    /// <summary>Rows copied so far, exactly (COPY command tags); null when the run copied none itself (a FILE_COPY way).</summary>
    public long? RowsCopied
    {
        get
        {
            lock (_gate)
            {
                var copied = _events.OfType<CopiedEvent>().ToArray();
                if (copied.Length > 0)
                {
                    return copied.Sum(c => c.Rows);
                }

                var dump = _events.OfType<StepEvent>().LastOrDefault(s => !s.IsStart && s.Rows is not null);
                return dump?.Rows;
            }
        }
    }
}
