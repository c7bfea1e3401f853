using System.Diagnostics;
using System.Globalization;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Engine;
using GovClone.Processes;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// A copy by the clone engine (engine/*.sh through the transport): its events read as they come, its progress polled
/// on the run lock's session, its refusal or failure said in what is true now, its result summed up.
/// </summary>
internal sealed class CloneEngineRun(GovCloneSettings settings, Connections connections, ServerTransport transport, CloneStates states,
    IProgress<CloneProgress>? progress, Action<EngineEvent>? events)
{
    /// <summary>Runs the engine's clone command under the run lock (and the spare lock, held by the caller); the clone is current when it returns.</summary>
    public async Task<LeverResult> CopyAsync(bool force, RunLock runLock, CancellationToken ct)
    {
        var sourceBytes = await states.SourceSizeAsync(runLock.Maintenance, ct); // for progress: a walk of the source's files, not before a swap

        var script = EngineScript.Clone(settings, transport, force, runLock.Holder);
        var stopwatch = Stopwatch.StartNew();
        var phase = "starting";
        var outcome = new EngineOutcome();
        // Only the engine's events are read (docs/events.md); its other output is for people.
        var spec = transport.BashScript(script, EngineScript.CloneApplicationName, line =>
        {
            if (EngineEvent.Parse(line) is not { } e)
            {
                return;
            }

            outcome.Add(e);
            events?.Invoke(e);
            var message = e switch
            {
                StepEvent { IsStart: true } s => string.Create(CultureInfo.InvariantCulture, $"clone {s.Step}/{s.Steps}: {s.Text}"),
                StepEvent { IsStart: false, StepName: "mark" } => "clone complete",
                _ => null,
            };
            if (message is not null)
            {
                phase = message;
                progress?.Report(new CloneProgress(phase, 0, outcome.RowsCopied ?? 0, sourceBytes, stopwatch.Elapsed, phase));
            }
        }, lifeline: true);

        using var pollCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var poller = progress is null ? Task.CompletedTask : PollProgressAsync(runLock.Maintenance, sourceBytes, stopwatch, () => phase, () => outcome.RowsCopied ?? 0, pollCts.Token);
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(spec, ct);
        }
        finally
        {
            await pollCts.CancelAsync();
            try { await poller; } catch (OperationCanceledException) { }
        }

        if (outcome.Refused is { } refused)
        {
            // The engine refused before it created or changed anything (exit 2).
            throw new GuardException(refused.Setting, refused.Reason + "; the clone was refused and nothing was changed", refused.Fix);
        }

        var state = await states.ReadStateAsync(runLock.Maintenance, ct);
        if (!result.Succeeded)
        {
            throw new OperationFailedException(CloneFailureReport.Describe(settings, result, outcome, state, states.IsCurrent(state)));
        }

        if (!states.IsCurrent(state))
        {
            throw new OperationFailedException($"the clone engine exited 0 but {settings.CloneDatabase} carries no complete marker for generation {settings.CloneGeneration} (marker: '{state.Marker}')");
        }

        if (!outcome.Changed)
        {
            return new LeverResult("clone", false, "clone is complete; nothing copied");
        }

        // The engine's sessions on the source, each checked read-only at its end (source_check.sql); none when it did not read it.
        var engineProduction = outcome.Source is { } src
            ? new ProductionReport { Read = true, SessionsChecked = src.Checked, PgDumpRuns = src.PgDump }
            : null;

        // Rows: exactly what the engine's COPYs wrote (their command tags), the number the progress showed;
        // a FILE_COPY way copies none itself, so its rows are the planner's count of the copy.
        var copied = outcome.RowsCopied;
        long rows;
        if (copied is { } exact)
        {
            rows = exact;
        }
        else
        {
            await using var clone = await connections.OpenCloneAsync(ct);
            await using var cmd = new NpgsqlCommand(EngineFiles.GetSql("clone_rows.sql"), clone);
            rows = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }

        var method = outcome.Method ?? "?";
        var template = outcome.Template is { } t
            ? $"; template: {(t.Kept ? "retained" : "not retained")} {t.Database}: {t.Reason}"
            : string.Empty;
        var fidelity = outcome.Fidelity.Count == 0 ? string.Empty : "; NOT equal to the source at schema level: " + string.Join(" ", outcome.Fidelity.Select(f => f.Text));
        progress?.Report(new CloneProgress("done", state.SizeBytes ?? 0, rows, sourceBytes, stopwatch.Elapsed));
        return new LeverResult("clone", true,
            string.Create(CultureInfo.InvariantCulture, $"cloned {(method == "template" ? settings.TemplateDatabase + " (retained template)" : settings.SourceDatabase)} -> {settings.CloneDatabase} by {method}: {LifecycleDecider.FormatBytes(state.SizeBytes ?? 0)}, {(copied is null ? "~" : string.Empty)}{rows:N0} rows, in {stopwatch.Elapsed.TotalSeconds:0.0}s (analyzed, marked complete){template}{fidelity}"))
        {
            SpareDue = true,
            Fidelity = outcome.Fidelity.Select(f => f.Text).ToArray(),
            Production = engineProduction,
        };
    }

    /// <summary>
    /// Reports the clone's size and rows copied every half second, on the run lock's session (idle while the
    /// script runs; one connection fewer). A poll is never cancelled midway, so the session is idle again as
    /// soon as this returns.
    /// </summary>
    private async Task PollProgressAsync(NpgsqlConnection conn, long? sourceBytes, Stopwatch stopwatch, Func<string> phase, Func<long> rowsCopied, CancellationToken ct)
    {
        var maxRowsByRelation = new Dictionary<uint, long>();
        const string sql = """
            SELECT coalesce((SELECT pg_database_size(oid) FROM pg_database WHERE datname = $1), 0),
                   p.relid::oid, p.tuples_processed
            FROM (SELECT 1) one LEFT JOIN pg_stat_progress_copy p ON p.datname = $1
            """;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(500, ct);
                long bytes = 0;
                await using (var cmd = new NpgsqlCommand(sql, conn))
                {
                    cmd.Parameters.AddWithValue(EngineScript.NextDatabase(settings));
                    await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
                    while (await r.ReadAsync(CancellationToken.None))
                    {
                        bytes = r.GetInt64(0);
                        if (!await r.IsDBNullAsync(1, CancellationToken.None))
                        {
                            var rel = r.GetFieldValue<uint>(1);
                            var rows = r.GetInt64(2);
                            maxRowsByRelation[rel] = Math.Max(rows, maxRowsByRelation.GetValueOrDefault(rel));
                        }
                    }
                }

                // Rows: the COPYs the engine reported finished, or more while one is still running (its own count).
                progress!.Report(new CloneProgress(phase(), bytes, Math.Max(rowsCopied(), maxRowsByRelation.Values.Sum()), sourceBytes, stopwatch.Elapsed));
            }
            catch (NpgsqlException)
            {
                // Progress is best effort; the clone's own exit code is what counts.
            }
        }
    }
}
