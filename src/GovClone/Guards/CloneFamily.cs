namespace GovClone.Guards;

/// <summary>
/// The databases of one clone's family: the clone, its retained template (govclone:templateDatabase) and the
/// companions a clone is built, retired and kept ready in: <c>&lt;clone&gt;_next</c>, <c>&lt;clone&gt;_old</c>,
/// <c>&lt;clone&gt;_spare</c>. Every name passes <see cref="DatabaseNameGuard.RequireClone"/> (the parser refuses a clone
/// name too long for its companions), and <c>drop</c> removes every one that exists.
/// </summary>
public static class CloneFamily
{
    /// <summary>Suffixes of the companions, after the clone's name (<see cref="FamilyRules.CompanionSuffixes"/>).</summary>
    public static IReadOnlyList<string> CompanionSuffixes => FamilyRules.CompanionSuffixes;

    /// <summary>The longest companion suffix: a clone name leaves room for it within 63 bytes.</summary>
    public static int LongestSuffixBytes => CompanionSuffixes.Max(s => s.Length);

    /// <summary><c>&lt;clone&gt;_next</c>, <c>_old</c>, <c>_spare</c>.</summary>
    public static IReadOnlyList<string> Companions(string clone) => CompanionSuffixes.Select(s => clone + s).ToArray();

    /// <summary>
    /// Every database of the family by its role (<see cref="FamilyRules.Roles.Family"/>): the clone, its retained template
    /// (<paramref name="template"/>: govclone:templateDatabase), <c>&lt;clone&gt;_next</c>, <c>_old</c>, <c>_spare</c>.
    /// </summary>
    public static IReadOnlyList<(string Role, string Name)> ByRole(string clone, string template) =>
        FamilyRules.Roles.Family.Select(role => (role, role == FamilyRules.Roles.Template ? template : FamilyRules.NameOf(clone, role))).ToArray();

    /// <summary>The clone, then its retained template, then its companions: each guarded, none twice.</summary>
    /// <remarks><see cref="Configuration.GovCloneSettings.CloneFamily"/> calls it with the settings' names and keys.</remarks>
    public static IReadOnlyList<string> All(string clone, string template, string source, string cloneSetting, string templateSetting)
    {
        var names = new List<string> { clone, template };
        names.AddRange(Companions(clone));
        var all = names.Distinct(StringComparer.Ordinal).ToArray();
        foreach (var name in all)
        {
            DatabaseNameGuard.RequireClone(name, source, name == template ? templateSetting : cloneSetting);
        }

        return all;
    }

    /// <summary>DROP DATABASE IF EXISTS … WITH (FORCE) (not inside a transaction block; after ServerScripts.ReleaseFamilySql).</summary>
    public static string DropSql(string database) => $"DROP DATABASE IF EXISTS {DatabaseNameGuard.QuoteIdentifier(database)} WITH (FORCE);";
}
