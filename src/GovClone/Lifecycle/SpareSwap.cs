using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// A re-clone faster than a copy can be: the ready spare swapped in by name (sql/engine/swap.sql) on the run lock's own
/// session, no script and no transport.
/// </summary>
internal sealed class SpareSwap(GovCloneSettings settings, CloneStates states, IProgress<CloneProgress>? progress, Action<EngineEvent>? events)
{
    /// <summary>
    /// When govclone:cloneMethod is auto, govclone:keepSpare allows and a current spare exists (a FILE_COPY of the current
    /// retained template, marked last), it takes the clone's place in one transaction on this lock session
    /// (sql/engine/swap.sql: the clone renamed <c>&lt;clone&gt;_old</c>, the spare renamed to the clone, made connectable
    /// and marked complete), then a <c>ready</c> event. One round trip. Null when there is no current spare (the engine
    /// copies instead). The spare lock is held.
    /// </summary>
    public async Task<LeverResult?> SwapInAsync(RunLock runLock, CancellationToken ct)
    {
        if (settings.CloneMethod != CloneMethod.Auto || settings.KeepSpare == KeepSpare.No || settings.RetainTemplate == RetainTemplate.No)
        {
            return null; // a spare is a copy of the retained template: without one kept, none is used
        }

        var stopwatch = Stopwatch.StartNew();
        var conn = runLock.Maintenance;
        var spare = await states.ReadSpareAsync(conn, ct, withSize: false);
        if (!spare.Current)
        {
            return null;
        }

        // The clone's marker says what the spare's says of how the data was read and its fidelity (the template's).
        var spareMarker = FamilyMarker.Parse(spare.Marker, spare.Name);
        var parameters = EngineFiles.FamilySettings(settings, ("origin", spare.Name),
            ("origin_marker", EngineScript.SpareMarkerFor(settings) + " template=" + spare.TemplateAt),
            ("marker", EngineScript.CompleteMarkerFor(settings, spareMarker?["method"] ?? "unknown", spareMarker?["fidelity"] ?? "full")),
            ("lock_pid", runLock.Holder.BackendPid.ToString(CultureInfo.InvariantCulture)), ("lock_key", runLock.Holder.Key.ToString(CultureInfo.InvariantCulture)));
        await GuardedSql.ExecuteAsync(conn, parameters + EngineFiles.GetSql("holder_check.sql") + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("family_guard.sql"), ct);
        try
        {
            await GuardedSql.ExecuteAsync(conn, EngineFiles.GetSql("swap.sql"), ct);
        }
        catch (PostgresException ex) when (ex.SqlState == GovCloneErrorCodes.NotCurrent)
        {
            return null; // not a ready spare after all: the engine makes a copy
        }

        var swappedIn = stopwatch.Elapsed;
        var ready = EngineEvent.Parse(EngineEvent.Prefix + JsonSerializer.Serialize(new { @event = "ready", database = settings.CloneDatabase, method = "spare" }))!;
        events?.Invoke(ready);
        var bytes = (await states.ReadStateAsync(conn, ct)).SizeBytes ?? 0; // after the ready event: its size is a walk of its files
        progress?.Report(new CloneProgress("clone complete", bytes, 0, null, stopwatch.Elapsed, "clone complete"));
        return new LeverResult("clone", true, string.Create(CultureInfo.InvariantCulture,
            $"swapped in the ready spare {spare.Name} (a FILE_COPY of the retained template {settings.TemplateDatabase}, made ahead of time; the source is not read) -> {settings.CloneDatabase} by spare: {LifecycleDecider.FormatBytes(bytes)}, in {swappedIn.TotalMilliseconds:0} ms (analyzed, marked complete); the old clone is {settings.CloneDatabase}_old until the spare is remade"))
        {
            SpareDue = true,
        };
    }
}
