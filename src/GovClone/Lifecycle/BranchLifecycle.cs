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

/// <summary>
/// Per-change branches of the clone (issue 17): <c>&lt;clone&gt;_&lt;NAME&gt;</c>, a FILE_COPY of the retained template
/// (production is never read), seeded to a profile and put through the regression suite.
/// <para>
/// Locks. Every branch lever takes the branch's own run lock (the clone's <see cref="RunLock"/>, keyed by the branch's
/// database name), never the clone's: branch work does not wait for the clone's levers, and two branches are made at
/// once. The copy does not race a rebuild of the template either: PostgreSQL holds a lock on the template for the whole
/// <c>CREATE DATABASE … TEMPLATE</c>, which the template's release (its COMMENT, then DROP DATABASE) waits for; and the
/// template's oid and marker are read before the copy and compared after it in the same statement that marks the branch
/// complete (<c>sql/branch/branch_mark.sql</c>): a template replaced, unmarked or dropped in between fails the mark, the
/// copy is dropped and made again from the new template (until govclone:lockTimeoutSeconds). So no branch is ever marked
/// complete from a template that was not whole and current while it was copied. The budget (govclone:maxBranches,
/// govclone:branchMinFreeBytes) is checked before the copy and again after it, under a short lock of the clone's
/// branches, so two creates at once cannot both slip under the cap.
/// </para>
/// </summary>
public sealed class BranchLifecycle
{
    /// <summary>SQLSTATE of branch_mark.sql's refusal: the template changed while the branch was copied.</summary>
    public const string TemplateChangedSqlState = GovCloneErrorCodes.TemplateChanged;

    private readonly GovCloneSettings _settings;
    private readonly Action<BranchStep>? _steps;

    /// <param name="settings">The clone's settings (the branch's parent is govclone:cloneDatabase).</param>
    /// <param name="steps">Each step of a create as it starts and finishes (progress lines, <c>--json</c> events).</param>
    public BranchLifecycle(GovCloneSettings settings, Action<BranchStep>? steps = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Guards.DatabaseNameGuard.RequireClone(settings.CloneDatabase, settings.SourceDatabase);
        _steps = steps;
    }

    public GovCloneSettings Settings => _settings;

