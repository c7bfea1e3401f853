using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Sql;
using GovClone.Transport;

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
/// <remarks>
/// The public entry point of the branch levers; each lever's work is a type of its own file: <see cref="BranchCreate"/>
/// (with <see cref="BranchCopy"/> and <see cref="BranchBudget"/>), <see cref="BranchDrop"/>, <see cref="BranchGc"/>,
/// <see cref="BranchSeedLevers"/>; what they share is <see cref="BranchDatabases"/>.
/// </remarks>
public sealed class BranchLifecycle
{
    /// <summary>SQLSTATE of branch_mark.sql's refusal: the template changed while the branch was copied.</summary>
    public const string TemplateChangedSqlState = GovCloneErrorCodes.TemplateChanged;

    private readonly GovCloneSettings _settings;
    private readonly BranchDatabases _databases;
    private readonly BranchCreate _create;
    private readonly BranchDrop _drop;
    private readonly BranchGc _gc;
    private readonly BranchSeedLevers _seed;

    /// <param name="settings">The clone's settings (the branch's parent is govclone:cloneDatabase).</param>
    /// <param name="steps">Each step of a create as it starts and finishes (progress lines, <c>--json</c> events).</param>
    public BranchLifecycle(GovCloneSettings settings, Action<BranchStep>? steps = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Guards.DatabaseNameGuard.RequireClone(settings.CloneDatabase, settings.SourceDatabase);
        _databases = new BranchDatabases(settings);
        var stepLog = new BranchSteps(steps);
        var disk = new HostDisk(new ServerTransport(settings));
        var budget = new BranchBudget(settings, disk);
        _create = new BranchCreate(settings, _databases, new BranchCopy(settings, _databases, budget, new BranchSpare(settings, disk), stepLog), stepLog);
        _drop = new BranchDrop(settings, _databases);
        _gc = new BranchGc(settings, _databases);
        _seed = new BranchSeedLevers(settings, _databases);
    }

    public GovCloneSettings Settings => _settings;

    /// <summary>The settings of a lever on the branch: the clone's, with the branch as the database it works on (its lock key, its connection's guard).</summary>
    public GovCloneSettings On(BranchName branch) => _databases.On(branch);

    /// <summary>The branch lock's key (the run lock of the branch's database name).</summary>
    public static long LockKey(BranchName branch)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return Guards.LockKeys.Run(branch.Database);
    }

    /// <summary>The key of the short lock the budget's second check runs under: one per clone (its name, then <c>:branches</c>).</summary>
    public static long BudgetKey(string clone) => Guards.LockKeys.Budget(clone);

    /// <summary><c>branch list</c>: every branch of the clone, with its age, size, last use, sessions and owner.</summary>
    public async Task<IReadOnlyList<BranchInfo>> ListAsync(CancellationToken ct = default)
    {
        var connections = new Connections(_settings);
        await using var maintenance = await connections.OpenMaintenanceAsync(ct);
        return await BranchCatalog.ReadAsync(maintenance, _settings, ct, includeUnmarked: true);
    }

    /// <summary>
    /// <c>branch create NAME</c>: converges the branch. Absent (or left incomplete by a create cut short): copies the
    /// retained template, within the budget, and marks it complete once the copy is proven whole. Then seeds it to the
    /// profile when the suite differs, runs the suite, and records the use. A second create copies nothing.
    /// </summary>
    public Task<BranchCreateResult> CreateAsync(string name, BranchCreateOptions options, CancellationToken ct = default) => _create.CreateAsync(name, options, ct);

    /// <summary><c>branch drop NAME</c>: under the branch's lock, behind the branch guard, unmarks and drops it (its sessions ended). A second drop is a no-op.</summary>
    public Task<LeverResult> DropAsync(string name, CancellationToken ct = default) => _drop.DropAsync(name, ct);

    /// <summary>What <c>branch drop NAME</c> sends to the maintenance database, in order (<c>--dry-run</c> prints it).</summary>
    public IReadOnlyList<string> DropStatements(string name) => DropStatements(name, force: true);

    /// <summary>
    /// What a drop of the branch sends, in order: <paramref name="force"/> for <c>branch drop</c> (its sessions ended),
    /// without for <c>branch gc</c> (a session that connects meanwhile keeps the branch). <c>--dry-run</c> prints them.
    /// </summary>
    public IReadOnlyList<string> DropStatements(string name, bool force) => _databases.DropStatements(name, force);

    /// <summary>
    /// <c>branch gc --older-than D</c>: drops every branch that is idle: no session on it, no lever holding its lock, last
    /// used (or, never completed, created) longer than <paramref name="olderThan"/> ago. Each under its own lock (taken
    /// without waiting: a busy branch is skipped), without FORCE: a session that connects meanwhile keeps it (its marker
    /// is put back). Branches with no marker (no time recorded) are reported, not dropped.
    /// </summary>
    public Task<BranchGcResult> GcAsync(TimeSpan olderThan, bool dryRun, CancellationToken ct = default) => _gc.GcAsync(olderThan, dryRun, ct);

    /// <summary><c>govclone seed --branch NAME</c> (and <c>reset --branch NAME</c>: the baseline): under the branch's lock, on a complete branch.</summary>
    public Task<LeverResult> SeedAsync(string name, SeedProfile profile, bool purgeForeign, CancellationToken ct = default) => _seed.SeedAsync(name, profile, purgeForeign, ct);

    /// <summary><c>govclone verify --branch NAME</c>: the suite on a complete branch (read-only; records the use).</summary>
    public Task<VerifyResult> VerifyAsync(string name, SeedProfile? profile, CancellationToken ct = default) => _seed.VerifyAsync(name, profile, ct);
}
