using System.Globalization;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Processes;
using GovClone.Transport;

namespace GovClone.Lifecycle;

/// <summary>
/// spare: the ready spare made (or dropped when stale), and a clone a swap retired dropped, by the engine's spare
/// command (engine/spare.sh) under the spare lock only, so other levers use the clone meanwhile.
/// </summary>
internal sealed class SpareLever(GovCloneSettings settings, Connections connections, ServerTransport transport, CloneStates states, FamilyPreparation family, Action<EngineEvent>? events)
{
    /// <summary>
    /// spare: under the spare lock only (other levers use the clone meanwhile), drops a clone a swap retired
    /// (<c>&lt;clone&gt;_old</c>) and makes sure a ready spare exists when govclone:keepSpare allows: a FILE_COPY of the
    /// current retained template, marked last (engine/spare.sh); drops a stale one. A re-clone then is a swap of names.
    /// Then the ready branch spare <c>&lt;clone&gt;_bspare</c> likewise (<see cref="BranchSpare.MakeAsync"/>), so the next
    /// <c>branch create</c> is a rename.
    /// </summary>
    public async Task<LeverResult> SpareAsync(CancellationToken ct)
    {
        await using var spareLock = await RunLock.AcquireSpareAsync(connections, settings, ct);
        await states.RequireSourceAsync(spareLock.Maintenance, ct);
        await family.RequireAsync(spareLock.Maintenance, adopt: false, ct);
        var spare = await RunEngineAsync(spareLock.Holder, ct);
        // Then the ready branch spare (govclone:keepBranchSpare), under the same lock: branch create renames it.
        var branchSpare = await new BranchSpare(settings, new HostDisk(transport)).MakeAsync(spareLock.Maintenance, spareLock.Holder, ct);
        return spare with { Changed = spare.Changed || branchSpare.Changed, Summary = spare.Summary + "; branch spare: " + branchSpare.Summary };
    }

    /// <summary>The spare remade after a clone, on the run lock's session (which holds the spare lock too).</summary>
    public async Task<LeverResult> RemakeLockedAsync(LeverResult clone, RunLock runLock, CancellationToken ct)
    {
        await runLock.HoldSpareAsync(ct);
        var spare = await RunEngineAsync(runLock.SpareHolder, ct);
        return clone with { Summary = clone.Summary + "; spare: " + spare.Summary, SpareDue = false };
    }

    /// <summary>Runs the engine's spare command (engine/spare.sh) under <paramref name="holder"/>; its events go to the listeners.</summary>
    private async Task<LeverResult> RunEngineAsync(LockHolder holder, CancellationToken ct)
    {
        var outcome = new EngineOutcome();
        var spec = transport.BashScript(EngineScript.Spare(settings, transport, holder), EngineScript.SpareApplicationName, line =>
        {
            if (EngineEvent.Parse(line) is { } e)
            {
                outcome.Add(e);
                events?.Invoke(e);
            }
        }, lifeline: true);
        var result = await ProcessRunner.RunAsync(spec, ct);
        if (!result.Succeeded || outcome.Spare is not { } spare)
        {
            var failure = outcome.Failure;
            var tail = string.Join('\n', result.StandardError.Trim().Split('\n').TakeLast(8));
            throw new OperationFailedException(string.Create(CultureInfo.InvariantCulture,
                $"spare: failed (exit {result.ExitCode}); {EngineScript.SpareDatabase(settings)} is not marked, so no re-clone takes it; the next clone or `govclone spare` remakes it.\n{tail}\ncause ({failure?.Class ?? FailureEvent.Other}{(failure?.SqlState is { } st ? ", SQLSTATE " + st : string.Empty)}): {failure?.Detail ?? "exit " + result.ExitCode}"));
        }

        var made = spare.Kept && !spare.Reason.StartsWith("current", StringComparison.Ordinal);
        var summary = spare.Kept
            ? string.Create(CultureInfo.InvariantCulture, $"{spare.Database} {(made ? $"made in {spare.Seconds ?? 0}s" : "ready")}: {spare.Reason}")
            : $"none: {spare.Reason}";
        return new LeverResult("spare", made || spare.Reason.EndsWith("dropped the old one", StringComparison.Ordinal), summary);
    }
}
