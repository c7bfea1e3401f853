using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>
/// <c>branch create NAME</c> under the branch's own lock: the parent's family checked, the copy when the branch is not
/// complete (<see cref="BranchCopy"/>), the seed when the suite differs, the suite, the use recorded, and what the branch
/// lacks of the source.
/// </summary>
internal sealed class BranchCreate(GovCloneSettings settings, BranchDatabases databases, BranchCopy copier, BranchSteps stepLog)
{
    /// <summary>
    /// <c>branch create NAME</c>: converges the branch. Absent (or left incomplete by a create cut short): renames the ready
    /// branch spare when it is a copy of the current retained template, else copies the template, within the budget, and
    /// marks it complete once the copy is proven whole. Then seeds it to the
    /// profile when the suite differs, runs the suite, and records the use. A second create copies nothing.
    /// </summary>
    public async Task<BranchCreateResult> CreateAsync(string name, BranchCreateOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var branch = BranchName.Of(settings, name);
        if (!BranchMarker.IsOwnerLabel(options.Owner))
        {
            throw new ConfigurationException("--owner", $"'{options.Owner}' is not an owner label", $"use 1 to {BranchMarker.MaxOwnerLength} of letters, digits and . _ @ : -, e.g. pr-123 or your login");
        }

        var on = databases.On(branch);
        var connections = new Connections(on);
        await using var runLock = await RunLock.AcquireAsync(connections, on, "branch create", ct);
        var maintenance = runLock.Maintenance;
        await databases.RequireSourceAsync(maintenance, ct);
        await RequireParentFamilyAsync(maintenance, ct);
        var steps = new List<LeverResult>();
        var existing = await databases.FindAsync(maintenance, branch, ct);
        var copy = existing is not { State: BranchState.Complete };
        var total = copy ? 5 : 2;
        var n = 0;
        if (copy)
        {
            steps.AddRange(await copier.CopyAsync(branch, existing, options, runLock, () => ++n, total, ct));
        }

        // Seed (only when the suite differs), then the suite: the same files and the same rules as the clone's levers.
        var seedStep = stepLog.Start(++n, total, "seed", $"seed {branch.Database} to the {Word(options.Profile)} profile when the suite differs (sql/{(options.Profile == SeedProfile.Committed ? "seed_committed_state.sql" : "reset_in_place.sql")})");
        try
        {
            steps.Add(await BranchSeeding.SeedAsync(connections, branch.Database, options.Profile, purgeForeign: false, onlyWhenSuiteDiffers: true, ct));
        }
        catch (StateNotReachedException ex)
        {
            steps.Add(new LeverResult("seed", true, ex.Message));
        }

        stepLog.Finish(seedStep);
        var suiteStep = stepLog.Start(++n, total, "suite", $"regression suite on {branch.Database} ({Word(options.Profile)})");
        var verify = await BranchSeeding.SuiteAsync(connections, on, options.Profile, ct);
        stepLog.Finish(suiteStep);
        await databases.TouchAsync(maintenance, branch, ct);
        var info = await databases.FindAsync(maintenance, branch, ct);
        return new BranchCreateResult(branch, copy, steps, verify, info)
        {
            Production = copier.MadeTemplateProduction ?? ProductionReport.NotRead,
            FidelityGaps = await FidelityGapsAsync(maintenance, branch, ct),
            UsedBranchSpare = copy && copier.UsedBranchSpare,
            SpareDue = copy && settings.KeepBranchSpare && settings.RetainTemplate != RetainTemplate.No,
        };
    }

    /// <summary>
    /// The parent's family as the server knows it: refuses (exit 2, nothing changed) when the clone's or the template's
    /// name is another family's or another role's database, or an unmarked one (family_guard.sql's census), so no
    /// branch lever works from, or advises re-cloning, a database that is not this clone's.
    /// </summary>
    private async Task RequireParentFamilyAsync(NpgsqlConnection maintenance, CancellationToken ct)
    {
        var census = await FamilyCensus.ReadAsync(maintenance, settings, ct);
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
        var template = await copier.ReadTemplateAsync(maintenance, ct);
        if (FamilyMarker.Parse(template.Comment, settings.TemplateDatabase)?["fidelity"] == Fidelity.Partial)
        {
            gaps.Add($"the retained template {settings.TemplateDatabase} was cloned by a role that is not a superuser (its marker says fidelity=partial): the branch's objects are owned by that role and carry no GRANT of the source");
        }

        await using var cmd = new NpgsqlCommand(sql, maintenance);
        cmd.Parameters.AddWithValue(settings.TemplateDatabase);
        cmd.Parameters.AddWithValue(branch.Database);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var role = r.GetString(0);
            gaps.Add($"{branch.Database} lacks {(role.Length == 0 ? "ALTER DATABASE SET" : $"ALTER ROLE {role} IN DATABASE SET")} {r.GetString(1)}, which the clone and its template carry (this role may not make it)");
        }

        return gaps;
    }

    private static string Word(SeedProfile profile) => profile.ToString().ToLowerInvariant();
}
