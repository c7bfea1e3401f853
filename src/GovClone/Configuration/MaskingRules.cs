using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GovClone.Configuration;

/// <summary>A masking profile: which of production's columns a clone never holds in clear (docs/masking.md).</summary>
public enum MaskingProfile
{
    /// <summary>An exact copy, chosen explicitly (<c>govclone:masking none</c>).</summary>
    None,

    /// <summary>The default: passwords, tokens, secrets (Directus's password hashes, static tokens, TOTP secrets, session tokens, share passwords).</summary>
    Credentials,

    /// <summary>Credentials plus people's emails, names, IP addresses and user agents.</summary>
    Personal,
}

/// <summary>One column's masking: <c>schema.table.column: strategy</c>.</summary>
/// <param name="Schema">The table's schema (public unless the rule names one).</param>
/// <param name="Table">The table.</param>
/// <param name="Column">The column.</param>
/// <param name="Strategy">null | constant | hash | email | redact | keep.</param>
/// <param name="Value">The constant of <c>constant:VALUE</c>; null otherwise.</param>
/// <param name="FromProfile">A profile's default: skipped where the source has no such column (an explicit rule is refused).</param>
public sealed record MaskingRule(string Schema, string Table, string Column, string Strategy, string? Value, bool FromProfile)
{
    /// <summary>The rule as written: <c>table.column: strategy</c> (the schema shown when not public).</summary>
    public string Text => (Schema == "public" ? string.Empty : Schema + ".") + Table + "." + Column + ": " + StrategyText;

    /// <summary><c>constant:VALUE</c>, or the strategy's word.</summary>
    public string StrategyText => Value is null ? Strategy : Strategy + ":" + Value;

    /// <summary>The column as <c>schema.table.column</c>.</summary>
    public string ColumnName => Schema + "." + Table + "." + Column;

    /// <summary>The rule as the engine and sql/engine/mask_*.sql read it: <c>[?]schema.table.column=strategy[:VALUE]</c> (<c>?</c>: a profile's default).</summary>
    public string EngineText => (FromProfile ? "?" : string.Empty) + ColumnName + "=" + StrategyText;
}

/// <summary>
/// <c>govclone:masking</c>: a profile (<c>credentials</c>, the default; <c>personal</c>; <c>none</c>) and per-column rules
/// <c>table.column: strategy</c>, comma-separated or a YAML list, e.g. <c>personal, directus_users.first_name: constant:Ada</c>.
/// Strategies: <c>null</c>, <c>constant:VALUE</c>, <c>hash</c> (deterministic, keyed per clone family), <c>email</c> (a hashed
/// local part at example.invalid), <c>redact</c> (x's, same length), <c>keep</c> (lifts a profile's default). What can be
/// checked without a database is checked here (the CLI and the Pulumi program parse through it); the source's catalog
/// is checked by <c>GovClone.Masking.MaskingValidator</c> before anything runs.
/// </summary>
public sealed record MaskingRules(MaskingProfile Profile, IReadOnlyList<MaskingRule> Rules)
{
    /// <summary>The domain of the <c>email</c> strategy's addresses: reserved, never deliverable (RFC 2606).</summary>
    public const string EmailDomain = "example.invalid";

    /// <summary>The strategies a rule may name.</summary>
    public static IReadOnlyList<string> Strategies { get; } = ["null", "constant:VALUE", "hash", "email", "redact", "keep"];

    /// <summary>
    /// The tables the seed and the regression suite write and read (sql/metrics.sql, seed_committed_state.sql,
    /// reset_in_place.sql, foreign_rows.sql, worker_leases.sql): masking any column of theirs is refused.
    /// </summary>
    public static IReadOnlyList<string> GovernanceTables { get; } =
    [
        "directus_collections", "governance_object_ownership", "governance_ruleset", "candidate_scan_run",
        "governance_candidate_state", "governance_candidate_object", "gov_worker_cursor", "gov_emit_event",
        "gov_worker_lease", "dot_tools",
    ];

