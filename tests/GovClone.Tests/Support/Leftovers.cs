using GovClone.Guards;

namespace GovClone.Tests.Support;

/// <summary>Companions as an interrupted run leaves them: created, and marked as the engine marks them at once (the markers name the family).</summary>
public static class Leftovers
{
    /// <summary>Creates <c>&lt;clone&gt;_&lt;role&gt;</c> (next, old, spare or bspare) marked as a run cut short leaves it: building, or old.</summary>
    public static async Task CreateAsync(TestServer pg, string clone, string role)
    {
        ArgumentNullException.ThrowIfNull(pg);
        var name = FamilyRules.NameOf(clone, role);
        var marker = role == FamilyRules.Roles.Old
            ? FamilyRules.Marker(MarkerKinds.Old).Text(clone)
            : FamilyRules.Marker(MarkerKinds.Building).Text(clone, role);
        await pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\"");
        await pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{name}\" IS '{marker} at=2026-06-02T00:00:00Z'");
    }

    /// <summary><see cref="CreateAsync"/> for each companion of <paramref name="clone"/> that does not exist (every role of the family but the clone and its template).</summary>
    public static async Task CreateMissingCompanionsAsync(TestServer pg, string clone)
    {
        ArgumentNullException.ThrowIfNull(pg);
        foreach (var role in FamilyRules.Roles.Family.Where(r => r is not FamilyRules.Roles.Clone and not FamilyRules.Roles.Template))
        {
            if (!await pg.DatabaseExistsAsync(FamilyRules.NameOf(clone, role)))
            {
                await CreateAsync(pg, clone, role);
            }
        }
    }
}
