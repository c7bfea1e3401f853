using System.Globalization;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Sql;
using GovClone.Transport;

namespace GovClone.Cli;

/// <summary>One thing a lever would send: where it runs, and the exact text.</summary>
/// <param name="Where">e.g. <c>maintenance database postgres</c>, <c>clone directus_gov_test_x</c>, <c>at the server: ssh … bash -s</c>.</param>
/// <param name="Language"><c>sql</c> or <c>bash</c>.</param>
internal sealed record PlannedStep(string Where, string Language, string Text);

/// <summary>
/// What a lever would run, for <c>--dry-run</c>: the same texts the lever sends (the sql/ files, the drop
/// statements, the server-side clone script), built by the same code, with nothing connected or changed.
/// </summary>
internal static class LeverPlan
{
    /// <summary>
    /// The server-side clone script, exactly as <c>govclone script</c> prints it. The one place the CLI builds it:
    /// when the engine moves (ServerScripts.Clone → the engine bundle), only this line changes.
    /// </summary>
    public static string CloneScript(GovCloneSettings settings, bool force) =>
        GovClone.Engine.EngineScript.Clone(settings, new ServerTransport(settings), force);

    public static string Lock(GovCloneSettings s) =>
        $"Every lever first takes the run lock (a session advisory lock keyed by the clone's name, in {s.MaintenanceDatabase}), and waits at most {s.LockTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s for another run's.";

    public static IReadOnlyList<PlannedStep> Clone(GovCloneSettings s, bool force) =>
    [
        new($"at the server, through `{new ServerTransport(s).RunCommandLine}` (stdin: the password line, then this script); "
            + (force ? "run even though the clone may be complete" : $"run only when {s.CloneDatabase} is not complete for generation {s.CloneGeneration.ToString(CultureInfo.InvariantCulture)}")
            + "; a real run also passes its lock session's pid and key for the holder checks",
            "bash", CloneScript(s, force)),
    ];

    /// <param name="s">The settings (the clone, or a branch as <c>BranchLifecycle.On</c> gives it).</param>
    /// <param name="profile">committed: the seed; baseline: the reset.</param>
    /// <param name="purgeForeign">--purge-foreign: sql/purge_foreign_rows.sql first (when the clone holds foreign rows).</param>
    public static IReadOnlyList<PlannedStep> Seed(GovCloneSettings s, SeedProfile profile, bool purgeForeign = false)
    {
        var file = profile == SeedProfile.Committed ? SqlScripts.SeedCommitted : SqlScripts.ResetInPlace;
        return purgeForeign
            ? [OnClone(s, SqlScripts.PurgeForeignRows + " (only when sql/foreign_rows.sql finds rows the seed did not write)", SqlScripts.Get(SqlScripts.PurgeForeignRows)), OnClone(s, file, SqlScripts.Get(file))]
            : [OnClone(s, file, SqlScripts.Get(file))];
    }

    public static IReadOnlyList<PlannedStep> Compact(GovCloneSettings s) =>
        [OnClone(s, SqlScripts.Compact, SqlScripts.Get(SqlScripts.Compact))];

    public static IReadOnlyList<PlannedStep> Drop(GovCloneSettings s) =>
        CloneLifecycle.DropStatements(s)
            .Select((sql, i) => new PlannedStep($"maintenance database {s.MaintenanceDatabase}, statement {i + 1}", "sql", sql))
            .ToArray();

    private static PlannedStep OnClone(GovCloneSettings s, string file, string text) =>
        new($"clone {s.CloneDatabase}: sql/{file}, in a session that checked current_database() and first ran: {SqlScripts.ExpectDatabase(s.CloneDatabase)}", "sql", text);
}
