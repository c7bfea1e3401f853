using GovClone.Lifecycle;

namespace GovClone.Tests.Support;

/// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SyncProgress(Action<CloneProgress> report) : IProgress<CloneProgress>
{
    private readonly object _gate = new();

    public void Report(CloneProgress value)
    {
        lock (_gate)
        {
            report(value);
        }
    }
}
