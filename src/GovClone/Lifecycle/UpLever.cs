using GovClone.Configuration;
using GovClone.Transport;

namespace GovClone.Lifecycle;

/// <summary>
/// up: under one run lock, clone if absent, incomplete or not the one the settings want; drop a template that is not
/// current; seed if the suite differs from the profile; verify; production's report for the whole run.
/// </summary>
internal sealed class UpLever(GovCloneSettings settings, Connections connections, CloneStates states, FamilyPreparation family,
    CloneLever clone, SpareLever spare, TemplateRelease templates, SeedLever seed, CloneSuite suite)
{
    /// <param name="remakeSpare">After a clone, remake the ready spare before the seed (false: <see cref="UpResult.SpareDue"/>, for the caller).</param>
    /// <param name="ct">Cancels the lever.</param>
    public async Task<UpResult> UpAsync(bool remakeSpare, CancellationToken ct)
    {
        await using var runLock = await RunLock.AcquireAsync(connections, settings, "up", ct);
        await states.RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await family.PrepareLockedAsync(runLock, adopt: true, ct);
        var before = await ProductionView.ReadAsync(connections, ct);
        var steps = new List<LeverResult>();
        if (leftovers is not null)
        {
            steps.Add(new LeverResult("leftovers", true, leftovers));
        }

        var state = await states.ReadStateAsync(runLock.Maintenance, ct);
        var spareDue = false;
        if (states.NotCurrentBecause(state) is { } why)
        {
            var cloned = await clone.CloneLockedAsync(force: state.Complete, runLock, ct);
            if (cloned.Changed && state.Exists)
            {
                cloned = cloned with { Summary = cloned.Summary + "; re-cloned because " + why };
            }

            spareDue = cloned.SpareDue;
            steps.Add(remakeSpare && spareDue ? await spare.RemakeLockedAsync(cloned, runLock, ct) : cloned);
            spareDue &= !remakeSpare;
        }
        else
        {
            steps.Add(await templates.ReleaseUnwantedLockedAsync(runLock, ct)
                ?? new LeverResult("clone", false, $"clone is complete (generation {state.MarkerGeneration}); nothing copied"));
        }

        await states.RequireCompleteCloneAsync(runLock.Maintenance, ct);
        if (await templates.DropUnlessCurrentAsync(runLock.Maintenance, ct) is { } dropped)
        {
            steps.Add(dropped);
        }

        var verify = await suite.VerifyCompleteCloneAsync(settings.SeedProfile, ct);
        if (!verify.Passed)
        {
            steps.Add(await seed.SeedLockedAsync(settings.SeedProfile, purgeForeign: false, runLock, ct));
            verify = await suite.VerifyCompleteCloneAsync(settings.SeedProfile, ct);
        }
        else
        {
            steps.Add(new LeverResult("seed", false, $"state already {settings.SeedProfile.ToString().ToLowerInvariant()}; nothing written"));
        }

        // Production is live: others' changes during the run are a report; govclone's own sessions there were each checked
        // read-only (a session that wrote has thrown ProductionWrittenException by now, failing the run).
        var engine = steps.Select(st => st.Production).LastOrDefault(p => p is not null);
        var production = await ProductionView.ReportSinceAsync(connections, before, engine, ct);
        return new UpResult(steps, verify, production.FingerprintEqual) { SpareDue = spareDue, Production = production };
    }
}
