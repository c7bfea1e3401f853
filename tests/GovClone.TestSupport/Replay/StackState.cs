namespace GovClone.Tests.Support.Replay;

/// <summary>One resource in a stack's state; a pending delete is the old half of a replacement an update did not get to delete.</summary>
public sealed class StateEntry(EngineResource resource, bool pendingDelete = false)
{
    public EngineResource Resource { get; } = resource;

    public bool PendingDelete { get; } = pendingDelete;

    public override string ToString() => PendingDelete ? $"{Resource} (pending delete)" : Resource.ToString();
}

/// <summary>
/// A stack's state as the replay keeps it: resources with the inputs they were last created or updated with
/// (what their Delete runs with), in creation order, plus pending deletes.
/// </summary>
public sealed class StackState
{
    private readonly List<StateEntry> _entries;

    public StackState(IEnumerable<StateEntry>? entries = null)
    {
        _entries = entries?.ToList() ?? [];
    }

    public static StackState Empty => new();

    public IReadOnlyList<StateEntry> Entries => _entries;

    public IReadOnlyList<StateEntry> Live => _entries.Where(e => !e.PendingDelete).ToList();

    public IReadOnlyList<StateEntry> PendingDeletes => _entries.Where(e => e.PendingDelete).ToList();

    public EngineResource? Find(string name) => Live.FirstOrDefault(e => e.Resource.Name == name)?.Resource;

    public IReadOnlyList<string> Urns => Live.Select(e => e.Resource.Urn).OrderBy(u => u, StringComparer.Ordinal).ToList();

    internal void Replace(EngineResource old, EngineResource @new)
    {
        var i = _entries.FindIndex(e => !e.PendingDelete && ReferenceEquals(e.Resource, old));
        if (i < 0)
        {
            throw new InvalidOperationException($"{old} is not in the state");
        }

        _entries[i] = new StateEntry(@new);
    }

    internal void Add(EngineResource r) => _entries.Add(new StateEntry(r));

    internal void MarkPendingDelete(EngineResource old)
    {
        var i = _entries.FindIndex(e => !e.PendingDelete && ReferenceEquals(e.Resource, old));
        if (i >= 0)
        {
            _entries[i] = new StateEntry(old, pendingDelete: true);
        }
    }

    internal void Remove(EngineResource old)
    {
        var i = _entries.FindIndex(e => ReferenceEquals(e.Resource, old));
        if (i >= 0)
        {
            _entries.RemoveAt(i);
        }
    }

    internal StackState Copy() => new(_entries);

    /// <summary>
    /// The order deletes run in: every resource before the resources it depends on, its parent and its provider
    /// (a depth-first post-order over "depends on", reversed). Ties keep reverse creation order.
    /// </summary>
    public List<StateEntry> DeleteOrder()
    {
        var byUrn = _entries.GroupBy(e => e.Resource.Urn, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var visited = new HashSet<StateEntry>();
        var createOrder = new List<StateEntry>();
        void Visit(StateEntry e)
        {
            if (!visited.Add(e))
            {
                return;
            }

            var deps = e.Resource.Dependencies.Append(e.Resource.ParentUrn).OfType<string>();
            foreach (var d in deps)
            {
                foreach (var target in byUrn.GetValueOrDefault(d) ?? [])
                {
                    Visit(target);
                }
            }

            createOrder.Add(e);
        }

        foreach (var e in _entries)
        {
            Visit(e);
        }

        createOrder.Reverse();
        return createOrder;
    }
}
