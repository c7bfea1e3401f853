using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Processes;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// Every lever of the runbook as an async, cancellable, idempotent operation against a real server.
/// Each mutation (1) re-checks the clone name in C#, (2) takes the run lock, (3) proves on the
/// connection that <c>current_database()</c> is the clone, and (4) sends SQL whose own guard block
/// checks again. Production is only ever read.
/// </summary>
public sealed class CloneLifecycle
{
    private readonly GovCloneSettings _settings;
    private readonly Connections _connections;
    private readonly ServerTransport _transport;
    private readonly IProgress<CloneProgress>? _progress;
    private readonly Action<EngineEvent>? _events;

    /// <param name="settings">The validated settings.</param>
    /// <param name="progress">Progress of a clone, for people (bytes, rows, phase, elapsed).</param>
    /// <param name="events">Every engine event as it arrives (docs/events.md), e.g. for <c>--json</c>'s NDJSON stream.</param>
    public CloneLifecycle(GovCloneSettings settings, IProgress<CloneProgress>? progress = null, Action<EngineEvent>? events = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        DatabaseNameGuard.RequireClone(settings.CloneDatabase, settings.SourceDatabase);
        _connections = new Connections(settings);
        _transport = new ServerTransport(settings);
        _progress = progress;
        _events = events;
    }

    public GovCloneSettings Settings => _settings;

    public Connections Connections => _connections;

    // ------------------------------------------------------------------ read-only

