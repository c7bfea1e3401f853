using System.Globalization;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// The family's census before a lever (sql/engine/family_guard.sql, the one judge), the adoption of an empty clone a
/// provider made, and the drop of the <c>&lt;clone&gt;_next</c> an interrupted run left.
/// </summary>
internal sealed class FamilyPreparation(GovCloneSettings settings, Connections connections)
{
    /// <summary>
    /// The family's census (sql/engine/family_guard.sql, the one judge): refuses (exit 2, naming the setting and the fix,
    /// nothing changed) while a database of another family or role, or one nobody marked, stands where this family's
    /// clone, template, next, old or spare would be. With <paramref name="adopt"/> (the levers that fill or drop the
    /// clone), an unmarked database at the clone's own name that holds no object of its own (what a provider's CREATE
    /// DATABASE makes before the first clone) is adopted first: marked building, role clone.
    /// </summary>
    public async Task<FamilyCensus> RequireAsync(NpgsqlConnection maintenance, bool adopt, CancellationToken ct)
    {
        var census = await FamilyCensus.ReadAsync(maintenance, settings, ct);
        if (adopt && census.Adoptable.Length > 0 && await IsEmptyDatabaseAsync(ct))
        {
            await GuardedSql.ExecuteAsync(maintenance, EngineFiles.FamilySettings(settings) + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("adopt_clone.sql"), ct);
            census = await FamilyCensus.ReadAsync(maintenance, settings, ct);
        }

        census.RequireNoProblem();
        return census;
    }

    /// <summary>
    /// Under the run lock: the family's census (refusing as <see cref="RequireAsync"/> does), then the
    /// <c>&lt;clone&gt;_next</c> an interrupted run of this family left (recognised by its building marker, written when it
    /// was created, never by its name) is dropped: nothing else writes it while this lock is held. Returns what it
    /// dropped, to say so, or null.
    /// </summary>
    public async Task<string?> PrepareLockedAsync(RunLock runLock, bool adopt, CancellationToken ct)
    {
        var census = await RequireAsync(runLock.Maintenance, adopt, ct);
        if (census.Of(FamilyRules.Roles.Next) is not { Verdict: FamilyCensus.Leftover } next)
        {
            return null;
        }

        await GuardedSql.ExecuteAsync(runLock.Maintenance, EngineFiles.FamilySettings(settings,
                ("lock_pid", runLock.Holder.BackendPid.ToString(CultureInfo.InvariantCulture)), ("lock_key", runLock.Holder.Key.ToString(CultureInfo.InvariantCulture)))
            + EngineFiles.GetSql("holder_check.sql") + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("family_guard.sql"), ct);
        await GuardedSql.ExecuteAsync(runLock.Maintenance, CloneFamily.DropSql(next.Name), ct);
        return $"dropped {next.Name} ({LifecycleDecider.FormatBytes(next.SizeBytes ?? 0)}), left by an interrupted run of this family (its marker, written when govclone created it, says {next.Kind} for {next.Family})";
    }

    /// <summary>A lever's result with what <see cref="PrepareLockedAsync"/> dropped first (when it dropped anything) added to its summary.</summary>
    public static LeverResult WithNote(LeverResult result, string? note) =>
        note is null ? result : result with { Summary = result.Summary + "; " + note };

    /// <summary>Whether the clone's database holds no object of its own (sql/engine/database_objects.sql: nothing past what initdb made).</summary>
    private async Task<bool> IsEmptyDatabaseAsync(CancellationToken ct)
    {
        try
        {
            await using var clone = await connections.OpenCloneAsync(ct);
            await using var cmd = new NpgsqlCommand(EngineFiles.GetSql("database_objects.sql"), clone);
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) == 0;
        }
        catch (NpgsqlException)
        {
            return false; // not connectable (a template, connections not allowed): never adopted
        }
        catch (GovCloneException)
        {
            return false;
        }
    }
}
