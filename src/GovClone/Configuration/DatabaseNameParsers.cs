using GovClone.Guards;

namespace GovClone.Configuration;

/// <summary>
/// The database-name keys' parsers (named in the <see cref="SettingKeys"/> table): the databases only read or connected
/// to, the clone and its template (checked as guards: nothing may be mutated under a wrong name), a branch stack's parent.
/// </summary>
internal static class DatabaseNameParsers
{
    /// <summary>A database that is only read or connected to (source, maintenance, app): validated as given, never trimmed.</summary>
    // A name with a space, newline or other control character in it (or around it) is refused, not silently repaired into another name.
    internal static object Identifier(SettingKey key, SettingsParseContext c)
    {
        var name = c.Name(key);
        DatabaseNameGuard.RequireIdentifier(name, key.ConfigKey);
        return name;
    }

    /// <summary>A branch stack names its parent clone (govclone:branchOf), which is the clone the settings describe.</summary>
    internal static object? BranchOf(SettingKey key, SettingsParseContext c)
    {
        var branchOfRaw = c.Raw(key);
        var branchOf = string.IsNullOrEmpty(branchOfRaw) ? null : branchOfRaw;
        if (branchOf is not null)
        {
            DatabaseNameGuard.RequireClone(branchOf, c.Value<string>(SettingKeys.SourceDatabase), key.ConfigKey);
        }

        return branchOf;
    }

    /// <summary>The clone name is checked as a guard: nothing may be mutated under a wrong name.</summary>
    internal static object Clone(SettingKey key, SettingsParseContext c)
    {
        var source = c.Value<string>(SettingKeys.SourceDatabase);
        var clone = c.Raw(key) ?? c.Value<string?>(SettingKeys.BranchOf) ?? key.Default!;
        DatabaseNameGuard.RequireClone(clone, source, key.ConfigKey);
        if (FamilyRules.ReservedEnding(clone) is { } reserved)
        {
            // clone x_spare would be clone x's spare, x_template its template: names of one family never name another's.
            throw new GuardException(key.ConfigKey, $"'{clone}' ends in {reserved.Suffix}, the suffix of a clone's {reserved.Role} (<clone>{reserved.Suffix}); it would collide with the family of '{clone[..^reserved.Suffix.Length]}'",
                $"name the clone so that it does not end in {string.Join(", ", FamilyRules.Reserved.Select(r => r.Suffix))}");
        }

        foreach (var companion in CloneFamily.Companions(clone))
        {
            // A clone is built in <clone>_next, retired to <clone>_old, kept ready as <clone>_spare: each must be a name
            // the guard passes (PostgreSQL would truncate a longer one into some other name).
            try
            {
                DatabaseNameGuard.RequireClone(companion, source, key.ConfigKey);
            }
            catch (GuardException ex)
            {
                throw new GuardException(key.ConfigKey, $"'{clone}' gives its companion database the name '{companion}', which is refused ({ex.Message})",
                    $"shorten govclone:cloneDatabase to at most {DatabaseNameGuard.MaxIdentifierBytes - CloneFamily.LongestSuffixBytes} bytes");
            }
        }

        return clone;
    }

    internal static object Template(SettingKey key, SettingsParseContext c)
    {
        var source = c.Value<string>(SettingKeys.SourceDatabase);
        var clone = c.Value<string>(SettingKeys.CloneDatabase);
        var templateRaw = c.Raw(key) ?? key.Default;
        if (!string.IsNullOrEmpty(templateRaw))
        {
            DatabaseNameGuard.RequireClone(templateRaw, source, key.ConfigKey);
            if (FamilyRules.ReservedEnding(templateRaw) is { Role: not FamilyRules.Roles.Template } reserved)
            {
                throw new GuardException(key.ConfigKey, $"'{templateRaw}' ends in {reserved.Suffix}, the suffix of a clone's {reserved.Role}; a template never takes another role's name",
                    $"name the template <clone>{FamilyRules.TemplateSuffix}, or any name that does not end in {string.Join(", ", FamilyRules.CompanionSuffixes)}");
            }

            return templateRaw;
        }

        // Derived from the clone's name: when it does not pass, the clone's name is what to change.
        var template = FamilyRules.NameOf(clone, FamilyRules.Roles.Template);
        try
        {
            DatabaseNameGuard.RequireClone(template, source, key.ConfigKey);
        }
        catch (GuardException ex)
        {
            throw new GuardException(SettingKeys.CloneDatabase.ConfigKey, $"'{clone}' gives the retained template the name '{template}', which is refused ({ex.Message})",
                $"shorten govclone:cloneDatabase (its template is <clone>_template), or set govclone:templateDatabase to a name of its own");
        }

        return template;
    }

    internal static object DatabaseList(SettingKey key, SettingsParseContext c)
    {
        var list = ValueParsers.ParseList(key, c.Optional(key));
        foreach (var db in list)
        {
            DatabaseNameGuard.RequireIdentifier(db, key.ConfigKey);
        }

        return list;
    }
}