    /// <summary>The <c>credentials</c> profile: Directus's secrets (docs/masking.md says why each).</summary>
    public static IReadOnlyList<MaskingRule> CredentialsDefaults { get; } =
    [
        Default("directus_users", "password", "null"),
        Default("directus_users", "token", "null"),
        Default("directus_users", "tfa_secret", "null"),
        Default("directus_users", "auth_data", "null"),
        Default("directus_sessions", "token", "hash"),
        Default("directus_sessions", "next_token", "hash"),
        Default("directus_shares", "password", "null"),
    ];

    /// <summary>The <c>personal</c> profile's additions to <see cref="CredentialsDefaults"/>.</summary>
    public static IReadOnlyList<MaskingRule> PersonalDefaults { get; } =
    [
        Default("directus_users", "email", "email"),
        Default("directus_users", "first_name", "redact"),
        Default("directus_users", "last_name", "redact"),
        Default("directus_users", "external_identifier", "hash"),
        Default("directus_users", "location", "redact"),
        Default("directus_users", "title", "redact"),
        Default("directus_users", "description", "redact"),
        Default("directus_users", "avatar", "null"),
        Default("directus_sessions", "ip", "constant:192.0.2.1"),
        Default("directus_sessions", "user_agent", "redact"),
        Default("directus_activity", "ip", "constant:192.0.2.1"),
        Default("directus_activity", "user_agent", "redact"),
    ];

    /// <summary>The default: the <c>credentials</c> profile, no rules of its own.</summary>
    public static MaskingRules Default() => new(MaskingProfile.Credentials, []);

    /// <summary>The rules in force: the profile's defaults, then each explicit rule (replacing a default of the same column); <c>keep</c> lifts one.</summary>
    public IReadOnlyList<MaskingRule> Effective
    {
        get
        {
            var byColumn = new Dictionary<string, MaskingRule>(StringComparer.Ordinal);
            var order = new List<string>();
            IEnumerable<MaskingRule> defaults = Profile switch
            {
                MaskingProfile.Credentials => CredentialsDefaults,
                MaskingProfile.Personal => CredentialsDefaults.Concat(PersonalDefaults),
                _ => [],
            };
            foreach (var rule in defaults.Concat(Rules))
            {
                if (!byColumn.ContainsKey(rule.ColumnName))
                {
                    order.Add(rule.ColumnName);
                }

                byColumn[rule.ColumnName] = rule;
            }

            return order.Select(c => byColumn[c]).Where(r => r.Strategy != "keep").ToArray();
        }
    }

    /// <summary>Whether the clone is an exact copy (no rule in force).</summary>
    public bool IsNone => Effective.Count == 0;

    /// <summary>
    /// The masking's identity, as the clone's, template's and spare's markers carry it (<c>masking=…</c>): <c>none</c>, or the
    /// profile's name and the first 12 hex digits of a SHA-256 of the rules in force (so a change of any rule makes the
    /// clone not current). No space, no secret: the rules are configuration.
    /// </summary>
    public string Identity
    {
        get
        {
            if (IsNone)
            {
                return "none";
            }

            var text = string.Join(";", Effective.Select(r => r.EngineText));
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            return ProfileWord(Profile) + "-" + hash[..12];
        }
    }

    /// <summary>What <c>GOVCLONE_MASKING</c> carries to the engine (sql/engine/mask_*.sql read it as <c>govclone.masking</c>): the rules in force, <c>;</c>-separated.</summary>
    public string EngineText => string.Join(";", Effective.Select(r => r.EngineText));

    /// <summary>The setting as it reads back: the profile, then the explicit rules.</summary>
    public override string ToString() =>
        string.Join(", ", new[] { ProfileWord(Profile) }.Concat(Rules.Select(r => r.Text)));

    /// <summary>The profile's word.</summary>
    public static string ProfileWord(MaskingProfile p) => p switch
    {
        MaskingProfile.None => "none",
        MaskingProfile.Credentials => "credentials",
        MaskingProfile.Personal => "personal",
        _ => throw new ArgumentOutOfRangeException(nameof(p), p, "unknown masking profile"),
    };

