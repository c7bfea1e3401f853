using System.Globalization;
using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Guards;
using GovClone.Sql;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>One database of the family's names that exists, as sql/engine/family_guard.sql judged it by its marker.</summary>
/// <param name="Role">The role its name has in this family (clone, template, next, old, spare).</param>
/// <param name="Name">Its name.</param>
/// <param name="Verdict"><see cref="FamilyCensus.Ours"/>, <see cref="FamilyCensus.Leftover"/>, <see cref="FamilyCensus.Foreign"/> or <see cref="FamilyCensus.Unmarked"/>.</param>
/// <param name="Kind">Its marker's kind (complete, template, spare, building, old, dropping, branch…; empty when unmarked).</param>
/// <param name="Family">The family its marker names (empty when none).</param>
/// <param name="SizeBytes">Its size (null for an invalid database).</param>
public sealed record FamilyEntry(string Role, string Name, string Verdict, string Kind, string Family, long? SizeBytes)
{
    /// <summary>This family's database of its role (ours or a leftover).</summary>
    public bool IsOurs => Verdict is FamilyCensus.Ours or FamilyCensus.Leftover;
}

/// <summary>
/// The clone's family as the server knows it (a family is a fact on the server, not a name pattern): for each name of
/// the family (the clone, its template, <c>&lt;clone&gt;_next</c>, <c>_old</c>, <c>_spare</c>) that exists, what its marker
/// says, read by <c>sql/engine/family_guard.sql</c> (the one judge; the engine runs the same file). A database of another
/// family or role, or one nobody marked, where this family's would be is the <see cref="Problem"/>: every lever refuses
/// (exit 2) naming it and the fix, before it changes anything.
/// </summary>
public sealed record FamilyCensus(IReadOnlyList<FamilyEntry> Entries, string Problem, string Fix, string Setting)
{
    /// <summary>The clone's name when it alone is in the way, connectable and without any comment: adoptable once proven empty.</summary>
    public string Adoptable { get; init; } = string.Empty;

    public const string Ours = "ours";
    public const string Leftover = "leftover";
    public const string Foreign = "foreign";
    public const string Unmarked = "unmarked";

    /// <summary>This family's leftovers: an interrupted run's next, an old, a building or dropping template or spare.</summary>
    public IReadOnlyList<FamilyEntry> Leftovers => Entries.Where(e => e.Verdict == Leftover).ToArray();

    /// <summary>The database of <paramref name="role"/>, when it exists.</summary>
    public FamilyEntry? Of(string role) => Entries.FirstOrDefault(e => e.Role == role);

    /// <summary>Throws the refusal (<see cref="GuardException"/>, exit 2) when a database of another family or role, or an unmarked one, is in the way.</summary>
    public void RequireNoProblem()
    {
        if (Problem.Length > 0)
        {
            throw new GuardException(Setting.Length > 0 ? Setting : SettingKeys.CloneDatabase.ConfigKey, Problem, Fix);
        }
    }

    /// <summary>The census of <paramref name="settings"/>' family, read on <paramref name="maintenance"/> (with sizes).</summary>
    public static async Task<FamilyCensus> ReadAsync(NpgsqlConnection maintenance, GovCloneSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(maintenance);
        ArgumentNullException.ThrowIfNull(settings);
        // One command, one implicit transaction: census mode is set for it alone (is_local), so the session's guard stays a guard.
        var sql = EngineFiles.FamilySettings(settings)
            + "SELECT set_config('govclone.family_mode', 'census', true);\n"
            + EngineFiles.GetSql("prefix_guard.sql") + EngineFiles.GetSql("family_guard.sql")
            + "SELECT current_setting('govclone.family_census'), current_setting('govclone.family_problem'), current_setting('govclone.family_fix'), current_setting('govclone.family_setting'), current_setting('govclone.family_adoptable');\n";
        await using var cmd = new NpgsqlCommand(sql, maintenance);
        string census = string.Empty, problem = string.Empty, fix = string.Empty, setting = string.Empty, adoptable = string.Empty;
        try
        {
            await using var r = await cmd.ExecuteReaderAsync(ct);
            do
            {
                while (await r.ReadAsync(ct))
                {
                    if (r.FieldCount == 5)
                    {
                        (census, problem, fix, setting, adoptable) = (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4));
                    }
                }
            }
            while (await r.NextResultAsync(ct));
        }
        catch (PostgresException ex) when (ex.SqlState == GovCloneErrorCodes.Guard)
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, ex.MessageText, ex.Hint ?? "name the clone directus_gov_test_<a-z0-9_>");
        }

        var entries = census.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var f = line.Split('|', 6);
            return new FamilyEntry(f[0], f[1], f[2], f[3], f[5], long.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : null);
        }).ToArray();
        return new FamilyCensus(entries, problem, fix, setting) { Adoptable = adoptable };
    }
}
