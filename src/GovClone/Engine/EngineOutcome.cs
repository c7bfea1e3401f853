namespace GovClone.Engine;

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
