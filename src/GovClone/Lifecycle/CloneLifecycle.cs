using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// Every lever of the runbook as an async, cancellable, idempotent operation against a real server: the one public
/// entry point (the CLI, the tests and the fault runner make one), each lever's work in a type of its own file
/// (<see cref="CloneLever"/>, <see cref="SpareLever"/>, <see cref="SeedLever"/>, <see cref="CompactLever"/>,
/// <see cref="DropLever"/>, <see cref="UpLever"/>, <see cref="StatusReport"/>; the reads in <see cref="CloneStates"/>).
/// Each mutation (1) re-checks the clone name in C#, (2) takes the run lock, (3) proves on the
/// connection that <c>current_database()</c> is the clone, and (4) sends SQL whose own guard block
/// checks again. Production is only ever read.
/// </summary>
public sealed class CloneLifecycle
{
    private readonly GovCloneSettings _settings;
    private readonly Connections _connections;
    private readonly CloneStates _states;
    private readonly FamilyPreparation _family;
    private readonly CloneSuite _suite;
    private readonly StatusReport _status;
    private readonly CloneLever _clone;
    private readonly SpareLever _spare;
    private readonly SeedLever _seed;
    private readonly CompactLever _compact;
    private readonly DropLever _drop;
    private readonly UpLever _up;

    /// <param name="settings">The validated settings.</param>
    /// <param name="progress">Progress of a clone, for people (bytes, rows, phase, elapsed).</param>
    /// <param name="events">Every engine event as it arrives (docs/events.md), e.g. for <c>--json</c>'s NDJSON stream.</param>
    public CloneLifecycle(GovCloneSettings settings, IProgress<CloneProgress>? progress = null, Action<EngineEvent>? events = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        DatabaseNameGuard.RequireClone(settings.CloneDatabase, settings.SourceDatabase);
        _connections = new Connections(settings);
        var transport = new ServerTransport(settings);
        _states = new CloneStates(settings);
        var family = _family = new FamilyPreparation(settings, _connections);
        var templates = new TemplateRelease(settings, _states);
        _suite = new CloneSuite(settings, _connections);
        _status = new StatusReport(settings, _connections, _states, family, new HostDisk(transport));
        _spare = new SpareLever(settings, _connections, transport, _states, family, events);
        _clone = new CloneLever(settings, _connections, _states, family, templates,
            new SpareSwap(settings, _states, progress, events), new CloneEngineRun(settings, _connections, transport, _states, progress, events), _spare);
        _seed = new SeedLever(settings, _connections, _states, family, _suite);
        _compact = new CompactLever(settings, _connections, _states, family);
        _drop = new DropLever(settings, _connections, _states, family);
        _up = new UpLever(settings, _connections, _states, family, _clone, _spare, templates, _seed, _suite);
    }

    public GovCloneSettings Settings => _settings;

    public Connections Connections => _connections;

    // ------------------------------------------------------------------ read-only

    public Task<CloneState> ReadStateAsync(NpgsqlConnection maintenance, CancellationToken ct) => _states.ReadStateAsync(maintenance, ct);

    /// <summary>The retained template: current when it carries this generation's template marker and is a connection-free template.</summary>
    public Task<TemplateState> ReadTemplateAsync(NpgsqlConnection maintenance, CancellationToken ct) => _states.ReadTemplateAsync(maintenance, ct);

    /// <summary>The ready spare (<c>&lt;clone&gt;_spare</c>) and the template it copies, by sql/engine/spare_state.sql.</summary>
    /// <param name="maintenance">A session in the maintenance database.</param>
    /// <param name="ct">Cancels the read.</param>
    /// <param name="withSize">Also its size (a walk of its files: not on a re-clone's critical path).</param>
    public Task<SpareState> ReadSpareAsync(NpgsqlConnection maintenance, CancellationToken ct, bool withSize = true) => _states.ReadSpareAsync(maintenance, ct, withSize);

    /// <summary>
    /// Complete and the clone this config wants: its marker names this family, the configured source and generation,
    /// and (when govclone:cloneMethod names one) the way its data was read. Nothing to copy.
    /// </summary>
    public bool IsCurrent(CloneState state) => _states.IsCurrent(state);

    /// <summary>Why the clone is not the one this config wants (what <c>up</c> says when it re-clones), or null when it is.</summary>
    public string? NotCurrentBecause(CloneState state) => _states.NotCurrentBecause(state);

    /// <summary>status: the clone, its family and branches, metrics, sessions, the host's disk and the decision.</summary>
    public Task<CloneStatus> StatusAsync(CancellationToken ct = default) => _status.ReadAsync(ct);

