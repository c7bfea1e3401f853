using System.Globalization;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Processes;

namespace GovClone.Lifecycle;

/// <summary>What a failed clone says: where the engine stopped, what is true of the clone now, its error output, and the cause as the engine classified it, with the fix.</summary>
internal static class CloneFailureReport
{
    /// <summary>
    /// A failed run, in what is true now: where it stopped, what the clone is (the earlier complete clone untouched,
    /// or unmarked), the engine's error output, and last the cause as the engine classified it, with its fix.
    /// </summary>
    /// <param name="settings">The run's settings.</param>
    /// <param name="result">The engine's process result.</param>
    /// <param name="outcome">The engine's events.</param>
    /// <param name="state">The clone's state read after the run.</param>
    /// <param name="current">Whether <paramref name="state"/> is the clone the settings want.</param>
    public static string Describe(GovCloneSettings settings, ProcessResult result, EngineOutcome outcome, CloneState state, bool current)
    {
        var failure = outcome.Failure;
        var step = outcome.LastStep;
        var where = step is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" at step {step.Step}/{step.Steps} ({step.StepName})");
        var clone = settings.CloneDatabase;
        var next = EngineScript.NextDatabase(settings);
        const string drops = "which the next lever to take the lock drops (its building marker names this family)";
        var truth = current
            ? $"the earlier complete clone {clone} is untouched (its complete marker is intact); what was built is only in {next}, {drops}"
            : state.Exists
                ? $"{clone} is as it was and carries no complete marker, so nothing will take it for a clone; what was built is only in {next}, {drops}"
                : $"{clone} does not exist; what was built is only in {next}, {drops}";
        var tail = string.Join('\n', result.StandardError.Trim().Split('\n').TakeLast(8));
        var cls = failure?.Class ?? FailureEvent.Other;
        var hint = cls switch
        {
            FailureEvent.DiskFull => "The server ran out of disk: free space there (or compact/drop other clones), then run govclone up.",
            FailureEvent.LostLock => "This run no longer holds its lock (its session ended): run govclone up again.",
            FailureEvent.SourceUnreadable => $"Check govclone:sourceDatabase ('{settings.SourceDatabase}') and that {settings.User} may read every table and sequence of it, then run govclone up.",
            FailureEvent.SourceLocked => string.Create(CultureInfo.InvariantCulture,
                $"A production session held a lock on a table of {settings.SourceDatabase} (a migration's ALTER TABLE, a VACUUM FULL, a LOCK TABLE) longer than govclone:sourceLockTimeoutSeconds ({settings.SourceLockTimeoutSeconds} s); the clone stopped waiting, so it never queued in front of production's own work. Run govclone up again when that session is done, or raise govclone:sourceLockTimeoutSeconds."),
            FailureEvent.SourceWritten => "A govclone session on the source was not read-only or wrote (source_check.sql, SQLSTATE GC004): the run fails, and nothing of that transaction was committed. Report it: govclone must never write production.",
            FailureEvent.Guard => "A guard refused the database: check govclone:cloneDatabase and govclone:templateDatabase.",
            _ => "Fix the cause, then run govclone up: it converges from here.",
        };
        var cause = failure is null ? $"exit {result.ExitCode} without a failure event (the engine was stopped)" : failure.Detail;
        return string.Create(CultureInfo.InvariantCulture,
            $"clone failed (exit {result.ExitCode}){where}; {truth}.\n{tail}\ncause ({cls}{(failure?.SqlState is { } sqlState ? ", SQLSTATE " + sqlState : string.Empty)}): {cause}. {hint}");
    }
}