    /// <summary>The settings of a lever on the branch: the clone's, with the branch as the database it works on (its lock key, its connection's guard).</summary>
    public GovCloneSettings On(BranchName branch)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return _settings with { CloneDatabase = branch.Database };
    }

    /// <summary>The branch lock's key (the run lock of the branch's database name).</summary>
    public static long LockKey(BranchName branch)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return Guards.LockKeys.Run(branch.Database);
    }

    /// <summary>The key of the short lock the budget's second check runs under: one per clone (its name, then <c>:branches</c>).</summary>
    public static long BudgetKey(string clone) => Guards.LockKeys.Budget(clone);

    // ------------------------------------------------------------------ list

    /// <summary><c>branch list</c>: every branch of the clone, with its age, size, last use, sessions and owner.</summary>
    public async Task<IReadOnlyList<BranchInfo>> ListAsync(CancellationToken ct = default)
    {
        var connections = new Connections(_settings);
        await using var maintenance = await connections.OpenMaintenanceAsync(ct);
        return await BranchCatalog.ReadAsync(maintenance, _settings, ct, includeUnmarked: true);
    }

    // ------------------------------------------------------------------ create

    /// <summary>
    /// <c>branch create NAME</c>: converges the branch. Absent (or left incomplete by a create cut short): copies the
    /// retained template, within the budget, and marks it complete once the copy is proven whole. Then seeds it to the
    /// profile when the suite differs, runs the suite, and records the use. A second create copies nothing.
    /// </summary>
    public async Task<BranchCreateResult> CreateAsync(string name, BranchCreateOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var branch = BranchName.Of(_settings, name);
        if (!BranchMarker.IsOwnerLabel(options.Owner))
        {
            throw new ConfigurationException("--owner", $"'{options.Owner}' is not an owner label", $"use 1 to {BranchMarker.MaxOwnerLength} of letters, digits and . _ @ : -, e.g. pr-123 or your login");
        }

        var on = On(branch);
        var connections = new Connections(on);
        await using var runLock = await RunLock.AcquireAsync(connections, on, "branch create", ct);
        var maintenance = runLock.Maintenance;
        await RequireSourceAsync(maintenance, ct);
        await RequireParentFamilyAsync(maintenance, ct);
        var steps = new List<LeverResult>();
        var existing = await FindAsync(maintenance, branch, ct);
        var copy = existing is not { State: BranchState.Complete };
        var total = copy ? 5 : 2;
        var n = 0;
        if (copy)
        {
            steps.AddRange(await CopyAsync(branch, existing, options, runLock, () => ++n, total, ct));
        }

        // Seed (only when the suite differs), then the suite: the same files and the same rules as the clone's levers.
        var seedStep = Start(++n, total, "seed", $"seed {branch.Database} to the {Word(options.Profile)} profile when the suite differs (sql/{(options.Profile == SeedProfile.Committed ? "seed_committed_state.sql" : "reset_in_place.sql")})");
        var verify = await BranchSeeding.VerifyAsync(connections, options.Profile, ct);
        if (verify.Passed)
        {
            steps.Add(new LeverResult("seed", false, $"the branch is at the {Word(options.Profile)} profile already; nothing written"));
        }
        else
        {
            try
            {
                steps.Add(await BranchSeeding.SeedAsync(connections, branch.Database, options.Profile, purgeForeign: false, ct));
            }
            catch (StateNotReachedException ex)
            {
                steps.Add(new LeverResult("seed", true, ex.Message));
            }
        }

        Finish(seedStep);
        var suiteStep = Start(++n, total, "suite", $"regression suite on {branch.Database} ({Word(options.Profile)})");
        verify = await BranchSeeding.VerifyAsync(connections, options.Profile, ct);
        Finish(suiteStep);
        await TouchAsync(maintenance, branch, ct);
        var info = await FindAsync(maintenance, branch, ct);
        return new BranchCreateResult(branch, copy, steps, verify, info) { Production = _madeTemplateProduction ?? ProductionReport.NotRead, FidelityGaps = await FidelityGapsAsync(maintenance, branch, ct) };
    }

    /// <summary>
    /// The parent's family as the server knows it: refuses (exit 2, nothing changed) when the clone's or the template's
    /// name is another family's or another role's database, or an unmarked one (family_guard.sql's census), so no
    /// branch lever works from, or advises re-cloning, a database that is not this clone's.
    /// </summary>
    private async Task RequireParentFamilyAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        var census = await FamilyCensus.ReadAsync(maintenance, _settings, ct);
        if (census.Entries.Any(e => e.Role is FamilyRules.Roles.Clone or FamilyRules.Roles.Template && !e.IsOurs))
        {
            census.RequireNoProblem();
        }
    }

    /// <summary>
    /// What the branch lacks of the source, as a clone's result says it: what its template's marker says the template
    /// lacks (a clone made by a role that is not a superuser), and every database-level setting of the template (the
    /// source's, carried by the clone) that the branch does not have.
    /// </summary>
    private async Task<IReadOnlyList<string>> FidelityGapsAsync(NpgsqlConnection maintenance, BranchName branch, CancellationToken ct)
    {
        const string sql = """
            SELECT coalesce(r.rolname, '') AS role, c.item
            FROM pg_db_role_setting d CROSS JOIN LATERAL unnest(d.setconfig) AS c(item)
            LEFT JOIN pg_roles r ON r.oid = d.setrole
            WHERE d.setdatabase = (SELECT oid FROM pg_database WHERE datname = $1) AND (d.setrole = 0 OR r.oid IS NOT NULL)
            EXCEPT
            SELECT coalesce(r.rolname, ''), c.item
            FROM pg_db_role_setting d CROSS JOIN LATERAL unnest(d.setconfig) AS c(item)
            LEFT JOIN pg_roles r ON r.oid = d.setrole
            WHERE d.setdatabase = (SELECT oid FROM pg_database WHERE datname = $2)
            ORDER BY 1, 2
            """;
        var gaps = new List<string>();
        var template = await ReadTemplateAsync(maintenance, ct);
        if (FamilyMarker.Parse(template.Comment, _settings.TemplateDatabase)?["fidelity"] == Fidelity.Partial)
        {
            gaps.Add($"the retained template {_settings.TemplateDatabase} was cloned by a role that is not a superuser (its marker says fidelity=partial): the branch's objects are owned by that role and carry no GRANT of the source");
        }

        await using var cmd = new NpgsqlCommand(sql, maintenance);
        cmd.Parameters.AddWithValue(_settings.TemplateDatabase);
        cmd.Parameters.AddWithValue(branch.Database);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var role = r.GetString(0);
            gaps.Add($"{branch.Database} lacks {(role.Length == 0 ? "ALTER DATABASE SET" : $"ALTER ROLE {role} IN DATABASE SET")} {r.GetString(1)}, which the clone and its template carry (this role may not make it)");
        }

        return gaps;
    }

    /// <summary>The copy: budget, CREATE DATABASE … TEMPLATE, the checked mark; again from a new template when a re-clone replaced it meanwhile.</summary>
    private async Task<IReadOnlyList<LeverResult>> CopyAsync(BranchName branch, BranchInfo? existing, BranchCreateOptions options, RunLock runLock, Func<int> next, int total, CancellationToken ct)
    {
        var maintenance = runLock.Maintenance;
        var results = new List<LeverResult>();
        if (existing is not null)
        {
            // A create cut short (no marker, or marked incomplete) or an interrupted drop: never used; dropped first.
            await DropLockedAsync(maintenance, branch, force: true, ct);
            results.Add(new LeverResult("branch drop", true, $"dropped {branch.Database}: {Describe(existing.State)} (a create or drop cut short); making it again"));
        }

        var budgetNo = next();
        var copyNo = next();
        var markNo = next();
        var deadline = Stopwatch.StartNew();
        var fileCopy = await ScalarAsync<string>(maintenance, "SELECT current_setting('server_version_num')", ct) is { } v
            && int.Parse(v, CultureInfo.InvariantCulture) >= 150000;
        for (var attempt = 1; ; attempt++)
        {
            var budget = Start(budgetNo, total, "budget", $"branches of {_settings.CloneDatabase} (at most {_settings.MaxBranches}, govclone:maxBranches) and the host's free space after the copy (at least {LifecycleDecider.FormatBytes(_settings.BranchMinFreeBytes)}, govclone:branchMinFreeBytes)");
            var template = await CurrentTemplateAsync(maintenance, options, deadline, ct);
            await CheckBudgetAsync(maintenance, branch, template.SizeBytes ?? 0, afterCopy: false, ct);
            Finish(budget);

            await ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase), BranchSql.Guard), ct);
            var fingerprint = long.Parse((await ScalarAsync<string>(maintenance, "SELECT current_setting('govclone.fingerprint_branch')", ct))!, CultureInfo.InvariantCulture);
            var copyStep = Start(copyNo, total, "copy", $"{BranchSql.CreateFrom(branch, _settings.TemplateDatabase, fileCopy, fingerprint)} (a copy of the retained template; production is not read)");
            try
            {
                await ExecuteAsync(maintenance, BranchSql.CreateFrom(branch, _settings.TemplateDatabase, fileCopy, fingerprint), ct);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.ObjectInUse && deadline.Elapsed.TotalSeconds < _settings.LockTimeoutSeconds)
            {
                // The template went (a re-clone is rebuilding it) or is in use: read it again and copy the new one.
                Finish(copyStep);
                continue;
            }

            // At once, in this session: close it to PUBLIC and mark it incomplete (naming this family). Whatever stops the
            // create from here, or during the CREATE itself (its fingerprint is written by the CREATE), leaves a database
            // the next create or drop recognises as this branch, never one it could take for somebody else's.
            await ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase, ("owner", options.Owner)), BranchSql.Guard, BranchSql.Begin), ct);
            // The template's database-level settings (the source's, which the clone carries): CREATE DATABASE … TEMPLATE copies none.
            await ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase, ("settings_from", _settings.TemplateDatabase),
                ("settings_to", branch.Database)), BranchSql.Guard) + EngineFiles.GetSql("database_settings.sql"), ct);

            // Under the clone's budget lock: count again with it in.
            await WithBudgetLockAsync(maintenance, async () =>
            {
                try
                {
                    await CheckBudgetAsync(maintenance, branch, 0, afterCopy: true, ct);
                }
                catch (GuardException)
                {
                    await DropLockedAsync(maintenance, branch, force: true, ct);
                    throw;
                }
            }, ct);
            Finish(copyStep);

            var markStep = Start(markNo, total, "mark", $"mark {branch.Database} complete if {_settings.TemplateDatabase} is still the template it copied (oid {template.Oid}, marked at {template.At})");
            try
            {
                await ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase,
                    ("template_marker", EngineScript.TemplateMarkerFor(_settings)),
                    ("template_oid", template.Oid!.Value.ToString(CultureInfo.InvariantCulture)),
                    ("template_comment", template.Comment),
                    ("source", _settings.SourceDatabase),
                    ("generation", _settings.CloneGeneration.ToString(CultureInfo.InvariantCulture)),
                    ("owner", options.Owner)), BranchSql.Guard, BranchSql.Mark), ct);
            }
            catch (PostgresException ex) when (ex.SqlState == TemplateChangedSqlState)
            {
                await DropLockedAsync(maintenance, branch, force: true, ct);
                Finish(markStep);
                if (deadline.Elapsed.TotalSeconds >= _settings.LockTimeoutSeconds)
                {
                    throw new OperationFailedException(
                        $"branch create: the retained template {_settings.TemplateDatabase} changed while {branch.Database} was copied from it, again after {attempt} attempt(s) in {deadline.Elapsed.TotalSeconds:0}s "
                        + "(a re-clone rebuilding it); the copies were dropped, nothing is marked. Fix: run it again once the re-clone is done, or raise govclone:lockTimeoutSeconds.");
                }

                results.Add(new LeverResult("copy", false, $"the template changed while {branch.Database} was copied (attempt {attempt}); dropped the copy, copying the new template"));
                continue;
            }

            Finish(markStep);
            var size = await ScalarAsync<long?>(maintenance, $"SELECT pg_database_size({Guards.DatabaseNameGuard.QuoteLiteral(branch.Database)})", ct) ?? 0;
            results.Add(new LeverResult("copy", true, string.Create(CultureInfo.InvariantCulture,
                $"copied {_settings.TemplateDatabase} (retained template, marked at {template.At}) -> {branch.Database} by {(fileCopy ? "FILE_COPY" : "CREATE DATABASE … TEMPLATE")}: {LifecycleDecider.FormatBytes(size)} in {deadline.Elapsed.TotalSeconds:0.0}s; closed to PUBLIC, marked complete (owner {options.Owner})")));
            return results;
        }
    }

    private sealed record TemplateSnapshot(long? Oid, string Comment, bool Current, string At, long? SizeBytes);

    private async Task<TemplateSnapshot> ReadTemplateAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(BranchSql.With([("template", _settings.TemplateDatabase), ("template_marker", EngineScript.TemplateMarkerFor(_settings))], BranchSql.TemplateState), maintenance);
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

            if (deadline.Elapsed.TotalSeconds < _settings.LockTimeoutSeconds && await CloneLockHeldAsync(maintenance, ct))
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

            var what = template.Oid is null ? "does not exist" : $"is not current (marker '{template.Comment}', want '{EngineScript.TemplateMarkerFor(_settings)} …')";
            throw new GuardException(SettingKeys.RetainTemplate.ConfigKey,
                $"a branch is a copy of the retained template {_settings.TemplateDatabase}, which {what}; nothing was changed (a branch never reads production)",
                made
                    ? $"the clone's levers kept no template: check govclone:retainTemplate (true keeps one) and the host's free space"
                    : $"run `govclone branch create NAME --make-template` (re-clones {_settings.CloneDatabase} from the source under its lock, keeping its template, then seeds it again), or `govclone clone --force -c retainTemplate=true` then `govclone up`");
        }
    }

    /// <summary>--make-template: the clone's own levers, under the clone's lock: a fresh clone from the source that keeps its template, then up (seeds the clone again).</summary>
    private async Task MakeTemplateAsync(CancellationToken ct)
    {
        if (_settings.RetainTemplate == RetainTemplate.No)
        {
            throw new GuardException(SettingKeys.RetainTemplate.ConfigKey, "is false, so no clone keeps a template to branch from; nothing was changed",
                "set govclone:retainTemplate to true (or auto) and run again");
        }

        var keep = _settings with { RetainTemplate = RetainTemplate.Yes, CloneMethod = CloneMethod.Auto };
        var clone = new CloneLifecycle(keep);
        var cloned = await clone.CloneAsync(force: true, ct);
        var up = await clone.UpAsync(ct);
        _madeTemplateProduction = cloned.Production ?? up.Production;
    }

    /// <summary>Production as --make-template's re-clone read it (null: this create did not read production).</summary>
    private ProductionReport? _madeTemplateProduction;

    private async Task<bool> CloneLockHeldAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                           AND ((classid::bigint << 32) | objid::bigint) = $1 AND pid <> pg_backend_pid())
            """, maintenance);
        cmd.Parameters.AddWithValue(Guards.LockKeys.Run(_settings.CloneDatabase));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// govclone:maxBranches and govclone:branchMinFreeBytes. Before the copy: the (marked) branches there are and one more,
    /// and the free space less the template's size. After it, under the budget lock: the branch marks itself incomplete
    /// first, then counts the marked branches, itself among them (of two creates at once the second to count sees the
    /// first's mark), and the free space as it is now. Refused: exit 2, naming the setting.
    /// </summary>
    private async Task CheckBudgetAsync(NpgsqlConnection maintenance, BranchName branch, long copyBytes, bool afterCopy, CancellationToken ct)
    {
        var branches = await BranchCatalog.ReadAsync(maintenance, _settings, ct);
        var others = branches.Where(b => b.Database != branch.Database).ToList();
        var count = others.Count + 1;
        if (count > _settings.MaxBranches)
        {
            throw new GuardException(SettingKeys.MaxBranches.ConfigKey,
                $"{_settings.CloneDatabase} has {others.Count} branch(es) ({string.Join(", ", others.Select(b => b.Name))}) and allows at most {_settings.MaxBranches}; {branch.Name} was {(afterCopy ? "dropped again: another create took the last place meanwhile" : "not made")}, nothing was changed",
                "drop one (`govclone branch drop NAME`, or `govclone branch gc --older-than 24h` for idle ones), or raise govclone:maxBranches");
        }

        if (_settings.BranchMinFreeBytes <= 0)
        {
            return;
        }

        var (free, _) = await new CloneLifecycle(_settings).MeasureDiskAsync(maintenance, ct);
        free ??= _settings.HostFreeBytes;
        if (free is null)
        {
            throw new GuardException(SettingKeys.BranchMinFreeBytes.ConfigKey,
                $"the host's free space cannot be measured (no df of the data directory through the transport), so a branch's copy cannot be held to the floor of {LifecycleDecider.FormatBytes(_settings.BranchMinFreeBytes)}; nothing was changed",
                "set govclone:hostFreeBytes to the host's free bytes, or govclone:branchMinFreeBytes to 0 to copy without a floor");
        }

        var after = free.Value - copyBytes;
        if (after < _settings.BranchMinFreeBytes)
        {
            throw new GuardException(SettingKeys.BranchMinFreeBytes.ConfigKey,
                afterCopy
                    ? $"after copying {branch.Database} the host has {LifecycleDecider.FormatBytes(free.Value)} free, under the floor of {LifecycleDecider.FormatBytes(_settings.BranchMinFreeBytes)}; the copy was dropped again, nothing was changed"
                    : $"the host has {LifecycleDecider.FormatBytes(free.Value)} free; a copy of the template ({LifecycleDecider.FormatBytes(copyBytes)}) would leave {LifecycleDecider.FormatBytes(Math.Max(0, after))}, under the floor of {LifecycleDecider.FormatBytes(_settings.BranchMinFreeBytes)}; nothing was changed",
                "free space on the host (`govclone branch gc --older-than 24h` drops idle branches), or lower govclone:branchMinFreeBytes");
        }
    }

    private async Task WithBudgetLockAsync(NpgsqlConnection maintenance, Func<Task> action, CancellationToken ct)
    {
        var key = BudgetKey(_settings.CloneDatabase);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            await using (var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", maintenance))
            {
                cmd.Parameters.AddWithValue(key);
                if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
                {
                    break;
                }
            }

            if (waited.Elapsed.TotalSeconds >= _settings.LockTimeoutSeconds)
            {
                throw new OperationFailedException($"another branch create holds the branch budget lock of {_settings.CloneDatabase}; waited {_settings.LockTimeoutSeconds}s. Let it finish, or raise govclone:lockTimeoutSeconds.");
            }

            await Task.Delay(100, ct);
        }

        try
        {
            await action();
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", maintenance);
            unlock.Parameters.AddWithValue(key);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    // ------------------------------------------------------------------ drop, gc

    /// <summary><c>branch drop NAME</c>: under the branch's lock, behind the branch guard, unmarks and drops it (its sessions ended). A second drop is a no-op.</summary>
    public async Task<LeverResult> DropAsync(string name, CancellationToken ct = default)
    {
        var branch = BranchName.Of(_settings, name);
        var on = On(branch);
        await using var runLock = await RunLock.AcquireAsync(new Connections(on), on, "branch drop", ct);
        var existing = await FindAsync(runLock.Maintenance, branch, ct);
        var exists = await ScalarAsync<int?>(runLock.Maintenance, $"SELECT 1 FROM pg_database WHERE datname = {Guards.DatabaseNameGuard.QuoteLiteral(branch.Database)}", ct) is not null;
        await DropLockedAsync(runLock.Maintenance, branch, force: true, ct);
        return exists
            ? new LeverResult("branch drop", true, $"dropped the branch {branch.Database}{(existing is null ? string.Empty : $" ({Describe(existing.State)}, owner {existing.Owner}, {LifecycleDecider.FormatBytes(existing.SizeBytes ?? 0)})")}; its sessions were ended")
            : new LeverResult("branch drop", false, $"{branch.Database} does not exist; nothing to drop");
    }

    /// <summary>What <c>branch drop NAME</c> sends to the maintenance database, in order (<c>--dry-run</c> prints it).</summary>
    public IReadOnlyList<string> DropStatements(string name) => DropStatements(name, force: true);

    /// <summary>
    /// What a drop of the branch sends, in order: <paramref name="force"/> for <c>branch drop</c> (its sessions ended),
    /// without for <c>branch gc</c> (a session that connects meanwhile keeps the branch). <c>--dry-run</c> prints them.
    /// </summary>
    public IReadOnlyList<string> DropStatements(string name, bool force)
    {
        var branch = BranchName.Of(_settings, name);
        return [BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase), BranchSql.Guard, BranchSql.Release), BranchSql.Drop(branch, force) + ";"];
    }

    private async Task DropLockedAsync(NpgsqlConnection maintenance, BranchName branch, bool force, CancellationToken ct)
    {
        await ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase), BranchSql.Guard, BranchSql.Release), ct);
        await ExecuteAsync(maintenance, BranchSql.Drop(branch, force), ct);
    }

    /// <summary>
    /// <c>branch gc --older-than D</c>: drops every branch that is idle: no session on it, no lever holding its lock, last
    /// used (or, never completed, created) longer than <paramref name="olderThan"/> ago. Each under its own lock (taken
    /// without waiting: a busy branch is skipped), without FORCE: a session that connects meanwhile keeps it (its marker
    /// is put back). Branches with no marker (no time recorded) are reported, not dropped.
    /// </summary>
    public async Task<BranchGcResult> GcAsync(TimeSpan olderThan, bool dryRun, CancellationToken ct = default)
    {
        var connections = new Connections(_settings);
        await using var maintenance = await connections.OpenMaintenanceAsync(ct);
        await using (var app = new NpgsqlCommand("SET application_name = 'govclone-lock:branch gc'", maintenance))
        {
            await app.ExecuteNonQueryAsync(ct);
        }

        var branches = await BranchCatalog.ReadAsync(maintenance, _settings, ct, includeUnmarked: true);
        var dropped = new List<BranchInfo>();
        var skipped = new List<BranchSkipped>();
        var kept = 0;
        foreach (var b in branches)
        {
            if (b.State == BranchState.Unmarked)
            {
                skipped.Add(new BranchSkipped(b.Name, b.Database, "no marker, so no time is recorded (a create cut short): `govclone branch drop " + b.Name + "` removes it"));
                continue;
            }

            if (b.Sessions > 0)
            {
                kept++;
                continue;
            }

            if (b.State != BranchState.Invalid && !(b.Idle is { } idle && idle >= olderThan))
            {
                kept++;
                continue;
            }

            if (dryRun)
            {
                dropped.Add(b);
                continue;
            }

            var branch = BranchName.Of(_settings, b.Name);
            var key = LockKey(branch);
            if (!await TryLockAsync(maintenance, key, ct))
            {
                skipped.Add(new BranchSkipped(b.Name, b.Database, "busy: a govclone lever holds its lock"));
                continue;
            }

            try
            {
                var now = await FindAsync(maintenance, branch, ct);
                if (now is null || now.Sessions > 0 || now.Marker?.LastUse != b.Marker?.LastUse)
                {
                    skipped.Add(new BranchSkipped(b.Name, b.Database, "used meanwhile"));
                    continue;
                }

                var statements = DropStatements(b.Name, force: false); // what --dry-run prints
                await ExecuteAsync(maintenance, statements[0], ct);
                try
                {
                    await ExecuteAsync(maintenance, statements[1], ct);
                    dropped.Add(b);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse)
                {
                    // A session connected between the check and the drop: the branch stays, marked as it was.
                    await ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase), BranchSql.Guard)
                        + $"COMMENT ON DATABASE {Guards.DatabaseNameGuard.QuoteIdentifier(branch.Database)} IS {Guards.DatabaseNameGuard.QuoteLiteral(b.Comment)};", ct);
                    skipped.Add(new BranchSkipped(b.Name, b.Database, "a session connected meanwhile"));
                }
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", maintenance);
                unlock.Parameters.AddWithValue(key);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        return new BranchGcResult(olderThan, dryRun, dropped, skipped, kept);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection maintenance, long key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", maintenance);
        cmd.Parameters.AddWithValue(key);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    // ------------------------------------------------------------------ levers on a branch

    /// <summary><c>govclone seed --branch NAME</c> (and <c>reset --branch NAME</c>: the baseline): under the branch's lock, on a complete branch.</summary>
    public async Task<LeverResult> SeedAsync(string name, SeedProfile profile, bool purgeForeign, CancellationToken ct = default)
    {
        var branch = BranchName.Of(_settings, name);
        var on = On(branch);
        var connections = new Connections(on);
        await using var runLock = await RunLock.AcquireAsync(connections, on, profile == SeedProfile.Committed ? "seed" : "reset", ct);
        await RequireCompleteAsync(runLock.Maintenance, branch, ct);
        try
        {
            return await BranchSeeding.SeedAsync(connections, branch.Database, profile, purgeForeign, ct);
        }
        finally
        {
            await TouchAsync(runLock.Maintenance, branch, CancellationToken.None);
        }
    }

    /// <summary><c>govclone verify --branch NAME</c>: the suite on a complete branch (read-only; records the use).</summary>
    public async Task<VerifyResult> VerifyAsync(string name, SeedProfile? profile, CancellationToken ct = default)
    {
        var branch = BranchName.Of(_settings, name);
        var on = On(branch);
        var connections = new Connections(on);
        await using var runLock = await RunLock.AcquireAsync(connections, on, "verify", ct);
        await RequireCompleteAsync(runLock.Maintenance, branch, ct);
        var result = await BranchSeeding.VerifyAsync(connections, profile ?? _settings.SeedProfile, ct);
        await TouchAsync(runLock.Maintenance, branch, ct);
        return result;
    }

    // ------------------------------------------------------------------ internals

    private async Task RequireCompleteAsync(NpgsqlConnection maintenance, BranchName branch, CancellationToken ct)
    {
        var found = await FindAsync(maintenance, branch, ct);
        if (found is not { State: BranchState.Complete })
        {
            throw found switch
            {
                null => new OperationFailedException($"the branch {branch.Database} does not exist. Run `govclone branch create {branch.Name}` first."),
                // Nothing says it is a branch of this clone: never advise what would drop it.
                { State: BranchState.Unmarked } => new GuardException(BranchName.Argument,
                    $"{branch.Database} carries no govclone marker, so nothing says it is a branch of {_settings.CloneDatabase}; nothing was changed",
                    $"govclone never touches a database it did not mark: if {branch.Database} is yours to remove, remove it yourself; otherwise give the branch another NAME"),
                _ => new OperationFailedException($"the branch {branch.Database} is {Describe(found.State)}. Run `govclone branch create {branch.Name}`, which makes it again."),
            };
        }
    }

    private async Task<BranchInfo?> FindAsync(NpgsqlConnection maintenance, BranchName branch, CancellationToken ct) =>
        (await BranchCatalog.ReadAsync(maintenance, _settings, ct, includeUnmarked: true)).FirstOrDefault(b => b.Database == branch.Database);

    private async Task TouchAsync(NpgsqlConnection maintenance, BranchName branch, CancellationToken ct) =>
        await ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, _settings.TemplateDatabase), BranchSql.Guard, BranchSql.Touch), ct);

    private async Task RequireSourceAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        if (await ScalarAsync<int?>(maintenance, $"SELECT 1 FROM pg_database WHERE datname = {Guards.DatabaseNameGuard.QuoteLiteral(_settings.SourceDatabase)}", ct) is null)
        {
            throw new ConfigurationException(SettingKeys.SourceDatabase.ConfigKey, $"database '{_settings.SourceDatabase}' does not exist on {_settings.Host}:{_settings.Port}; nothing was done",
                "set govclone:sourceDatabase to the production database's name");
        }
    }

    private static string Describe(BranchState state) => state switch
    {
        BranchState.Complete => "complete",
        BranchState.Incomplete => "incomplete (marked incomplete: a create cut short, or under way)",
        BranchState.Unmarked => "unmarked (a create cut short before its first mark)",
        _ => "invalid (an interrupted DROP DATABASE)",
    };

    private static string Word(SeedProfile profile) => profile.ToString().ToLowerInvariant();

    private (BranchStep Step, long Started) Start(int step, int steps, string name, string text)
    {
        var e = new BranchStep("start", step, steps, name, text);
        _steps?.Invoke(e);
        return (e, Stopwatch.GetTimestamp());
    }

    private void Finish((BranchStep Step, long Started) started) =>
        _steps?.Invoke(started.Step with { Phase = "finish", Text = string.Empty, Seconds = Math.Round(Stopwatch.GetElapsedTime(started.Started).TotalSeconds, 2) });

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is null or DBNull ? default : (T)Convert.ChangeType(v, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs SQL; govclone's guard refusals (SQLSTATE GC001) become a <see cref="GuardException"/> (exit 2) naming NAME.</summary>
    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == GovCloneErrorCodes.Guard || ex.MessageText.StartsWith("govclone guard:", StringComparison.Ordinal))
        {
            throw new GuardException(BranchName.Argument, ex.MessageText, ex.Hint ?? "name a branch of govclone:cloneDatabase: govclone branch list shows them");
        }
    }
}
