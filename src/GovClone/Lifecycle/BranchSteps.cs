using System.Diagnostics;

namespace GovClone.Lifecycle;

/// <summary>A branch lever's steps as they start and finish, told to the listener (progress lines, <c>--json</c> step events).</summary>
internal sealed class BranchSteps(Action<BranchStep>? listener)
{
    public (BranchStep Step, long Started) Start(int step, int steps, string name, string text)
    {
        var e = new BranchStep("start", step, steps, name, text);
        listener?.Invoke(e);
        return (e, Stopwatch.GetTimestamp());
    }

    public void Finish((BranchStep Step, long Started) started) =>
        listener?.Invoke(started.Step with { Phase = "finish", Text = string.Empty, Seconds = Math.Round(Stopwatch.GetElapsedTime(started.Started).TotalSeconds, 2) });
}
