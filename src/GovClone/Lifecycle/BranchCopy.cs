using System.Diagnostics;
using System.Globalization;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Engine;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// A branch's copy (<c>branch create</c>'s first steps): the current retained template (waited for while a re-clone
/// rebuilds it, or made with <c>--make-template</c>), the budget, the ready branch spare renamed (<see cref="BranchSpare"/>)
/// or else <c>CREATE DATABASE … TEMPLATE</c>, and the mark that checks the template did not change meanwhile
/// (<c>sql/branch/branch_mark.sql</c>); again from a new template when it did.
/// </summary>
internal sealed class BranchCopy(GovCloneSettings settings, BranchDatabases databases, BranchBudget budget, BranchSpare spare, BranchSteps stepLog)
{
    /// <summary>The copy: budget, CREATE DATABASE … TEMPLATE, the checked mark; again from a new template when a re-clone replaced it meanwhile.</summary>
    public async Task<IReadOnlyList<LeverResult>> CopyAsync(BranchName branch, BranchInfo? existing, BranchCreateOptions options, RunLock runLock, Func<int> next, int total, CancellationToken ct)
    {
        var maintenance = runLock.Maintenance;
        var results = new List<LeverResult>();
        if (existing is not null)
        {
            // A create cut short (no marker, or marked incomplete) or an interrupted drop: never used; dropped first.
            await databases.DropLockedAsync(maintenance, branch, force: true, ct);
            results.Add(new LeverResult("branch drop", true, $"dropped {branch.Database}: {BranchDatabases.Describe(existing.State)} (a create or drop cut short); making it again"));
        }

        var budgetNo = next();
        var copyNo = next();
        var markNo = next();
        var deadline = Stopwatch.StartNew();
        var fileCopy = await BranchGuardedSql.ScalarAsync<string>(maintenance, "SELECT current_setting('server_version_num')", ct) is { } v
            && int.Parse(v, CultureInfo.InvariantCulture) >= 150000;
        for (var attempt = 1; ; attempt++)
        {
            var budgetStep = stepLog.Start(budgetNo, total, "budget", $"branches of {settings.CloneDatabase} (at most {settings.MaxBranches}, govclone:maxBranches) and the host's free space after the copy (at least {LifecycleDecider.FormatBytes(settings.BranchMinFreeBytes)}, govclone:branchMinFreeBytes)");
            var template = await CurrentTemplateAsync(maintenance, options, deadline, ct);
            // A ready branch spare of this very template is renamed, not copied: no bytes more on the host.
            var spareState = settings.KeepBranchSpare ? await spare.ReadAsync(maintenance, ct) : null;
            var spareReady = spareState is { Current: true } && spareState.TemplateOid == template.Oid;
            await budget.CheckAsync(maintenance, branch, spareReady ? 0 : template.SizeBytes ?? 0, afterCopy: false, ct);
            stepLog.Finish(budgetStep);

            var taken = false;
            if (spareState is { Exists: true })
            {
                // A ready one is renamed (one step, "copy"); a stale one is dropped and the template copied.
                (BranchStep Step, long Started)? takeStep = spareReady ? stepLog.Start(copyNo, total, "copy", $"ALTER DATABASE {spare.Name} RENAME TO {branch.Database}: the ready branch spare, a copy of {settings.TemplateDatabase} as it is now (oid {template.Oid}, marked at {template.At}), made ahead of time") : null;
                // Under the clone's budget lock: the rename, then the count with it in (as after a copy).
                await budget.WithLockAsync(maintenance, async () =>
                {
                    var take = await spare.TryTakeAsync(maintenance, branch, template.Oid!.Value, template.Comment, options.Owner, ct);
                    if (take.Note is not null)
                    {
                        results.Add(new LeverResult("branch spare", take.Dropped, take.Note));
                    }

                    taken = take.Taken;
                    if (taken)
                    {
                        try
                        {
                            await budget.CheckCountAsync(maintenance, branch, afterCopy: true, ct);
                        }
                        catch (GuardException)
                        {
                            await databases.DropLockedAsync(maintenance, branch, force: true, ct);
                            throw;
                        }
                    }
                }, ct);
                if (taken)
                {
                    await CopySettingsAsync(branch, maintenance, ct);
                }

                if (takeStep is { } step)
                {
                    stepLog.Finish(step);
                }
            }

            if (!taken)
            {
                await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase), BranchSql.Guard), ct);
                var fingerprint = long.Parse((await BranchGuardedSql.ScalarAsync<string>(maintenance, "SELECT current_setting('govclone.fingerprint_branch')", ct))!, CultureInfo.InvariantCulture);
                var copyStep = stepLog.Start(copyNo, total, "copy", $"{BranchSql.CreateFrom(branch, settings.TemplateDatabase, fileCopy, fingerprint)} (a copy of the retained template; production is not read)");
                try
                {
                    await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.CreateFrom(branch, settings.TemplateDatabase, fileCopy, fingerprint), ct);
                }
                catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.ObjectInUse && deadline.Elapsed.TotalSeconds < settings.LockTimeoutSeconds)
                {
                    // The template went (a re-clone is rebuilding it) or is in use: read it again and copy the new one.
                    stepLog.Finish(copyStep);
                    continue;
                }

                // At once, in this session: close it to PUBLIC and mark it incomplete (naming this family). Whatever stops the
                // create from here, or during the CREATE itself (its fingerprint is written by the CREATE), leaves a database
                // the next create or drop recognises as this branch, never one it could take for somebody else's.
                await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase, ("owner", options.Owner)), BranchSql.Guard, BranchSql.Begin), ct);
                await CopySettingsAsync(branch, maintenance, ct);

                // Under the clone's budget lock: count again with it in.
                await budget.WithLockAsync(maintenance, async () =>
                {
                    try
                    {
                        await budget.CheckAsync(maintenance, branch, 0, afterCopy: true, ct);
                    }
                    catch (GuardException)
                    {
                        await databases.DropLockedAsync(maintenance, branch, force: true, ct);
                        throw;
                    }
                }, ct);
                stepLog.Finish(copyStep);
            }

            var markStep = stepLog.Start(markNo, total, "mark", $"mark {branch.Database} complete if {settings.TemplateDatabase} is still the template it copied (oid {template.Oid}, marked at {template.At})");
            try
            {
                await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase,
                    ("template_marker", EngineScript.TemplateMarkerFor(settings)),
                    ("template_oid", template.Oid!.Value.ToString(CultureInfo.InvariantCulture)),
                    ("template_comment", template.Comment),
                    ("source", settings.SourceDatabase),
                    ("generation", settings.CloneGeneration.ToString(CultureInfo.InvariantCulture)),
                    ("owner", options.Owner)), BranchSql.Guard, BranchSql.Mark), ct);
            }
            catch (PostgresException ex) when (ex.SqlState == BranchLifecycle.TemplateChangedSqlState)
            {
                await databases.DropLockedAsync(maintenance, branch, force: true, ct);
                stepLog.Finish(markStep);
                if (deadline.Elapsed.TotalSeconds >= settings.LockTimeoutSeconds)
                {
                    throw new OperationFailedException(
                        $"branch create: the retained template {settings.TemplateDatabase} changed while {branch.Database} was copied from it, again after {attempt} attempt(s) in {deadline.Elapsed.TotalSeconds:0}s "
                        + "(a re-clone rebuilding it); the copies were dropped, nothing is marked. Fix: run it again once the re-clone is done, or raise govclone:lockTimeoutSeconds.");
                }

                results.Add(new LeverResult("copy", false, $"the template changed while {branch.Database} was copied (attempt {attempt}); dropped the copy, copying the new template"));
                continue;
            }

            stepLog.Finish(markStep);
            UsedBranchSpare = taken;
            var size = await BranchGuardedSql.ScalarAsync<long?>(maintenance, $"SELECT pg_database_size({Guards.DatabaseNameGuard.QuoteLiteral(branch.Database)})", ct) ?? 0;
            results.Add(new LeverResult("copy", true, taken
                ? string.Create(CultureInfo.InvariantCulture, $"renamed the ready branch spare {spare.Name} (a copy of {settings.TemplateDatabase}, marked at {template.At}, made ahead of time) -> {branch.Database}: {LifecycleDecider.FormatBytes(size)} in {deadline.Elapsed.TotalSeconds:0.0}s, no copy; closed to PUBLIC, marked complete (owner {options.Owner})")
                : string.Create(CultureInfo.InvariantCulture, $"copied {settings.TemplateDatabase} (retained template, marked at {template.At}) -> {branch.Database} by {(fileCopy ? "FILE_COPY" : "CREATE DATABASE … TEMPLATE")}: {LifecycleDecider.FormatBytes(size)} in {deadline.Elapsed.TotalSeconds:0.0}s; closed to PUBLIC, marked complete (owner {options.Owner})")));
            return results;
        }
    }

    /// <summary>Whether the last copy was the ready branch spare renamed (govclone:keepBranchSpare), not a copy of the template.</summary>
    public bool UsedBranchSpare { get; private set; }

    /// <summary>The template's database-level settings (the source's, which the clone carries): CREATE DATABASE … TEMPLATE copies none.</summary>
    private async Task CopySettingsAsync(BranchName branch, NpgsqlConnection maintenance, CancellationToken ct) =>
        await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase, ("settings_from", settings.TemplateDatabase),
            ("settings_to", branch.Database)), BranchSql.Guard) + EngineFiles.GetSql("database_settings.sql"), ct);

    internal sealed record TemplateSnapshot(long? Oid, string Comment, bool Current, string At, long? SizeBytes);

    public async Task<TemplateSnapshot> ReadTemplateAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(BranchSql.With([("template", settings.TemplateDatabase), ("template_marker", EngineScript.TemplateMarkerFor(settings))], BranchSql.TemplateState), maintenance);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
        }

        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        return new TemplateSnapshot(r.IsDBNull(0) ? null : r.GetInt64(0), r.IsDBNull(1) ? string.Empty : r.GetString(1),
            !r.IsDBNull(2) && r.GetBoolean(2), r.IsDBNull(3) ? string.Empty : r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4));
    }

    /// <summary>
    /// The current retained template. While it is not current and the clone's lock is held (a re-clone may be
    /// rebuilding it), waits up to govclone:lockTimeoutSeconds. Without one: with <c>--make-template</c>, makes it with
    /// the clone's levers under the clone's lock; otherwise refuses (exit 2), nothing changed.
    /// </summary>
    private async Task<TemplateSnapshot> CurrentTemplateAsync(NpgsqlConnection maintenance, BranchCreateOptions options, Stopwatch deadline, CancellationToken ct)
    {
        var made = false;
        while (true)
        {
            var template = await ReadTemplateAsync(maintenance, ct);
            if (template.Current && template.Oid is not null)
            {
                return template;
            }

            if (deadline.Elapsed.TotalSeconds < settings.LockTimeoutSeconds && await CloneLockHeldAsync(maintenance, ct))
            {
                await Task.Delay(250, ct);
                continue;
            }

            if (options.MakeTemplate && !made)
            {
                await MakeTemplateAsync(ct);
                made = true;
                continue;
            }

            var what = template.Oid is null ? "does not exist" : $"is not current (marker '{template.Comment}', want '{EngineScript.TemplateMarkerFor(settings)} …')";
            throw new GuardException(SettingKeys.RetainTemplate.ConfigKey,
                $"a branch is a copy of the retained template {settings.TemplateDatabase}, which {what}; nothing was changed (a branch never reads production)",
                made
                    ? $"the clone's levers kept no template: check govclone:retainTemplate (true keeps one) and the host's free space"
                    : $"run `govclone branch create NAME --make-template` (re-clones {settings.CloneDatabase} from the source under its lock, keeping its template, then seeds it again), or `govclone clone --force -c retainTemplate=true` then `govclone up`");
        }
    }

    /// <summary>--make-template: the clone's own levers, under the clone's lock: a fresh clone from the source that keeps its template, then up (seeds the clone again).</summary>
    private async Task MakeTemplateAsync(CancellationToken ct)
    {
        if (settings.RetainTemplate == RetainTemplate.No)
        {
            throw new GuardException(SettingKeys.RetainTemplate.ConfigKey, "is false, so no clone keeps a template to branch from; nothing was changed",
                "set govclone:retainTemplate to true (or auto) and run again");
        }

        var keep = settings with { RetainTemplate = RetainTemplate.Yes, CloneMethod = CloneMethod.Auto };
        var clone = new CloneLifecycle(keep);
        var cloned = await clone.CloneAsync(force: true, ct);
        var up = await clone.UpAsync(ct);
        MadeTemplateProduction = cloned.Production ?? up.Production;
    }

    /// <summary>Production as --make-template's re-clone read it (null: this create did not read production).</summary>
    public ProductionReport? MadeTemplateProduction { get; private set; }

    private async Task<bool> CloneLockHeldAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                           AND ((classid::bigint << 32) | objid::bigint) = $1 AND pid <> pg_backend_pid())
            """, maintenance);
        cmd.Parameters.AddWithValue(Guards.LockKeys.Run(settings.CloneDatabase));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
