using System.Diagnostics;
using System.Globalization;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>The retained template and the ready branch spare as <c>sql/branch/bspare_state.sql</c> reads them.</summary>
internal sealed record BranchSpareState(long? TemplateOid, string TemplateComment, bool TemplateCurrent, string TemplateAt, long? TemplateBytes,
    bool Exists, bool Current, long? SizeBytes, string Marker, long? Oid);

/// <summary>
/// The ready branch spare <c>&lt;clone&gt;_bspare</c> (govclone:keepBranchSpare): a FILE_COPY of the current retained
/// template made ahead of time by <c>govclone spare</c> (under the spare lock, within the branch budget), marked last with
/// the template's time and oid (<c>sql/branch/bspare_mark.sql</c>). <c>branch create</c> renames it to the branch
/// (<c>sql/branch/bspare_take.sql</c>, under the spare lock and the budget lock) instead of copying the template, so a
/// branch is ready in the time of a rename at any size; a stale one (the template re-cloned since) is dropped and the
/// template copied as before. It is a database of the clone's family (role <see cref="FamilyRules.Roles.BranchSpare"/>):
/// never a branch, dropped by <c>drop</c>, its size in the decision's disk cost.
/// </summary>
internal sealed class BranchSpare(GovCloneSettings settings, HostDisk disk)
{
    /// <summary><c>&lt;clone&gt;_bspare</c>.</summary>
    public string Name => FamilyRules.NameOf(settings.CloneDatabase, FamilyRules.Roles.BranchSpare);

    /// <summary>The identity of its marker: <c>govclone:branch-spare family=&lt;clone&gt; source=… generation=N</c> (then template=, oid=, at=).</summary>
    public string MarkerIdentity => FamilyRules.Marker(MarkerKinds.BranchSpare)
        .Text(settings.CloneDatabase, settings.SourceDatabase, settings.CloneGeneration.ToString(CultureInfo.InvariantCulture));