    /// <summary>
    /// Parses <paramref name="items"/> (the setting's list): at most one profile word, first; then <c>[schema.]table.column: strategy</c>
    /// items. Refuses, naming the item and the fix: an unknown profile or strategy, a malformed column, a column named twice,
    /// a constant holding <c>;</c> or a control character, a governance table.
    /// </summary>
    public static MaskingRules Parse(IReadOnlyList<string> items, string setting = "govclone:masking")
    {
        ArgumentNullException.ThrowIfNull(items);
        var profile = MaskingProfile.Credentials;
        var rules = new List<MaskingRule>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i].Trim();
            if (!item.Contains(':', StringComparison.Ordinal))
            {
                if (i != 0)
                {
                    throw new ConfigurationException(setting, $"'{item}' is not a rule (table.column: strategy), and a profile comes first",
                        "write the profile (credentials, personal or none) first, then rules like directus_users.email: email");
                }

                profile = item.ToLowerInvariant() switch
                {
                    "credentials" => MaskingProfile.Credentials,
                    "personal" => MaskingProfile.Personal,
                    "none" => MaskingProfile.None,
                    _ => throw new ConfigurationException(setting, $"'{item}' is not a masking profile",
                        "use credentials (the default: passwords, tokens, secrets), personal (credentials plus emails, names, IPs, user agents) or none (an exact copy)"),
                };
                continue;
            }

            var rule = ParseRule(item, setting);
            if (rules.Any(r => r.ColumnName == rule.ColumnName))
            {
                throw new ConfigurationException(setting, $"rule '{item}' names {rule.ColumnName} a second time", "give each column one rule");
            }

            rules.Add(rule);
        }

        return new MaskingRules(profile, rules);
    }

    private static MaskingRule ParseRule(string item, string setting)
    {
        var colon = item.IndexOf(':', StringComparison.Ordinal);
        var column = item[..colon].Trim();
        var strategy = item[(colon + 1)..].Trim();
        var parts = column.Split('.');
        if (parts.Length is < 2 or > 3 || parts.Any(p => !IsIdentifier(p)))
        {
            throw new ConfigurationException(setting, $"rule '{item}': '{column}' is not table.column (or schema.table.column) of plain names",
                "name the column as table.column, lower-case letters, digits and _ (e.g. directus_users.email)");
        }

        var (schema, table, col) = parts.Length == 3 ? (parts[0], parts[1], parts[2]) : ("public", parts[0], parts[1]);
        if (GovernanceTables.Contains(table, StringComparer.Ordinal))
        {
            throw new ConfigurationException(setting, $"rule '{item}' masks {table}, a governance table the seed and the regression suite need as they are",
                "remove the rule: governance tables (" + string.Join(", ", GovernanceTables) + ") are copied exactly");
        }

        string? value = null;
        var word = strategy.ToLowerInvariant();
        if (word.StartsWith("constant:", StringComparison.Ordinal))
        {
            value = strategy["constant:".Length..];
            word = "constant";
            if (value.Length == 0 || value.Any(c => c == ';' || char.IsControl(c)))
            {
                throw new ConfigurationException(setting, $"rule '{item}': the constant is empty or holds ';' or a control character",
                    "give constant:VALUE a plain value without ';' (it may not contain ',' either, which separates rules)");
            }
        }

        if (word is not ("null" or "constant" or "hash" or "email" or "redact" or "keep"))
        {
            throw new ConfigurationException(setting, $"rule '{item}': '{strategy}' is not a masking strategy",
                "use one of " + string.Join(", ", Strategies));
        }

        return new MaskingRule(schema, table, col, word, value, FromProfile: false);
    }

    private static bool IsIdentifier(string s) =>
        s.Length is > 0 and <= 63 && (char.IsAsciiLetterLower(s[0]) || s[0] == '_')
        && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_' || c == '$');

    private static MaskingRule Default(string table, string column, string strategy)
    {
        var colon = strategy.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? new MaskingRule("public", table, column, strategy, null, FromProfile: true)
            : new MaskingRule("public", table, column, strategy[..colon], strategy[(colon + 1)..], FromProfile: true);
    }

    /// <summary>For messages: the number of rules in force, as text.</summary>
    public string Summary => IsNone
        ? "none (an exact copy)"
        : string.Create(CultureInfo.InvariantCulture, $"{ProfileWord(Profile)} ({Effective.Count} rule(s): {string.Join(", ", Effective.Select(r => r.Text))})");
}
