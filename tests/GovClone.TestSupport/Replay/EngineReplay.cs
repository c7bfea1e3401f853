namespace GovClone.Tests.Support.Replay;

/// <summary>What runs at the server for a step (a Command's text, the provider's SQL). The replay calls it in engine order.</summary>
public interface IStepRunner
{
    Task CreateAsync(EngineResource resource, CancellationToken ct);

    Task UpdateAsync(EngineResource old, EngineResource updated, CancellationToken ct);

    Task DeleteAsync(EngineResource old, CancellationToken ct);
}

/// <summary>A step that failed (a Command exited non-zero, the provider's SQL failed): the update stops there.</summary>
public sealed class StepFailedException(EngineStep step, string detail, Exception? inner = null)
    : Exception($"{step}: {detail}", inner)
{
    public EngineStep Step { get; } = step;
}

/// <summary>An update's or destroy's outcome: the state it leaves (also after a failure) and the steps that ran.</summary>
public sealed record ReplayResult(StackState State, IReadOnlyList<EngineStep> Ran, StepFailedException? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Runs an <see cref="EnginePlan"/>'s steps one after the other through an <see cref="IStepRunner"/> and
/// keeps the stack's state as the engine would: an update or create stores the new inputs (what a later Delete
/// runs with), a delete removes the entry, a create-first replacement leaves the old entry pending delete until
/// its delete runs. A failure stops the run and leaves the state as it was at that point.
/// </summary>
public static class EngineReplay
{
    public static async Task<ReplayResult> RunAsync(StackState before, EnginePlan plan, IStepRunner runner, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(runner);
        var state = before.Copy();
        var ran = new List<EngineStep>();
        foreach (var step in plan.Steps)
        {
            try
            {
                switch (step.Op)
                {
                    case StepOp.Same:
                        state.Replace(step.Old!, step.New!);
                        break;
                    case StepOp.Create:
                        await runner.CreateAsync(step.New!, ct);
                        state.Add(step.New!);
                        break;
                    case StepOp.Update:
                        await runner.UpdateAsync(step.Old!, step.New!, ct);
                        state.Replace(step.Old!, step.New!);
                        break;
                    case StepOp.CreateReplacement:
                        // The old entry (still live unless deleted first) waits for its delete at the end.
                        state.MarkPendingDelete(step.Old!);

                        await runner.CreateAsync(step.New!, ct);
                        state.Add(step.New!);
                        break;
                    case StepOp.DeleteReplaced:
                    case StepOp.Delete:
                        if (step.Skipped is null)
                        {
                            await runner.DeleteAsync(step.Old!, ct);
                        }

                        state.Remove(step.Old!);
                        break;
                }
            }
            catch (StepFailedException ex)
            {
                return new ReplayResult(state, ran, ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new ReplayResult(state, ran, new StepFailedException(step, ex.Message, ex));
            }

            ran.Add(step);
        }

        return new ReplayResult(state, ran, null);
    }
}
