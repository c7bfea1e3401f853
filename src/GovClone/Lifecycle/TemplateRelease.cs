using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// The retained template's convergence under the run lock: one that is not current, or not wanted
/// (govclone:retainTemplate false), is released and dropped behind the prefix and family guards.
/// </summary>
internal sealed class TemplateRelease(GovCloneSettings settings, CloneStates states)
{
    /// <summary>
    /// A retained template that is not current (an interrupted retention left it unmarked, or it is of another
    /// generation) is never used; under the run lock, release and drop it, so nothing half-made stays behind.
    /// The next clone from the source makes a new one. Null when there was none to drop.
    /// </summary>
    public async Task<LeverResult?> DropUnlessCurrentAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        var template = await states.ReadTemplateAsync(maintenance, ct);
        if (!template.Exists || template.Current)
        {
            return null;
        }

        await GuardedSql.ExecuteAsync(maintenance, ServerScripts.ReleaseTemplateSql(settings), ct);
        await GuardedSql.ExecuteAsync(maintenance, ServerScripts.DropTemplateSql(settings), ct); // the spare, its copy, is stale now: `govclone spare` drops it
        return new LeverResult("template", true,
            $"dropped {template.Name}: not a current template (marker '{template.Marker ?? "none"}': an interrupted retention or another generation); the next clone from the source makes a new one");
    }

    /// <summary>
    /// govclone:retainTemplate false on a current clone: a template kept earlier is dropped now (under the lock,
    /// behind the prefix guard), so the clone lever converges the template's presence too, not only at the next
    /// re-clone. Null when there is nothing to drop. (true/auto keep a template, made only from a fresh clone.)
    /// </summary>
    public async Task<LeverResult?> ReleaseUnwantedLockedAsync(RunLock runLock, CancellationToken ct)
    {
        if (settings.RetainTemplate != RetainTemplate.No || !(await states.ReadTemplateAsync(runLock.Maintenance, ct)).Exists)
        {
            return null;
        }

        DatabaseNameGuard.RequireClone(settings.TemplateDatabase, settings.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        await GuardedSql.ExecuteAsync(runLock.Maintenance, ServerScripts.ReleaseTemplateSql(settings), ct);
        await GuardedSql.ExecuteAsync(runLock.Maintenance, ServerScripts.DropTemplateSql(settings), ct);
        return new LeverResult("clone", true, $"clone is complete; nothing copied; dropped the retained template {settings.TemplateDatabase} (govclone:retainTemplate false)");
    }
}