    /// <summary>Reads the template's and the branch spare's state.</summary>
    public async Task<BranchSpareState> ReadAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        var sql = EngineFiles.FamilySettings(settings, ("template_marker", EngineScript.TemplateMarkerFor(settings)), ("bspare_marker", MarkerIdentity))
            + BranchSql.Get(BranchSql.SpareState);
        await using var cmd = new NpgsqlCommand(sql, maintenance);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
        }

        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        return new BranchSpareState(r.IsDBNull(0) ? null : r.GetInt64(0), r.GetString(1), r.GetBoolean(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4),
            r.GetBoolean(5), r.GetBoolean(6), r.IsDBNull(7) ? null : r.GetInt64(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetInt64(9));
    }

    /// <summary>
    /// <c>govclone spare</c>'s second half, on the session holding the spare lock (<paramref name="holder"/>): keeps a current
    /// branch spare, or drops a stale one or a leftover and makes a new one when govclone:keepBranchSpare allows, the
    /// retained template is current, the branches leave room under govclone:maxBranches, and the host keeps
    /// govclone:branchMinFreeBytes free after a copy of the template. Never fails the spare lever for a branch spare it
    /// could not make: says why instead.
    /// </summary>
    public async Task<LeverResult> MakeAsync(NpgsqlConnection maintenance, LockHolder holder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var started = Stopwatch.StartNew();
        var state = await ReadAsync(maintenance, ct);
        string? none = null;
        if (!settings.KeepBranchSpare)
        {
            none = "keepBranchSpare false";
        }
        else if (settings.RetainTemplate == RetainTemplate.No || !state.TemplateCurrent || state.TemplateOid is null)
        {
            none = $"no current retained template {settings.TemplateDatabase} to copy";
        }
        else if (state.Current)
        {
            return new LeverResult("branch spare", false, $"{Name} ready: a copy of {settings.TemplateDatabase} (template at={state.TemplateAt})");
        }
        else
        {
            none = await OutsideBudgetAsync(maintenance, state, ct);
        }

        var dropped = string.Empty;
        if (state.Exists)
        {
            await DropAsync(maintenance, holder, ct);
            dropped = $"; dropped the {(state.Marker.Length == 0 ? "unmarked leftover" : "stale")} {Name}";
        }

        if (none is not null)
        {
            return new LeverResult("branch spare", state.Exists, $"none: {none}{dropped}");
        }

        var parameters = EngineFiles.FamilySettings(settings,
            ("template_marker", EngineScript.TemplateMarkerFor(settings)), ("bspare_marker", MarkerIdentity),
            ("template_oid", state.TemplateOid!.Value.ToString(CultureInfo.InvariantCulture)), ("template_comment", state.TemplateComment),
            ("generation", settings.CloneGeneration.ToString(CultureInfo.InvariantCulture)),
            ("lock_pid", holder.BackendPid.ToString(CultureInfo.InvariantCulture)), ("lock_key", holder.Key.ToString(CultureInfo.InvariantCulture)));
        await GuardedSql.ExecuteAsync(maintenance, parameters + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("holder_check.sql") + EngineFiles.GetSql("family_guard.sql"), ct);
        var fingerprint = await BranchGuardedSql.ScalarAsync<string>(maintenance, "SELECT current_setting('govclone.fingerprint_bspare')", ct);
        var fileCopy = await BranchGuardedSql.ScalarAsync<string>(maintenance, "SELECT current_setting('server_version_num')", ct) is { } v
            && int.Parse(v, CultureInfo.InvariantCulture) >= 150000;
        try
        {
            await GuardedSql.ExecuteAsync(maintenance, string.Create(CultureInfo.InvariantCulture,
                $"CREATE DATABASE {DatabaseNameGuard.QuoteIdentifier(Name)} TEMPLATE {DatabaseNameGuard.QuoteIdentifier(settings.TemplateDatabase)} CONNECTION LIMIT {long.Parse(fingerprint!, CultureInfo.InvariantCulture)}{(fileCopy ? " STRATEGY FILE_COPY" : string.Empty)}"), ct);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.ObjectInUse or PostgresErrorCodes.DiskFull)
        {
            return new LeverResult("branch spare", state.Exists, $"none: {settings.TemplateDatabase} could not be copied now ({ex.MessageText}){dropped}; the next branch create copies it");
        }

        try
        {
            await GuardedSql.ExecuteAsync(maintenance, EngineFiles.GetSql("holder_check.sql") + BranchSql.Get(BranchSql.SpareMark), ct);
        }
        catch (PostgresException ex) when (ex.SqlState == GovCloneErrorCodes.NotCurrent)
        {
            await DropAsync(maintenance, holder, ct);
            return new LeverResult("branch spare", state.Exists, $"none: {settings.TemplateDatabase} changed while it was copied (a re-clone); the copy was dropped");
        }

        var made = await ReadAsync(maintenance, ct);
        return new LeverResult("branch spare", true, string.Create(CultureInfo.InvariantCulture,
            $"{Name} made in {started.Elapsed.TotalSeconds:0.0}s: a {(fileCopy ? "FILE_COPY" : "copy")} of {settings.TemplateDatabase} ({LifecycleDecider.FormatBytes(made.SizeBytes ?? 0)}, counted in the branch budget's free space); the next branch create renames it{dropped}"));
    }

    /// <summary>Why no branch spare may be made now (the branch budget), or null.</summary>
    private async Task<string?> OutsideBudgetAsync(NpgsqlConnection maintenance, BranchSpareState state, CancellationToken ct)
    {
        var branches = await BranchCatalog.ReadAsync(maintenance, settings, ct);
        if (branches.Count >= settings.MaxBranches)
        {
            return $"{settings.CloneDatabase} has {branches.Count} branch(es), govclone:maxBranches {settings.MaxBranches}: no create could take it";
        }

        if (settings.BranchMinFreeBytes <= 0)
        {
            return null;
        }

        var (free, _) = await disk.MeasureAsync(maintenance, ct);
        free ??= settings.HostFreeBytes;
        if (free is null)
        {
            return "the host's free space cannot be measured (govclone:hostFreeBytes), so a copy cannot be held to govclone:branchMinFreeBytes";
        }

        // Its bytes count as a branch's copy would: the floor holds after it (a stale one's are freed first).
        var after = free.Value + (state.Exists ? state.SizeBytes ?? 0 : 0) - (state.TemplateBytes ?? 0);
        return after < settings.BranchMinFreeBytes
            ? $"a copy of {settings.TemplateDatabase} ({LifecycleDecider.FormatBytes(state.TemplateBytes ?? 0)}) would leave {LifecycleDecider.FormatBytes(Math.Max(0, after))} free, under govclone:branchMinFreeBytes {LifecycleDecider.FormatBytes(settings.BranchMinFreeBytes)}"
            : null;
    }

    /// <summary>What <see cref="TryTakeAsync"/> did.</summary>
    /// <param name="Taken">The branch spare is now the branch (renamed, closed to PUBLIC, marked incomplete).</param>
    /// <param name="Note">Why it was not taken (null: there was none to take, or it was).</param>
    /// <param name="Dropped">A stale branch spare was dropped.</param>
    public sealed record Take(bool Taken, string? Note, bool Dropped);

    /// <summary>
    /// <c>branch create</c>'s rename instead of a copy, on the branch's lock session under the budget lock: when a current
    /// branch spare copies <paramref name="template"/> (the same oid and marker), and the spare lock is free (no
    /// <c>govclone spare</c> making it), renames it to the branch in one transaction (<c>sql/branch/bspare_take.sql</c>,
    /// behind prefix_guard.sql, family_guard.sql, holder_check.sql and branch_guard.sql). A stale one is dropped (the
    /// file's SQLSTATE GC003). A database already at the branch's name fails the create with the file's SQLSTATE 42P04
    /// (a <see cref="PostgresException"/> naming it) and keeps the spare, which is still ready.
    /// </summary>
    public async Task<Take> TryTakeAsync(NpgsqlConnection maintenance, BranchName branch, long templateOid, string templateComment, string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(branch);
        if (!settings.KeepBranchSpare)
        {
            return new Take(false, null, false);
        }

        if (!(await ReadAsync(maintenance, ct)).Exists)
        {
            return new Take(false, null, false);
        }

        var key = LockKeys.Spare(settings.CloneDatabase);
        if (!await TryLockAsync(maintenance, key, ct))
        {
            return new Take(false, $"{Name} is being made by `govclone spare` (its lock is held); copied the template instead", false);
        }

        try
        {
            // Read again under the lock: a remake may have replaced it in between.
            var state = await ReadAsync(maintenance, ct);
            if (!state.Exists)
            {
                return new Take(false, null, false);
            }

            var holder = new LockHolder(maintenance.ProcessID, key);
            if (!state.Current || state.TemplateOid != templateOid || state.TemplateComment != templateComment)
            {
                return await DropStaleAsync(maintenance, holder, $"not a copy of {settings.TemplateDatabase} as it is now", ct);
            }

            var parameters = EngineFiles.FamilySettings(settings, ("branch", branch.Database), ("owner", owner),
                ("template_marker", EngineScript.TemplateMarkerFor(settings)), ("bspare_marker", MarkerIdentity),
                ("template_oid", templateOid.ToString(CultureInfo.InvariantCulture)), ("template_comment", templateComment),
                ("lock_pid", holder.BackendPid.ToString(CultureInfo.InvariantCulture)), ("lock_key", holder.Key.ToString(CultureInfo.InvariantCulture)));
            try
            {
                await GuardedSql.ExecuteAsync(maintenance, parameters + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("holder_check.sql") + EngineFiles.GetSql("family_guard.sql"), ct);
            }
            catch (GuardException ex)
            {
                // A database of the family's names that is not this family's: no rename near it; the copy goes on as before.
                return new Take(false, $"{Name} was not taken: {ex.Message}", false);
            }

            await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.Get(BranchSql.Guard), ct);
            try
            {
                await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.Get(BranchSql.SpareTake), ct);
            }
            catch (Exception ex) when (ex is PostgresException or GuardException)
            {
                // The file's own BEGIN left this session in the failed transaction: end it before anything else runs here.
                await using (var rollback = new NpgsqlCommand("ROLLBACK", maintenance))
                {
                    await rollback.ExecuteNonQueryAsync(CancellationToken.None);
                }

                if (ex is PostgresException { SqlState: GovCloneErrorCodes.NotCurrent } notCurrent)
                {
                    return await DropStaleAsync(maintenance, holder, notCurrent.MessageText, ct);
                }

                // Anything else leaves the branch spare as it is: a guard's refusal, or 42P04 (duplicate_database: a
                // database of the branch's name came meanwhile), which fails the create naming it; the spare stays ready.
                throw;
            }

            return new Take(true, null, false);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", maintenance);
            unlock.Parameters.AddWithValue(key);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Drops the branch spare (released first: marked dropping, so a drop cut short leaves this family's leftover), behind
    /// prefix_guard.sql, holder_check.sql and family_guard.sql: never a database of another family or an unmarked one.
    /// </summary>
    public async Task DropAsync(NpgsqlConnection maintenance, LockHolder holder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var parameters = EngineFiles.FamilySettings(settings, ("database", Name),
            ("lock_pid", holder.BackendPid.ToString(CultureInfo.InvariantCulture)), ("lock_key", holder.Key.ToString(CultureInfo.InvariantCulture)));
        await GuardedSql.ExecuteAsync(maintenance, parameters + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("holder_check.sql")
            + EngineFiles.GetSql("family_guard.sql") + EngineFiles.GetSql("release_database.sql"), ct);
        await GuardedSql.ExecuteAsync(maintenance, CloneFamily.DropSql(Name), ct);
    }

    /// <summary>Drops a branch spare that is not ready for this create; one that is not this family's stays (the guard's reason is the note).</summary>
    private async Task<Take> DropStaleAsync(NpgsqlConnection maintenance, LockHolder holder, string why, CancellationToken ct)
    {
        try
        {
            await DropAsync(maintenance, holder, ct);
            return new Take(false, $"dropped the stale branch spare {Name} ({why}); copied the template instead", true);
        }
        catch (GuardException ex)
        {
            return new Take(false, $"{Name} was not taken nor dropped: {ex.Message}", false);
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection maintenance, long key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", maintenance);
        cmd.Parameters.AddWithValue(key);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
