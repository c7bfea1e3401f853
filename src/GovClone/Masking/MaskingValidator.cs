using GovClone.Configuration;
using GovClone.Engine;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Masking;

/// <summary>
/// The check of govclone:masking against the source's catalog, before anything runs (sql/engine/mask_rules.sql +
/// mask_check.sql, in one read-only transaction ended by sql/engine/source_check.sql): a rule naming a missing table or
/// column, null on a NOT NULL column, constant or redact on a UNIQUE one, a strategy the type cannot take, a foreign key
/// only half hashed, is refused (exit 2) naming the rule and the fix. The syntax (profile, strategies, governance tables)
/// is <see cref="MaskingRules.Parse"/>'s, at parse time, for the CLI and the Pulumi program alike.
/// </summary>
public static class MaskingValidator
{
    /// <summary>The rules that cannot run, as (rule, problem, fix); none when every rule can.</summary>
    public static async Task<IReadOnlyList<(string Rule, string Problem, string Fix)>> ProblemsAsync(NpgsqlConnection source, MaskingRules rules, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rules);
        var problems = new List<(string, string, string)>();
        if (rules.IsNone)
        {
            return problems;
        }

        await using (var begin = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", source))
        {
            await begin.ExecuteNonQueryAsync(ct);
        }

        try
        {
            await using (var set = new NpgsqlCommand("SELECT set_config('govclone.masking', @m, true)", source))
            {
                set.Parameters.AddWithValue("m", rules.EngineText);
                await set.ExecuteNonQueryAsync(ct);
            }

            await using (var cmd = new NpgsqlCommand(SqlScripts.ForNpgsql(EngineFiles.RawSql("mask_rules.sql") + EngineFiles.RawSql("mask_check.sql")), source))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    problems.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
                }
            }

            await using var check = new NpgsqlCommand(EngineFiles.GetSql("source_check.sql"), source);
            await check.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", source);
            await rollback.ExecuteNonQueryAsync(ct);
        }

        return problems;
    }

    /// <summary>Refuses (a <see cref="ConfigurationException"/>, exit 2) the first rule that cannot run; nothing is changed.</summary>
    public static async Task RequireValidAsync(Connections connections, GovCloneSettings s, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(s);
        if (s.Masking.IsNone)
        {
            return;
        }

        await using var source = await connections.OpenSourceAsync(ct);
        var problems = await ProblemsAsync(source, s.Masking, ct);
        if (problems.Count > 0)
        {
            var (rule, problem, fix) = problems[0];
            var more = problems.Count > 1 ? $" (and {problems.Count - 1} more: {string.Join("; ", problems.Skip(1).Select(p => p.Rule + ": " + p.Problem))})" : string.Empty;
            throw new ConfigurationException(SettingKeys.Masking.ConfigKey, $"rule '{rule}': {problem}{more}", fix);
        }
    }
}