    public async Task<CloneState> ReadStateAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        const string sql = """
            SELECT coalesce(shobj_description(d.oid, 'pg_database'), ''),
                   pg_database_size(d.oid),
                   d.datacl IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT'),
                   d.datconnlimit = -2
            FROM pg_database d WHERE d.datname = $1
            """;
        await using var cmd = new NpgsqlCommand(sql, maintenance);
        cmd.Parameters.AddWithValue(_settings.CloneDatabase);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return CloneState.Absent;
        }

        var marker = r.GetString(0);
        var invalid = r.GetBoolean(3);
        // Complete: a complete marker naming this family (one written before families names the database it is on).
        var parsed = FamilyMarker.Parse(marker, _settings.CloneDatabase);
        var complete = !invalid && parsed is { Kind: MarkerKinds.Complete } && parsed.Family == _settings.CloneDatabase;
        var generation = complete ? parsed!.Generation : null;

        // pg_database_size is NULL when the files are gone: an interrupted or concurrent DROP DATABASE.
        return new CloneState(true, complete, marker.Length == 0 ? null : marker, generation, r.IsDBNull(1) ? null : r.GetInt64(1), r.GetBoolean(2), invalid);
    }

    /// <summary>The retained template: current when it carries this generation's template marker and is a connection-free template.</summary>
    public async Task<TemplateState> ReadTemplateAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        const string sql = """
            SELECT coalesce(shobj_description(d.oid, 'pg_database'), ''), pg_database_size(d.oid),
                   d.datistemplate AND NOT d.datallowconn AND d.datconnlimit <> -2
            FROM pg_database d WHERE d.datname = $1
            """;
        await using var cmd = new NpgsqlCommand(sql, maintenance);
        cmd.Parameters.AddWithValue(_settings.TemplateDatabase);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return new TemplateState(_settings.TemplateDatabase, false, false, null, null);
        }

        var marker = r.GetString(0);
        var current = r.GetBoolean(2) && marker.StartsWith(EngineScript.TemplateMarkerFor(_settings) + " ", StringComparison.Ordinal);
        return new TemplateState(_settings.TemplateDatabase, true, current, r.IsDBNull(1) ? null : r.GetInt64(1), marker.Length == 0 ? null : marker);
    }

    /// <summary>
    /// Complete and the clone this config wants: its marker names this family, the configured source and generation,
    /// and (when govclone:cloneMethod names one) the way its data was read. Nothing to copy.
    /// </summary>
    public bool IsCurrent(CloneState state) => NotCurrentBecause(state) is null;

    /// <summary>Why the clone is not the one this config wants (what <c>up</c> says when it re-clones), or null when it is.</summary>
    public string? NotCurrentBecause(CloneState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var clone = _settings.CloneDatabase;
        if (!state.Exists)
        {
            return $"{clone} does not exist";
        }

        if (state.Invalid)
        {
            return $"{clone} is an invalid database (an interrupted DROP DATABASE)";
        }

        var marker = FamilyMarker.Parse(state.Marker, clone);
        if (!state.Complete || marker is null)
        {
            return $"{clone} carries no complete marker of this family (its marker: '{state.Marker ?? "none"}')";
        }

        if (marker.Legacy)
        {
            return $"its marker names no family (made by an earlier govclone: '{state.Marker}')";
        }

        if (marker["source"] != _settings.SourceDatabase)
        {
            return $"it is a copy of {marker["source"]}, and govclone:sourceDatabase is {_settings.SourceDatabase}";
        }

        if (marker.Generation != _settings.CloneGeneration)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it is of generation {marker["generation"]}, and govclone:cloneGeneration is {_settings.CloneGeneration}");
        }

        if (EngineScript.ExplicitMethod(_settings) is { } method && marker["method"] != method)
        {
            return $"its data was read by {marker["method"] ?? "an unrecorded way"}, and govclone:cloneMethod is {method}";
        }

        return null;
    }

    public async Task<CloneStatus> StatusAsync(CancellationToken ct = default)
    {
        await using var maintenance = await _connections.OpenMaintenanceAsync(ct);
        await RequireSourceAsync(maintenance, ct);
        var census = await RequireFamilyAsync(maintenance, adopt: false, ct);
        var state = await ReadStateAsync(maintenance, ct);
        var template = await ReadTemplateAsync(maintenance, ct);
        IReadOnlyList<MetricValue>? metrics = null;
        int? leases = null;
        int? appConnections = null;
        if (state.Exists)
        {
            appConnections = await CountAppConnectionsAsync(maintenance, ct);
            if (state.Complete)
            {
                await using var clone = await _connections.OpenCloneAsync(ct);
                metrics = await ReadMetricsReadOnlyAsync(clone, ct);
                leases = await CountLeasesAsync(clone, ct);
            }
        }

        var spare = await ReadSpareAsync(maintenance, ct);
        // The companions that are this family's (a leftover counts: it takes the disk until the next lever drops it).
        var companions = census.Entries.Where(e => e.IsOurs && e.Role is not (FamilyRules.Roles.Clone or FamilyRules.Roles.Template))
            .Select(e => new DatabaseSize(e.Name, e.SizeBytes)).OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();
        var branches = await Branches.BranchCatalog.ReadAsync(maintenance, _settings, ct);
        var (free, total) = await MeasureDiskAsync(maintenance, ct);
        var want = ExpectedState.For(_settings.SeedProfile);
        var checks = metrics is null ? null : ExpectedState.Compare(want, metrics);
        var facts = new LifecycleFacts
        {
            CloneDatabase = _settings.CloneDatabase,
            CloneExists = state.Exists,
            CloneComplete = state.Complete,
            CloneSizeBytes = state.SizeBytes,
            TemplateSizeBytes = template.Exists ? template.SizeBytes : null,
            CompanionSizes = companions,
            BranchSizes = branches.Select(b => new DatabaseSize(b.Database, b.SizeBytes)).ToArray(),
            BranchesOpenToPublic = branches.Count(b => !b.ConnectRevokedFromPublic && b.State != Branches.BranchState.Invalid),
            HostFreeBytes = free ?? _settings.HostFreeBytes,
            HostTotalBytes = total,
            AppConnections = appConnections,
            WorkerLeases = leases,
            ConnectRevokedFromPublic = state.ConnectRevokedFromPublic,
            InAppDatabaseSetting = _settings.CloneDatabase == _settings.AppDatabase,
            InQueryAllowlist = _settings.QueryAllowlist.Contains(_settings.CloneDatabase),
            StateMatchesProfile = checks?.All(c => c.Ok),
            Evidence = metrics is null ? null : ExpectedState.EvidenceLine(metrics),
            NameHasPrefix = DatabaseNameGuard.HasClonePrefix(_settings.CloneDatabase),
            ProductionRolloutLanded = _settings.ProductionRolloutLanded,
            ProductionSeedVerified = _settings.ProductionSeedVerified,
            FollowUps = _settings.FollowUps,
        };
        return new CloneStatus
        {
            CloneDatabase = _settings.CloneDatabase,
            SourceDatabase = _settings.SourceDatabase,
            Transport = _settings.Transport.ToString().ToLowerInvariant(),
            State = state,
            Current = IsCurrent(state),
            ConfiguredGeneration = _settings.CloneGeneration,
            Template = template,
            TemplateSummary = template.Describe(_settings),
            Spare = spare,
            SpareSummary = spare.Describe(_settings),
            Profile = _settings.SeedProfile.ToString().ToLowerInvariant(),
            Metrics = metrics,
            Checks = checks,
            AppConnections = appConnections,
            WorkerLeases = leases,
            HostFreeBytes = facts.HostFreeBytes,
            HostTotalBytes = total,
            Branches = branches,
            Leftovers = census.Leftovers.Select(e => new Leftover(e.Name, e.Role, e.Kind, e.SizeBytes)).ToArray(),
            NotCurrentBecause = state.Exists ? NotCurrentBecause(state) : null,
            Facts = facts,
            Decision = LifecycleDecider.Decide(facts),
        };
    }

    /// <summary>The regression suite through Npgsql: the metrics of <c>sql/metrics.sql</c> against the profile's expectations.</summary>
    public async Task<VerifyResult> VerifyAsync(SeedProfile? profile = null, CancellationToken ct = default)
    {
        await using (var maintenance = await _connections.OpenMaintenanceAsync(ct))
        {
            await RequireSourceAsync(maintenance, ct);
            await RequireFamilyAsync(maintenance, adopt: false, ct);
            await RequireCompleteCloneAsync(maintenance, ct);
        }

        return await VerifyCompleteCloneAsync(profile, ct);
    }

    private async Task<VerifyResult> VerifyCompleteCloneAsync(SeedProfile? profile, CancellationToken ct)
    {
        var p = profile ?? _settings.SeedProfile;
        await using var clone = await _connections.OpenCloneAsync(ct);
        var metrics = await ReadMetricsReadOnlyAsync(clone, ct);
        return new VerifyResult(p, ExpectedState.Compare(ExpectedState.For(p), metrics));
    }

    /// <summary>Reads the source's fingerprint in a read-only session.</summary>
    public async Task<SourceFingerprint> FingerprintSourceAsync(CancellationToken ct = default) =>
        (await ProductionView.ReadAsync(_connections, ct)).Fingerprint;

    public static async Task<SourceFingerprint> FingerprintAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var cmd = new NpgsqlCommand(SqlScripts.Get(SqlScripts.Fingerprint), connection);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            throw new OperationFailedException("fingerprint.sql returned no row");
        }

        return new SourceFingerprint(r.GetString(0), r.GetString(1));
    }

    // ------------------------------------------------------------------ levers

    /// <summary>
    /// clone: a fresh clone (the ready spare swapped in, or a copy built in <c>&lt;clone&gt;_next</c> and swapped in), then
    /// the ready spare remade. Copies nothing when this generation is already complete, unless <paramref name="force"/>.
    /// </summary>
    public Task<LeverResult> CloneAsync(bool force = false, CancellationToken ct = default) => CloneAsync(force, remakeSpare: true, ct);

    /// <param name="force">Re-clone a complete clone.</param>
    /// <param name="remakeSpare">
    /// Remake the ready spare (and drop the clone a swap retired) before returning. False: the result says
    /// <see cref="LeverResult.SpareDue"/> and the caller runs <see cref="SpareAsync"/> when it likes (the CLI: in the
    /// background, so a re-clone returns as soon as the fresh clone is ready).
    /// </param>
    /// <param name="ct">Cancels the lever.</param>
    public async Task<LeverResult> CloneAsync(bool force, bool remakeSpare, CancellationToken ct)
    {
        await using var runLock = await RunLock.AcquireAsync(_connections, _settings, "clone", ct);
        await RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await PrepareFamilyLockedAsync(runLock, adopt: true, ct);
        var state = await ReadStateAsync(runLock.Maintenance, ct);
        // Production is live: what others change in it during a copy from it is named (a report), while govclone's own
        // sessions there are each checked read-only (the pass/fail fact). A swap or template copy does not read it.
        ProductionView? before = null;
        if (await WillReadSourceAsync(force, runLock, ct))
        {
            try
            {
                before = await ProductionView.ReadAsync(_connections, ct);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InsufficientPrivilege)
            {
                // A source without the governance tables the fingerprint digests (not Directus), or a role that may not read
                // them: no report for this clone (its own source reads are still checked by the engine).
            }
        }

        var result = await CloneLockedAsync(force, runLock, ct);
        if (result.Changed && NotCurrentBecause(state) is { } why && !force)
        {
            result = result with { Summary = result.Summary + "; cloned because " + why };
        }

        if (before is not null)
        {
            result = result with { Production = await ProductionReportAsync(before, result.Production, ct) };
        }

        result = WithNote(result, leftovers);
        return remakeSpare && result.SpareDue ? await RemakeSpareLockedAsync(result, runLock, ct) : result;
    }

    /// <summary>Whether a clone lever will read the source: a copy from it (streams, dump, source-template), not a swap of the ready spare nor a copy of a current template.</summary>
    private async Task<bool> WillReadSourceAsync(bool force, RunLock runLock, CancellationToken ct)
    {
        if (!force && IsCurrent(await ReadStateAsync(runLock.Maintenance, ct)))
        {
            return false;
        }

        return _settings.CloneMethod switch
        {
            CloneMethod.Template => false,
            CloneMethod.Auto => !(await ReadTemplateAsync(runLock.Maintenance, ct)).Current,
            _ => true,
        };
    }

    /// <summary>
    /// The run's production report: <paramref name="before"/> and a view read now (both checked read-only sessions), what
    /// differs between them (other sessions' changes), and the engine's checked sessions (<paramref name="engine"/>).
    /// </summary>
    private async Task<ProductionReport> ProductionReportAsync(ProductionView before, ProductionReport? engine, CancellationToken ct)
    {
        var after = await ProductionView.ReadAsync(_connections, ct);
        return new ProductionReport
        {
            Read = true,
            SessionsChecked = 2 + (engine?.SessionsChecked ?? 0),
            PgDumpRuns = engine?.PgDumpRuns ?? 0,
            FingerprintEqual = before.Fingerprint == after.Fingerprint,
            ChangedByOthers = ProductionView.Changes(before, after),
        };
    }

    /// <summary>
    /// spare: under the spare lock only (other levers use the clone meanwhile), drops a clone a swap retired
    /// (<c>&lt;clone&gt;_old</c>) and makes sure a ready spare exists when govclone:keepSpare allows: a FILE_COPY of the
    /// current retained template, marked last (engine/spare.sh); drops a stale one. A re-clone then is a swap of names.
    /// </summary>
    public async Task<LeverResult> SpareAsync(CancellationToken ct = default)
    {
        await using var spareLock = await RunLock.AcquireSpareAsync(_connections, _settings, ct);
        await RequireSourceAsync(spareLock.Maintenance, ct);
        await RequireFamilyAsync(spareLock.Maintenance, adopt: false, ct);
        return await RunSpareEngineAsync(spareLock.Holder, ct);
    }

    /// <summary>The spare remade after a clone, on the run lock's session (which holds the spare lock too).</summary>
    private async Task<LeverResult> RemakeSpareLockedAsync(LeverResult clone, RunLock runLock, CancellationToken ct)
    {
        await runLock.HoldSpareAsync(ct);
        var spare = await RunSpareEngineAsync(runLock.SpareHolder, ct);
        return clone with { Summary = clone.Summary + "; spare: " + spare.Summary, SpareDue = false };
    }

    /// <summary>Runs the engine's spare command (engine/spare.sh) under <paramref name="holder"/>; its events go to the listeners.</summary>
    private async Task<LeverResult> RunSpareEngineAsync(LockHolder holder, CancellationToken ct)
    {
        var outcome = new EngineOutcome();
        var spec = _transport.BashScript(EngineScript.Spare(_settings, _transport, holder), EngineScript.SpareApplicationName, line =>
        {
            if (EngineEvent.Parse(line) is { } e)
            {
                outcome.Add(e);
                _events?.Invoke(e);
            }
        }, lifeline: true);
        var result = await ProcessRunner.RunAsync(spec, ct);
        if (!result.Succeeded || outcome.Spare is not { } spare)
        {
            var failure = outcome.Failure;
            var tail = string.Join('\n', result.StandardError.Trim().Split('\n').TakeLast(8));
            throw new OperationFailedException(string.Create(CultureInfo.InvariantCulture,
                $"spare: failed (exit {result.ExitCode}); {EngineScript.SpareDatabase(_settings)} is not marked, so no re-clone takes it; the next clone or `govclone spare` remakes it.\n{tail}\ncause ({failure?.Class ?? FailureEvent.Other}{(failure?.SqlState is { } st ? ", SQLSTATE " + st : string.Empty)}): {failure?.Detail ?? "exit " + result.ExitCode}"));
        }

        var made = spare.Kept && !spare.Reason.StartsWith("current", StringComparison.Ordinal);
        var summary = spare.Kept
            ? string.Create(CultureInfo.InvariantCulture, $"{spare.Database} {(made ? $"made in {spare.Seconds ?? 0}s" : "ready")}: {spare.Reason}")
            : $"none: {spare.Reason}";
        return new LeverResult("spare", made || spare.Reason.EndsWith("dropped the old one", StringComparison.Ordinal), summary);
    }

    /// <summary>
    /// seed: the profile's state exactly (committed: <c>sql/seed_committed_state.sql</c>; baseline: the reset), then the
    /// suite. Returns only when the suite passes; otherwise throws <see cref="StateNotReachedException"/> (exit 1) with the
    /// drift. While the clone holds rows the seed did not write (<c>sql/foreign_rows.sql</c>) the seed refuses, changing
    /// nothing, and the exception names them; <paramref name="purgeForeign"/> deletes them first
    /// (<c>sql/purge_foreign_rows.sql</c>, behind the same guards).
    /// </summary>
    public async Task<LeverResult> SeedAsync(SeedProfile? profile, bool purgeForeign, CancellationToken ct = default)
    {
        await using var runLock = await RunLock.AcquireAsync(_connections, _settings, "seed", ct);
        await RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await PrepareFamilyLockedAsync(runLock, adopt: false, ct);
        return WithNote(await SeedLockedAsync(profile ?? _settings.SeedProfile, purgeForeign, runLock, ct), leftovers);
    }

    public Task<LeverResult> SeedAsync(SeedProfile? profile = null, CancellationToken ct = default) => SeedAsync(profile, purgeForeign: false, ct);

    /// <summary>reset: the clean baseline (<c>sql/reset_in_place.sql</c>), then the suite; as <see cref="SeedAsync(SeedProfile?, bool, CancellationToken)"/>.</summary>
    public async Task<LeverResult> ResetAsync(bool purgeForeign, CancellationToken ct = default)
    {
        await using var runLock = await RunLock.AcquireAsync(_connections, _settings, "reset", ct);
        await RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await PrepareFamilyLockedAsync(runLock, adopt: false, ct);
        return WithNote(await SeedLockedAsync(SeedProfile.Baseline, purgeForeign, runLock, ct), leftovers);
    }

    public Task<LeverResult> ResetAsync(CancellationToken ct = default) => ResetAsync(purgeForeign: false, ct);

    /// <summary>compact: VACUUM (FULL, ANALYZE) of the clone, after the guard block of sql/compact.sql.</summary>
    public async Task<LeverResult> CompactAsync(CancellationToken ct = default)
    {
        await using var runLock = await RunLock.AcquireAsync(_connections, _settings, "compact", ct);
        await RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await PrepareFamilyLockedAsync(runLock, adopt: false, ct);
        var before = (await RequireCompleteCloneAsync(runLock.Maintenance, ct)).SizeBytes ?? 0;

        await using (var clone = await _connections.OpenCloneAsync(ct))
        {
            // VACUUM cannot run inside a transaction block, and Npgsql sends a multi-statement text as one
            // implicit transaction: so the file's guard block and its VACUUM (what its psql \if runs) go as two commands.
            var (guard, vacuum) = SqlScripts.CompactParts();
            await ExecuteAsync(clone, guard, ct);
            await ExecuteAsync(clone, vacuum, ct);
        }

        var after = (await ReadStateAsync(runLock.Maintenance, ct)).SizeBytes ?? 0;
        return WithNote(new LeverResult("compact", before != after,
            $"VACUUM (FULL, ANALYZE) done: {LifecycleDecider.FormatBytes(before)} -> {LifecycleDecider.FormatBytes(after)}"), leftovers);
    }

    /// <summary>drop: DROP DATABASE IF EXISTS … WITH (FORCE). A second drop is a no-op.</summary>
    public async Task<LeverResult> DropAsync(CancellationToken ct = default)
    {
        await using var runLock = await RunLock.AcquireAsync(_connections, _settings, "drop", ct);
        await RequireSourceAsync(runLock.Maintenance, ct);
        await RequireFamilyAsync(runLock.Maintenance, adopt: true, ct);
        return await DropLockedAsync(runLock, ct);
    }

    /// <summary>up: clone if absent, incomplete or of another generation; seed if not at the profile; verify. A second up changes nothing.</summary>
    public Task<UpResult> UpAsync(CancellationToken ct = default) => UpAsync(remakeSpare: true, ct);

    /// <param name="remakeSpare">After a clone, remake the ready spare before the seed (false: <see cref="UpResult.SpareDue"/>, for the caller).</param>
    /// <param name="ct">Cancels the lever.</param>
    public async Task<UpResult> UpAsync(bool remakeSpare, CancellationToken ct)
    {
        await using var runLock = await RunLock.AcquireAsync(_connections, _settings, "up", ct);
        await RequireSourceAsync(runLock.Maintenance, ct);
        var leftovers = await PrepareFamilyLockedAsync(runLock, adopt: true, ct);
        var before = await ProductionView.ReadAsync(_connections, ct);
        var steps = new List<LeverResult>();
        if (leftovers is not null)
        {
            steps.Add(new LeverResult("leftovers", true, leftovers));
        }

        var state = await ReadStateAsync(runLock.Maintenance, ct);
        var spareDue = false;
        if (NotCurrentBecause(state) is { } why)
        {
            var cloned = await CloneLockedAsync(force: state.Complete, runLock, ct);
            if (cloned.Changed && state.Exists)
            {
                cloned = cloned with { Summary = cloned.Summary + "; re-cloned because " + why };
            }

            spareDue = cloned.SpareDue;
            steps.Add(remakeSpare && spareDue ? await RemakeSpareLockedAsync(cloned, runLock, ct) : cloned);
            spareDue &= !remakeSpare;
        }
        else
        {
            steps.Add(await ReleaseUnwantedTemplateLockedAsync(runLock, ct)
                ?? new LeverResult("clone", false, $"clone is complete (generation {state.MarkerGeneration}); nothing copied"));
        }

        await RequireCompleteCloneAsync(runLock.Maintenance, ct);
        if (await DropTemplateUnlessCurrentAsync(runLock.Maintenance, ct) is { } dropped)
        {
            steps.Add(dropped);
        }

        var verify = await VerifyCompleteCloneAsync(_settings.SeedProfile, ct);
        if (!verify.Passed)
        {
            steps.Add(await SeedLockedAsync(_settings.SeedProfile, purgeForeign: false, runLock, ct));
            verify = await VerifyCompleteCloneAsync(_settings.SeedProfile, ct);
        }
        else
        {
            steps.Add(new LeverResult("seed", false, $"state already {_settings.SeedProfile.ToString().ToLowerInvariant()}; nothing written"));
        }

        // Production is live: others' changes during the run are a report; govclone's own sessions there were each checked
        // read-only (a session that wrote has thrown ProductionWrittenException by now, failing the run).
        var engine = steps.Select(st => st.Production).LastOrDefault(p => p is not null);
        var production = await ProductionReportAsync(before, engine, ct);
        return new UpResult(steps, verify, production.FingerprintEqual) { SpareDue = spareDue, Production = production };
    }

    // ------------------------------------------------------------------ the family

    /// <summary>
    /// The family's census (sql/engine/family_guard.sql, the one judge): refuses (exit 2, naming the setting and the fix,
    /// nothing changed) while a database of another family or role, or one nobody marked, stands where this family's
    /// clone, template, next, old or spare would be. With <paramref name="adopt"/> (the levers that fill or drop the
    /// clone), an unmarked database at the clone's own name that holds no object of its own (what a provider's CREATE
    /// DATABASE makes before the first clone) is adopted first: marked building, role clone.
    /// </summary>
    private async Task<FamilyCensus> RequireFamilyAsync(NpgsqlConnection maintenance, bool adopt, CancellationToken ct)
    {
        var census = await FamilyCensus.ReadAsync(maintenance, _settings, ct);
        if (adopt && census.Adoptable.Length > 0 && await IsEmptyDatabaseAsync(ct))
        {
            await ExecuteAsync(maintenance, EngineFiles.FamilySettings(_settings) + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("adopt_clone.sql"), ct);
            census = await FamilyCensus.ReadAsync(maintenance, _settings, ct);
        }

        census.RequireNoProblem();
        return census;
    }

    /// <summary>Whether the clone's database holds no object of its own (sql/engine/database_objects.sql: nothing past what initdb made).</summary>
    private async Task<bool> IsEmptyDatabaseAsync(CancellationToken ct)
    {
        try
        {
            await using var clone = await _connections.OpenCloneAsync(ct);
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

    /// <summary>
    /// Under the run lock: the family's census (refusing as <see cref="RequireFamilyAsync"/> does), then the
    /// <c>&lt;clone&gt;_next</c> an interrupted run of this family left (recognised by its building marker, written when it
    /// was created, never by its name) is dropped: nothing else writes it while this lock is held. Returns what it
    /// dropped, to say so, or null.
    /// </summary>
    private async Task<string?> PrepareFamilyLockedAsync(RunLock runLock, bool adopt, CancellationToken ct)
    {
        var census = await RequireFamilyAsync(runLock.Maintenance, adopt, ct);
        if (census.Of(FamilyRules.Roles.Next) is not { Verdict: FamilyCensus.Leftover } next)
        {
            return null;
        }

        await ExecuteAsync(runLock.Maintenance, EngineFiles.FamilySettings(_settings,
                ("lock_pid", runLock.Holder.BackendPid.ToString(CultureInfo.InvariantCulture)), ("lock_key", runLock.Holder.Key.ToString(CultureInfo.InvariantCulture)))
            + EngineFiles.GetSql("holder_check.sql") + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("family_guard.sql"), ct);
        await ExecuteAsync(runLock.Maintenance, CloneFamily.DropSql(next.Name), ct);
        return $"dropped {next.Name} ({LifecycleDecider.FormatBytes(next.SizeBytes ?? 0)}), left by an interrupted run of this family (its marker, written when govclone created it, says {next.Kind} for {next.Family})";
    }

    private static LeverResult WithNote(LeverResult result, string? note) =>
        note is null ? result : result with { Summary = result.Summary + "; " + note };

    // ------------------------------------------------------------------ internals

    private async Task<LeverResult> CloneLockedAsync(bool force, RunLock runLock, CancellationToken ct)
    {
        if (!force && IsCurrent(await ReadStateAsync(runLock.Maintenance, ct)))
        {
            return await ReleaseUnwantedTemplateLockedAsync(runLock, ct)
                ?? new LeverResult("clone", false, "clone is complete; nothing copied");
        }

        // From here the clone's family changes: wait for a `govclone spare` still remaking the spare.
        await runLock.HoldSpareAsync(ct);
        if (await SwapInSpareAsync(runLock, ct) is { } swapped)
        {
            return swapped;
        }

        var sourceBytes = await SourceSizeAsync(runLock.Maintenance, ct); // for progress: a walk of the source's files, not before a swap

        var script = EngineScript.Clone(_settings, _transport, force, runLock.Holder);
        var stopwatch = Stopwatch.StartNew();
        var phase = "starting";
        var outcome = new EngineOutcome();
        // Only the engine's events are read (docs/events.md); its other output is for people.
        var spec = _transport.BashScript(script, EngineScript.CloneApplicationName, line =>
        {
            if (EngineEvent.Parse(line) is not { } e)
            {
                return;
            }

            outcome.Add(e);
            _events?.Invoke(e);
            var message = e switch
            {
                StepEvent { IsStart: true } s => string.Create(CultureInfo.InvariantCulture, $"clone {s.Step}/{s.Steps}: {s.Text}"),
                StepEvent { IsStart: false, StepName: "mark" } => "clone complete",
                _ => null,
            };
            if (message is not null)
            {
                phase = message;
                _progress?.Report(new CloneProgress(phase, 0, outcome.RowsCopied ?? 0, sourceBytes, stopwatch.Elapsed, phase));
            }
        }, lifeline: true);

        using var pollCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var poller = _progress is null ? Task.CompletedTask : PollProgressAsync(runLock.Maintenance, sourceBytes, stopwatch, () => phase, () => outcome.RowsCopied ?? 0, pollCts.Token);
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

        var state = await ReadStateAsync(runLock.Maintenance, ct);
        if (!result.Succeeded)
        {
            throw new OperationFailedException(DescribeCloneFailure(result, outcome, state));
        }

        if (!IsCurrent(state))
        {
            throw new OperationFailedException($"the clone engine exited 0 but {_settings.CloneDatabase} carries no complete marker for generation {_settings.CloneGeneration} (marker: '{state.Marker}')");
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
            await using var clone = await _connections.OpenCloneAsync(ct);
            await using var cmd = new NpgsqlCommand(EngineFiles.GetSql("clone_rows.sql"), clone);
            rows = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }

        var method = outcome.Method ?? "?";
        var template = outcome.Template is { } t
            ? $"; template: {(t.Kept ? "retained" : "not retained")} {t.Database}: {t.Reason}"
            : string.Empty;
        var fidelity = outcome.Fidelity.Count == 0 ? string.Empty : "; NOT equal to the source at schema level: " + string.Join(" ", outcome.Fidelity.Select(f => f.Text));
        _progress?.Report(new CloneProgress("done", state.SizeBytes ?? 0, rows, sourceBytes, stopwatch.Elapsed));
        return new LeverResult("clone", true,
            string.Create(CultureInfo.InvariantCulture, $"cloned {(method == "template" ? _settings.TemplateDatabase + " (retained template)" : _settings.SourceDatabase)} -> {_settings.CloneDatabase} by {method}: {LifecycleDecider.FormatBytes(state.SizeBytes ?? 0)}, {(copied is null ? "~" : string.Empty)}{rows:N0} rows, in {stopwatch.Elapsed.TotalSeconds:0.0}s (analyzed, marked complete){template}{fidelity}"))
        {
            SpareDue = true,
            Fidelity = outcome.Fidelity.Select(f => f.Text).ToArray(),
            Production = engineProduction,
        };
    }

    /// <summary>
    /// A re-clone faster than a copy can be: when govclone:cloneMethod is auto, govclone:keepSpare allows and a current
    /// spare exists (a FILE_COPY of the current retained template, marked last), it takes the clone's place in one
    /// transaction on this lock session (sql/engine/swap.sql: the clone renamed <c>&lt;clone&gt;_old</c>, the spare renamed
    /// to the clone, made connectable and marked complete), then a <c>ready</c> event. No script, no transport: one
    /// round trip. Null when there is no current spare (the engine copies instead). The spare lock is held.
    /// </summary>
    private async Task<LeverResult?> SwapInSpareAsync(RunLock runLock, CancellationToken ct)
    {
        if (_settings.CloneMethod != CloneMethod.Auto || _settings.KeepSpare == KeepSpare.No || _settings.RetainTemplate == RetainTemplate.No)
        {
            return null; // a spare is a copy of the retained template: without one kept, none is used
        }

        var stopwatch = Stopwatch.StartNew();
        var conn = runLock.Maintenance;
        var spare = await ReadSpareAsync(conn, ct, withSize: false);
        if (!spare.Current)
        {
            return null;
        }

        // The clone's marker says what the spare's says of how the data was read and its fidelity (the template's).
        var spareMarker = FamilyMarker.Parse(spare.Marker, spare.Name);
        var parameters = EngineFiles.FamilySettings(_settings, ("origin", spare.Name),
            ("origin_marker", EngineScript.SpareMarkerFor(_settings) + " template=" + spare.TemplateAt),
            ("marker", EngineScript.CompleteMarkerFor(_settings, spareMarker?["method"] ?? "unknown", spareMarker?["fidelity"] ?? "full")),
            ("lock_pid", runLock.Holder.BackendPid.ToString(CultureInfo.InvariantCulture)), ("lock_key", runLock.Holder.Key.ToString(CultureInfo.InvariantCulture)));
        await ExecuteAsync(conn, parameters + EngineFiles.GetSql("holder_check.sql") + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("family_guard.sql"), ct);
        try
        {
            await ExecuteAsync(conn, EngineFiles.GetSql("swap.sql"), ct);
        }
        catch (PostgresException ex) when (ex.SqlState == GovCloneErrorCodes.NotCurrent)
        {
            return null; // not a ready spare after all: the engine makes a copy
        }

        var swappedIn = stopwatch.Elapsed;
        var ready = EngineEvent.Parse(EngineEvent.Prefix + JsonSerializer.Serialize(new { @event = "ready", database = _settings.CloneDatabase, method = "spare" }))!;
        _events?.Invoke(ready);
        var bytes = (await ReadStateAsync(conn, ct)).SizeBytes ?? 0; // after the ready event: its size is a walk of its files
        _progress?.Report(new CloneProgress("clone complete", bytes, 0, null, stopwatch.Elapsed, "clone complete"));
        return new LeverResult("clone", true, string.Create(CultureInfo.InvariantCulture,
            $"swapped in the ready spare {spare.Name} (a FILE_COPY of the retained template {_settings.TemplateDatabase}, made ahead of time; the source is not read) -> {_settings.CloneDatabase} by spare: {LifecycleDecider.FormatBytes(bytes)}, in {swappedIn.TotalMilliseconds:0} ms (analyzed, marked complete); the old clone is {_settings.CloneDatabase}_old until the spare is remade"))
        {
            SpareDue = true,
        };
    }

    /// <summary>The ready spare (<c>&lt;clone&gt;_spare</c>) and the template it copies, by sql/engine/spare_state.sql.</summary>
    /// <param name="maintenance">A session in the maintenance database.</param>
    /// <param name="ct">Cancels the read.</param>
    /// <param name="withSize">Also its size (a walk of its files: not on a re-clone's critical path).</param>
    public async Task<SpareState> ReadSpareAsync(NpgsqlConnection maintenance, CancellationToken ct, bool withSize = true)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        var parameters = EngineFiles.FamilySettings(_settings,
            ("template_marker", EngineScript.TemplateMarkerFor(_settings)), ("spare_marker", EngineScript.SpareMarkerFor(_settings)),
            ("spare_size", withSize ? "on" : "off"));
        await using (var set = new NpgsqlCommand(parameters, maintenance))
        {
            await set.ExecuteNonQueryAsync(ct);
        }

        await using var cmd = new NpgsqlCommand(EngineFiles.GetSql("spare_state.sql"), maintenance);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new SpareState(EngineScript.SpareDatabase(_settings), r.GetBoolean(0), r.GetBoolean(1), r.IsDBNull(2) ? null : r.GetInt64(2),
            r.GetString(4), r.GetString(5) is { Length: > 0 } marker ? marker : null);
    }

    /// <summary>
    /// A failed run, in what is true now: where it stopped, what the clone is (the earlier complete clone untouched,
    /// or unmarked), the engine's error output, and last the cause as the engine classified it, with its fix.
    /// </summary>
    private string DescribeCloneFailure(ProcessResult result, EngineOutcome outcome, CloneState state)
    {
        var failure = outcome.Failure;
        var step = outcome.LastStep;
        var where = step is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" at step {step.Step}/{step.Steps} ({step.StepName})");
        var clone = _settings.CloneDatabase;
        var next = EngineScript.NextDatabase(_settings);
        const string drops = "which the next lever to take the lock drops (its building marker names this family)";
        var truth = IsCurrent(state)
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
            FailureEvent.SourceUnreadable => $"Check govclone:sourceDatabase ('{_settings.SourceDatabase}') and that {_settings.User} may read every table and sequence of it, then run govclone up.",
            FailureEvent.SourceLocked => string.Create(CultureInfo.InvariantCulture,
                $"A production session held a lock on a table of {_settings.SourceDatabase} (a migration's ALTER TABLE, a VACUUM FULL, a LOCK TABLE) longer than govclone:sourceLockTimeoutSeconds ({_settings.SourceLockTimeoutSeconds} s); the clone stopped waiting, so it never queued in front of production's own work. Run govclone up again when that session is done, or raise govclone:sourceLockTimeoutSeconds."),
            FailureEvent.SourceWritten => "A govclone session on the source was not read-only or wrote (source_check.sql, SQLSTATE GC004): the run fails, and nothing of that transaction was committed. Report it: govclone must never write production.",
            FailureEvent.Guard => "A guard refused the database: check govclone:cloneDatabase and govclone:templateDatabase.",
            _ => "Fix the cause, then run govclone up: it converges from here.",
        };
        var cause = failure is null ? $"exit {result.ExitCode} without a failure event (the engine was stopped)" : failure.Detail;
        return string.Create(CultureInfo.InvariantCulture,
            $"clone failed (exit {result.ExitCode}){where}; {truth}.\n{tail}\ncause ({cls}{(failure?.SqlState is { } sqlState ? ", SQLSTATE " + sqlState : string.Empty)}): {cause}. {hint}");
    }

    /// <summary>
    /// A retained template that is not current (an interrupted retention left it unmarked, or it is of another
    /// generation) is never used; under the run lock, release and drop it, so nothing half-made stays behind.
    /// The next clone from the source makes a new one. Null when there was none to drop.
    /// </summary>
    private async Task<LeverResult?> DropTemplateUnlessCurrentAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        var template = await ReadTemplateAsync(maintenance, ct);
        if (!template.Exists || template.Current)
        {
            return null;
        }

        await ExecuteAsync(maintenance, ServerScripts.ReleaseTemplateSql(_settings), ct);
        await ExecuteAsync(maintenance, ServerScripts.DropTemplateSql(_settings), ct); // the spare, its copy, is stale now: `govclone spare` drops it
        return new LeverResult("template", true,
            $"dropped {template.Name}: not a current template (marker '{template.Marker ?? "none"}': an interrupted retention or another generation); the next clone from the source makes a new one");
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
                    cmd.Parameters.AddWithValue(EngineScript.NextDatabase(_settings));
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
                _progress!.Report(new CloneProgress(phase(), bytes, Math.Max(rowsCopied(), maxRowsByRelation.Values.Sum()), sourceBytes, stopwatch.Elapsed));
            }
            catch (NpgsqlException)
            {
                // Progress is best effort; the clone's own exit code is what counts.
            }
        }
    }

    /// <summary>
    /// govclone:retainTemplate false on a current clone: a template kept earlier is dropped now (under the lock,
    /// behind the prefix guard), so the clone lever converges the template's presence too, not only at the next
    /// re-clone. Null when there is nothing to drop. (true/auto keep a template, made only from a fresh clone.)
    /// </summary>
    private async Task<LeverResult?> ReleaseUnwantedTemplateLockedAsync(RunLock runLock, CancellationToken ct)
    {
        if (_settings.RetainTemplate != RetainTemplate.No || !(await ReadTemplateAsync(runLock.Maintenance, ct)).Exists)
        {
            return null;
        }

        DatabaseNameGuard.RequireClone(_settings.TemplateDatabase, _settings.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        await ExecuteAsync(runLock.Maintenance, ServerScripts.ReleaseTemplateSql(_settings), ct);
        await ExecuteAsync(runLock.Maintenance, ServerScripts.DropTemplateSql(_settings), ct);
        return new LeverResult("clone", true, $"clone is complete; nothing copied; dropped the retained template {_settings.TemplateDatabase} (govclone:retainTemplate false)");
    }

    private async Task<LeverResult> SeedLockedAsync(SeedProfile profile, bool purgeForeign, RunLock runLock, CancellationToken ct)
    {
        await RequireSourceAsync(runLock.Maintenance, ct);
        await RequireCompleteCloneAsync(runLock.Maintenance, ct);
        var file = profile == SeedProfile.Committed ? SqlScripts.SeedCommitted : SqlScripts.ResetInPlace;
        var lever = profile == SeedProfile.Committed ? "seed" : "reset";
        IReadOnlyList<MetricValue> before;
        IReadOnlyList<ForeignRowGroup> purged = [];
        var refused = false;
        await using (var clone = await _connections.OpenCloneAsync(ct))
        {
            before = await GovernanceMetrics.ReadAsync(clone, ct);
            if (purgeForeign)
            {
                purged = await ForeignRows.ReadAsync(clone, ct);
                if (purged.Count > 0)
                {
                    await ExecuteAsync(clone, SqlScripts.Get(SqlScripts.PurgeForeignRows), ct);
                }
            }

            try
            {
                await ExecuteAsync(clone, SqlScripts.Get(file), ct);
            }
            catch (PostgresException ex) when (ex.SqlState == ForeignRows.RefusedSqlState)
            {
                refused = true; // the file's own check: nothing was changed (its transaction is dropped with this session)
            }
        }

        if (refused)
        {
            IReadOnlyList<ForeignRowGroup> foreign;
            await using (var clone = await _connections.OpenCloneAsync(ct))
            {
                foreign = await ForeignRows.ReadAsync(clone, ct);
            }

            var now = await VerifyCompleteCloneAsync(profile, ct);
            throw new StateNotReachedException(
                $"{lever}: {_settings.CloneDatabase} cannot reach the {Name(profile)} state: it holds rows the seed did not write, and the seed and the reset delete only their own:\n"
                + string.Join('\n', foreign.Select(f => "  " + f)) + "\n"
                + $"Nothing was changed. Suite now: {Describe(now.Drift)}.\n"
                + $"Fix: if those rows may go, `govclone {lever} --purge-foreign` deletes them (every row of the governance tables that is not the seed's, and axis_* tables), then runs the {lever}; "
                + $"by hand: sql/{SqlScripts.PurgeForeignRows}, then sql/{file}. Or re-clone: `govclone clone --force`.",
                profile, now.Drift.ToArray(), foreign);
        }

        var verify = await VerifyCompleteCloneAsync(profile, ct);
        if (!verify.Passed)
        {
            throw new StateNotReachedException(
                $"{lever}: ran sql/{file}, but the regression suite fails for the {Name(profile)} profile: {Describe(verify.Drift)}.\n"
                + "Fix: that drift is in what the seed does not write (production's own data, e.g. dot_tools or the governed collections behind gap): "
                + "re-clone (`govclone clone --force`, or bump govclone:cloneGeneration for a fresh copy of production), then seed.",
                profile, verify.Drift.ToArray(), []);
        }

        var after = verify.Checks.Select(c => c.Have!).ToArray();
        var changed = purged.Count > 0 || !before.SequenceEqual(after);
        var purgedNote = purged.Count == 0 ? string.Empty : $"deleted first (--purge-foreign): {string.Join("; ", purged)}; ";
        return new LeverResult(lever, changed, $"{lever} ({file}): {purgedNote}{ExpectedState.EvidenceLine(after)}; suite PASS");
    }

    private static string Name(SeedProfile profile) => profile.ToString().ToLowerInvariant();

    private static string Describe(IEnumerable<MetricCheck> drift)
    {
        var text = string.Join("; ", drift.Select(d => d.Describe()));
        return text.Length == 0 ? "PASS" : text;
    }

    private async Task<LeverResult> DropLockedAsync(RunLock runLock, CancellationToken ct)
    {
        DatabaseNameGuard.RequireClone(_settings.CloneDatabase, _settings.SourceDatabase);
        await runLock.HoldSpareAsync(ct); // a `govclone spare` still copying would make a spare after the drop
        var family = _settings.CloneFamily(); // the clone, its template, its companions: each guarded
        var maintenance = runLock.Maintenance;
        var existed = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname = ANY($1)", maintenance))
        {
            cmd.Parameters.AddWithValue(family.ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                existed.Add(r.GetString(0));
            }
        }

        foreach (var sql in DropStatements(_settings))
        {
            await ExecuteAsync(maintenance, sql, ct);
        }

        var dropped = family.Where(existed.Contains).ToArray();
        // Branches are copies of their own (issue 17), not part of the family: drop leaves them, and says so, so
        // that their disk is not forgotten (the teardown workflow drops them first).
        var branches = await Branches.BranchCatalog.ReadAsync(maintenance, _settings, ct);
        var left = branches.Count == 0 ? string.Empty
            : $"; {branches.Count} branch{(branches.Count == 1 ? string.Empty : "es")} of it remain{(branches.Count == 1 ? "s" : string.Empty)} ({string.Join(", ", branches.Select(b => b.Name))}): `govclone branch drop NAME` drops one";
        return new LeverResult("drop", dropped.Length > 0, (dropped.Length > 0
            ? $"dropped {string.Join(" and ", dropped)} (sessions terminated)"
            : $"{_settings.CloneDatabase} does not exist; nothing to drop") + left);
    }

    /// <summary>
    /// What <c>drop</c> sends to the maintenance database, in order (and what <c>govclone drop --dry-run</c> prints):
    /// release (unmark, un-template) every database of the clone family (<see cref="CloneFamily"/>;
    /// sql/engine/release_family.sql behind prefix_guard.sql), then drop each, the clone first.
    /// </summary>
    public static IReadOnlyList<string> DropStatements(GovCloneSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // All unmarked first: should a DROP be interrupted, nothing left is taken for a complete clone, a current
        // template or a ready spare. Then the clone, then the rest.
        var family = settings.CloneFamily();
        return [ServerScripts.ReleaseFamilySql(settings), .. family.Select(CloneFamily.DropSql)];
    }

    /// <summary>The clone's state, when it is complete; otherwise an error that says what to run.</summary>
    private async Task<CloneState> RequireCompleteCloneAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        var state = await ReadStateAsync(maintenance, ct);
        if (!state.Exists)
        {
            throw new OperationFailedException($"{_settings.CloneDatabase} does not exist. Run `govclone up` (or `govclone clone`) first.");
        }

        if (state.Invalid)
        {
            throw new OperationFailedException($"{_settings.CloneDatabase} is an invalid database (an interrupted DROP DATABASE left its catalog row; nothing can connect to it). Run `govclone up`, which drops it and re-clones, or `govclone drop`.");
        }

        if (!state.Complete)
        {
            throw new OperationFailedException($"{_settings.CloneDatabase} is incomplete (an interrupted or failed clone: no complete marker). Run `govclone up`, which re-clones it.");
        }

        return state;
    }

    private static async Task<IReadOnlyList<MetricValue>> ReadMetricsReadOnlyAsync(NpgsqlConnection clone, CancellationToken ct)
    {
        await using var tx = await clone.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var ro = new NpgsqlCommand("SET TRANSACTION READ ONLY", clone, tx))
        {
            await ro.ExecuteNonQueryAsync(ct);
        }

        var metrics = await GovernanceMetrics.ReadAsync(clone, ct);
        await tx.CommitAsync(ct);
        return metrics;
    }

    private async Task<int> CountAppConnectionsAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*)::int FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND coalesce(application_name, '') NOT LIKE 'govclone%'", maintenance);
        cmd.Parameters.AddWithValue(_settings.CloneDatabase);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<int> CountLeasesAsync(NpgsqlConnection clone, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SqlScripts.Get(SqlScripts.WorkerLeases), clone);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Refuses (exit 2, naming govclone:sourceDatabase) unless the source exists on this server: a lever run with a source
    /// that is not there has the wrong settings (a typo, another server), so it touches nothing, the clone included.
    /// </summary>
    private async Task RequireSourceAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", maintenance);
        cmd.Parameters.AddWithValue(_settings.SourceDatabase);
        if (await cmd.ExecuteScalarAsync(ct) is null)
        {
            throw NoSource();
        }
    }

    private ConfigurationException NoSource() =>
        new(SettingKeys.SourceDatabase.ConfigKey, $"database '{_settings.SourceDatabase}' does not exist on {_settings.Host}:{_settings.Port}; nothing was done, the clone was not touched",
            "set govclone:sourceDatabase to the production database's name");

    private async Task<long?> SourceSizeAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_database_size(oid) FROM pg_database WHERE datname = $1", maintenance);
        cmd.Parameters.AddWithValue(_settings.SourceDatabase);
        var v = await cmd.ExecuteScalarAsync(ct);
        if (v is null)
        {
            throw NoSource();
        }

        return v is DBNull ? null : (long)v; // NULL: its files are gone (an invalid source); the clone itself reports that
    }

    /// <summary>Free and total bytes of the filesystem holding the data directory, by df through the transport; null when it cannot be measured.</summary>
    internal async Task<(long? Free, long? Total)> MeasureDiskAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        string? dataDir;
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT current_setting('data_directory')", maintenance);
            dataDir = (string?)await cmd.ExecuteScalarAsync(ct);
        }
        catch (PostgresException)
        {
            return (null, null); // not superuser / pg_read_all_settings
        }

        if (string.IsNullOrEmpty(dataDir))
        {
            return (null, null);
        }

        return await DiskFreeAsync(_transport.BashScript($"df -P -B1 {ShellQuote.Word(dataDir)} | tail -n 1\n"), DiskTimeout, ct);
    }

    /// <summary>How long <see cref="MeasureDiskAsync"/> waits for df (a hung network mount, a slow ssh) before it goes without.</summary>
    internal static readonly TimeSpan DiskTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Runs <paramref name="df"/> (<c>df -P -B1 DIR | tail -n 1</c>) and reads its total and free bytes; null when it fails
    /// or takes longer than <paramref name="timeout"/>. The timeout cancels the run, so the process tree is killed, not left
    /// waiting behind an answer nobody reads.
    /// </summary>
    internal static async Task<(long? Free, long? Total)> DiskFreeAsync(ProcessSpec df, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            var result = await ProcessRunner.RunAsync(df, deadline.Token);
            var parts = result.StandardOutput.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (result.Succeeded && parts.Length >= 4
                && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var total)
                && long.TryParse(parts[3], CultureInfo.InvariantCulture, out var free))
            {
                return (free, total);
            }
        }
        catch (GovCloneException)
        {
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: ProcessRunner killed df and everything it started.
        }

        return (null, null);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState is GovCloneErrorCodes.Guard or GovCloneErrorCodes.FamilyGuard || ex.MessageText.StartsWith("govclone guard:", StringComparison.Ordinal))
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, ex.MessageText, ex.Hint ?? "point the connection at the clone");
        }
    }
}
