using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Guards;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// A clone's branches as the branch levers read and change them on a maintenance session, each behind the branch guard
/// (sql/branch/): find one, record its use, release and drop it, refuse one that is not complete.
/// </summary>
internal sealed class BranchDatabases(GovCloneSettings settings)
{
    /// <summary>The settings of a lever on the branch: the clone's, with the branch as the database it works on (its lock key, its connection's guard).</summary>
    public GovCloneSettings On(BranchName branch)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return settings with { CloneDatabase = branch.Database };
    }

    public async Task<BranchInfo?> FindAsync(NpgsqlConnection maintenance, BranchName branch, CancellationToken ct) =>
        (await BranchCatalog.ReadAsync(maintenance, settings, ct, includeUnmarked: true)).FirstOrDefault(b => b.Database == branch.Database);

    /// <summary>Records the branch's use in its marker.</summary>
    public async Task TouchAsync(NpgsqlConnection maintenance, BranchName branch, CancellationToken ct) =>
        await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase), BranchSql.Guard, BranchSql.Touch), ct);

    /// <summary>
    /// What a drop of the branch sends, in order: <paramref name="force"/> for <c>branch drop</c> (its sessions ended),
    /// without for <c>branch gc</c> (a session that connects meanwhile keeps the branch). <c>--dry-run</c> prints them.
    /// </summary>
    public IReadOnlyList<string> DropStatements(string name, bool force)
    {
        var branch = BranchName.Of(settings, name);
        return [BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase), BranchSql.Guard, BranchSql.Release), BranchSql.Drop(branch, force) + ";"];
    }

    public async Task DropLockedAsync(NpgsqlConnection maintenance, BranchName branch, bool force, CancellationToken ct)
    {
        await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.With(BranchSql.Parameters(branch, settings.TemplateDatabase), BranchSql.Guard, BranchSql.Release), ct);
        await BranchGuardedSql.ExecuteAsync(maintenance, BranchSql.Drop(branch, force), ct);
    }

    public async Task RequireCompleteAsync(NpgsqlConnection maintenance, BranchName branch, CancellationToken ct)
    {
        var found = await FindAsync(maintenance, branch, ct);
        if (found is not { State: BranchState.Complete })
        {
            throw found switch
            {
                null => new OperationFailedException($"the branch {branch.Database} does not exist. Run `govclone branch create {branch.Name}` first."),
                // Nothing says it is a branch of this clone: never advise what would drop it.
                { State: BranchState.Unmarked } => new GuardException(BranchName.Argument,
                    $"{branch.Database} carries no govclone marker, so nothing says it is a branch of {settings.CloneDatabase}; nothing was changed",
                    $"govclone never touches a database it did not mark: if {branch.Database} is yours to remove, remove it yourself; otherwise give the branch another NAME"),
                _ => new OperationFailedException($"the branch {branch.Database} is {Describe(found.State)}. Run `govclone branch create {branch.Name}`, which makes it again."),
            };
        }
    }

    public async Task RequireSourceAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        if (await BranchGuardedSql.ScalarAsync<int?>(maintenance, $"SELECT 1 FROM pg_database WHERE datname = {DatabaseNameGuard.QuoteLiteral(settings.SourceDatabase)}", ct) is null)
        {
            throw new ConfigurationException(SettingKeys.SourceDatabase.ConfigKey, $"database '{settings.SourceDatabase}' does not exist on {settings.Host}:{settings.Port}; nothing was done",
                "set govclone:sourceDatabase to the production database's name");
        }
    }

    public static string Describe(BranchState state) => state switch
    {
        BranchState.Complete => "complete",
        BranchState.Incomplete => "incomplete (marked incomplete: a create cut short, or under way)",
        BranchState.Unmarked => "unmarked (a create cut short before its first mark)",
        _ => "invalid (an interrupted DROP DATABASE)",
    };
}
