using GovClone.Configuration;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// clone: a fresh clone under the run lock: the ready spare swapped in (<see cref="SpareSwap"/>), else a copy by the
/// engine (<see cref="CloneEngineRun"/>); production's report when the copy read it; then the spare remade.
/// </summary>
internal sealed class CloneLever(GovCloneSettings settings, Connections connections, CloneStates states, FamilyPreparation family,
    TemplateRelease templates, SpareSwap swap, CloneEngineRun engine, SpareLever spare)
{
    /// <param name="force">Re-clone a complete clone.</param>
    /// <param name="remakeSpare">Remake the ready spare before returning (false: the result says it is due).</param>
    /// <param name="ct">Cancels the lever.</param>
    public async Task<LeverResult> CloneAsync(bool force, bool remakeSpare, CancellationToken ct)
    {
        await using var runLock = await RunLock.AcquireAsync(connections, settings, "clone", ct);
        await states.RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await family.PrepareLockedAsync(runLock, adopt: true, ct);
        var state = await states.ReadStateAsync(runLock.Maintenance, ct);
        // Production is live: what others change in it during a copy from it is named (a report), while govclone's own
        // sessions there are each checked read-only (the pass/fail fact). A swap or template copy does not read it.
        ProductionView? before = null;
        if (await WillReadSourceAsync(force, runLock, ct))
        {
            try
            {
                before = await ProductionView.ReadAsync(connections, ct);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InsufficientPrivilege)
            {
                // A source without the governance tables the fingerprint digests (not Directus), or a role that may not read
                // them: no report for this clone (its own source reads are still checked by the engine).
            }
        }

        var result = await CloneLockedAsync(force, runLock, ct);
        if (result.Changed && states.NotCurrentBecause(state) is { } why && !force)
        {
            result = result with { Summary = result.Summary + "; cloned because " + why };
        }

        if (before is not null)
        {
            result = result with { Production = await ProductionView.ReportSinceAsync(connections, before, result.Production, ct) };
        }

        result = FamilyPreparation.WithNote(result, leftovers);
        return remakeSpare && result.SpareDue ? await spare.RemakeLockedAsync(result, runLock, ct) : result;
    }

    /// <summary>Under the run lock: nothing when the clone is current (unless <paramref name="force"/>); else the spare swapped in, or a copy.</summary>
    public async Task<LeverResult> CloneLockedAsync(bool force, RunLock runLock, CancellationToken ct)
    {
        if (!force && states.IsCurrent(await states.ReadStateAsync(runLock.Maintenance, ct)))
        {
            return await templates.ReleaseUnwantedLockedAsync(runLock, ct)
                ?? new LeverResult("clone", false, "clone is complete; nothing copied");
        }

        // govclone:masking against the source's catalog, before anything runs: a rule that cannot run refuses (exit 2).
        await Masking.MaskingValidator.RequireValidAsync(connections, settings, ct);

        // From here the clone's family changes: wait for a `govclone spare` still remaking the spare.
        await runLock.HoldSpareAsync(ct);
        if (await swap.SwapInAsync(runLock, ct) is { } swapped)
        {
            return swapped;
        }

        return await engine.CopyAsync(force, runLock, ct);
    }

    /// <summary>Whether a clone lever will read the source: a copy from it (streams, dump, source-template), not a swap of the ready spare nor a copy of a current template.</summary>
    private async Task<bool> WillReadSourceAsync(bool force, RunLock runLock, CancellationToken ct)
    {
        if (!force && states.IsCurrent(await states.ReadStateAsync(runLock.Maintenance, ct)))
        {
            return false;
        }

        return settings.CloneMethod switch
        {
            CloneMethod.Template => false,
            CloneMethod.Auto => !(await states.ReadTemplateAsync(runLock.Maintenance, ct)).Current,
            _ => true,
        };
    }
}