    /// <summary>The regression suite through Npgsql: the metrics of <c>sql/metrics.sql</c> against the profile's expectations.</summary>
    public async Task<VerifyResult> VerifyAsync(SeedProfile? profile = null, CancellationToken ct = default)
    {
        await using (var maintenance = await _connections.OpenMaintenanceAsync(ct))
        {
            await _states.RequireSourceAsync(maintenance, ct);
            await _family.RequireAsync(maintenance, adopt: false, ct);
            await _states.RequireCompleteCloneAsync(maintenance, ct);
        }

        return await _suite.VerifyCompleteCloneAsync(profile, ct);
    }

    /// <summary>Reads the source's fingerprint in a read-only session.</summary>
    public async Task<SourceFingerprint> FingerprintSourceAsync(CancellationToken ct = default) =>
        (await ProductionView.ReadAsync(_connections, ct)).Fingerprint;

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
    public Task<LeverResult> CloneAsync(bool force, bool remakeSpare, CancellationToken ct) => _clone.CloneAsync(force, remakeSpare, ct);

    /// <summary>
    /// spare: under the spare lock only (other levers use the clone meanwhile), drops a clone a swap retired
    /// (<c>&lt;clone&gt;_old</c>) and makes sure a ready spare exists when govclone:keepSpare allows: a FILE_COPY of the
    /// current retained template, marked last (engine/spare.sh); drops a stale one. A re-clone then is a swap of names.
    /// </summary>
    public Task<LeverResult> SpareAsync(CancellationToken ct = default) => _spare.SpareAsync(ct);

    /// <summary>
    /// seed: the profile's state exactly (committed: <c>sql/seed_committed_state.sql</c>; baseline: the reset), then the
    /// suite. Returns only when the suite passes; otherwise throws <see cref="StateNotReachedException"/> (exit 1) with the
    /// drift. While the clone holds rows the seed did not write (<c>sql/foreign_rows.sql</c>) the seed refuses, changing
    /// nothing, and the exception names them; <paramref name="purgeForeign"/> deletes them first
    /// (<c>sql/purge_foreign_rows.sql</c>, behind the same guards).
    /// </summary>
    public Task<LeverResult> SeedAsync(SeedProfile? profile, bool purgeForeign, CancellationToken ct = default) =>
        _seed.SeedAsync("seed", profile ?? _settings.SeedProfile, purgeForeign, ct);

    public Task<LeverResult> SeedAsync(SeedProfile? profile = null, CancellationToken ct = default) => SeedAsync(profile, purgeForeign: false, ct);

    /// <summary>reset: the clean baseline (<c>sql/reset_in_place.sql</c>), then the suite; as <see cref="SeedAsync(SeedProfile?, bool, CancellationToken)"/>.</summary>
    public Task<LeverResult> ResetAsync(bool purgeForeign, CancellationToken ct = default) => _seed.SeedAsync("reset", SeedProfile.Baseline, purgeForeign, ct);

    public Task<LeverResult> ResetAsync(CancellationToken ct = default) => ResetAsync(purgeForeign: false, ct);

    /// <summary>compact: VACUUM (FULL, ANALYZE) of the clone, after the guard block of sql/compact.sql.</summary>
    public Task<LeverResult> CompactAsync(CancellationToken ct = default) => _compact.CompactAsync(ct);

    /// <summary>drop: DROP DATABASE IF EXISTS … WITH (FORCE). A second drop is a no-op.</summary>
    public Task<LeverResult> DropAsync(CancellationToken ct = default) => _drop.DropAsync(ct);

    /// <summary>
    /// What <c>drop</c> sends to the maintenance database, in order (and what <c>govclone drop --dry-run</c> prints):
    /// release (unmark, un-template) every database of the clone family (<see cref="CloneFamily"/>;
    /// sql/engine/release_family.sql behind prefix_guard.sql), then drop each, the clone first.
    /// </summary>
    public static IReadOnlyList<string> DropStatements(GovCloneSettings settings) => DropLever.Statements(settings);

    /// <summary>up: clone if absent, incomplete or of another generation; seed if not at the profile; verify. A second up changes nothing.</summary>
    public Task<UpResult> UpAsync(CancellationToken ct = default) => UpAsync(remakeSpare: true, ct);

    /// <param name="remakeSpare">After a clone, remake the ready spare before the seed (false: <see cref="UpResult.SpareDue"/>, for the caller).</param>
    /// <param name="ct">Cancels the lever.</param>
    public Task<UpResult> UpAsync(bool remakeSpare, CancellationToken ct) => _up.UpAsync(remakeSpare, ct);
}
