using System.Diagnostics;
using System.Security.Cryptography;
using GovClone.Configuration;
using Npgsql;

namespace GovClone.Tests.Support;

/// <summary>
/// What every harness that drives a private server and the built govclone needs (the tests, the fault
/// runner and bench/clone link this one file): a work folder the postgres account can reach, a throwaway
/// password, govclone started as a user starts it with the password only in its environment, and the
/// table-by-table digest that says a clone equals its source.
/// </summary>
public static class LabKit
{
    /// <summary>GovClone.Cli.dll beside the running harness (its project references the CLI).</summary>
    public static string FindCli(string harnessProject)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "GovClone.Cli.dll");
        if (!File.Exists(cli))
        {
            throw new FileNotFoundException($"GovClone.Cli.dll is not beside the harness; build {harnessProject}", cli);
        }

        return cli;
    }

    /// <summary>A fresh temp folder, mode 0755: the postgres account must reach the data folder inside it.</summary>
    public static string CreateWorkDirectory(string name)
    {
        var work = Directory.CreateTempSubdirectory($"govclone-{name}-{Environment.ProcessId}-").FullName;
        File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101);
        return work;
    }

    public static string NewPassword(string prefix) =>
        prefix + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();

    /// <summary>
    /// govclone with <paramref name="args"/> and the stack file (none when <paramref name="stackFile"/> is
    /// empty), the password only as GOVCLONE_PASSWORD; <paramref name="env"/> adds or (null) removes variables.
    /// </summary>
    public static ProcessStartInfo CliStartInfo(string cliDll, string workDirectory, string stackFile, string password,
        IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        psi.ArgumentList.Add(cliDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (stackFile.Length > 0)
        {
            psi.ArgumentList.Add("--stack-file");
            psi.ArgumentList.Add(stackFile);
        }

        psi.Environment["GOVCLONE_PASSWORD"] = password;
        psi.Environment.Remove("PGPASSWORD");
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null)
            {
                psi.Environment.Remove(k);
            }
            else
            {
                psi.Environment[k] = v;
            }
        }

        return psi;
    }

    /// <summary>
    /// A masked copy's check, independent of govclone's own proof: for each column the masking <paramref name="profile"/>
    /// masks (and the source has), the distinct non-NULL values of <paramref name="copy"/> and how many of them are also
    /// values of the source's same column (a constant rule's own value excepted). Every Production count must be 0.
    /// </summary>
    public static async Task<IReadOnlyList<(string Column, long Values, long Production)>> MaskedValuesLeftAsync(NpgsqlConnection source, NpgsqlConnection copy, string profile)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(copy);
        var result = new List<(string, long, long)>();
        foreach (var rule in GovClone.Configuration.MaskingRules.Parse([profile]).Effective)
        {
            await using (var has = new NpgsqlCommand("SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3", source))
            {
                has.Parameters.AddWithValue(rule.Schema);
                has.Parameters.AddWithValue(rule.Table);
                has.Parameters.AddWithValue(rule.Column);
                if ((long)(await has.ExecuteScalarAsync())! == 0)
                {
                    continue; // a default of the profile this source has no column for (auth_data)
                }
            }

            var sql = $"SELECT DISTINCT \"{rule.Column}\"::text FROM \"{rule.Schema}\".\"{rule.Table}\" WHERE \"{rule.Column}\" IS NOT NULL";
            var production = await DistinctAsync(source, sql);
            if (rule.Value is { } constant)
            {
                production.Remove(constant);
            }

            var values = await DistinctAsync(copy, sql);
            result.Add((rule.ColumnName, values.Count, values.Count(production.Contains)));
        }

        return result;

        static async Task<HashSet<string>> DistinctAsync(NpgsqlConnection conn, string sql)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                set.Add(reader.GetString(0));
            }

            return set;
        }
    }

    /// <summary>
    /// Every user table's exact row count and row checksum (sum of hashtext of the row's text), by name. The columns a
    /// masking profile may rewrite (<see cref="MaskingRules.CredentialsDefaults"/> and <see cref="MaskingRules.PersonalDefaults"/>:
    /// a clone is masked by default, issue 25) are left out of the row's text on both sides, so "clone = source" still
    /// holds for every other column and every row; tests/GovClone.Tests/Masking checks those columns by value instead.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> TableDigestsAsync(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var masked = MaskingRules.CredentialsDefaults.Concat(MaskingRules.PersonalDefaults)
            .GroupBy(r => $"{r.Schema}.{r.Table}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Column).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var tables = new List<(string Quoted, string Plain)>();
        await using (var list = new NpgsqlCommand("SELECT format('%I.%I', schemaname, tablename), schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1", connection))
        await using (var r = await list.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                tables.Add((r.GetString(0), r.GetString(1)));
            }
        }

        var digests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (t, plain) in tables)
        {
            var row = masked.TryGetValue(plain, out var columns)
                ? "(to_jsonb(x)" + string.Concat(columns.Select(c => " - '" + c + "'")) + ")::text"
                : "x::text";
            await using var cmd = new NpgsqlCommand($"SELECT count(*) || ' rows, checksum ' || coalesce(sum(hashtext({row})::bigint), 0) FROM {t} x", connection) { CommandTimeout = 0 };
            digests[t] = (string)(await cmd.ExecuteScalarAsync())!;
        }

        return digests;
    }
}

/// <summary>
/// A live writer on the source: each transaction inserts an activity row and a revision pointing at it. The
/// two tables are copied separately, so only a clone taken at one snapshot holds as many of the one as of
/// the other (and lets the foreign key be built).
/// </summary>
public sealed class PairWriter : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _tag;
    private long _written;

    private PairWriter(string connectionString, string tag)
    {
        _tag = tag;
        _loop = Task.Run(async () =>
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                WITH a AS (INSERT INTO directus_activity (action, "timestamp", collection, item, origin)
                           VALUES ('update', now(), $2, $1, $2) RETURNING id)
                INSERT INTO directus_revisions (activity, collection, item) SELECT id, $2, $1 FROM a
                """, conn);
            var item = cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar, Value = tag });
            while (!_stop.IsCancellationRequested)
            {
                item.Value = Interlocked.Increment(ref _written).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await cmd.ExecuteNonQueryAsync();
            }
        });
    }

    /// <summary>Pairs committed (or being committed) so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Starts writing, and returns once <paramref name="warmup"/> pairs are in.</summary>
    public static async Task<PairWriter> StartAsync(string connectionString, string tag, long warmup)
    {
        var writer = new PairWriter(connectionString, tag);
        while (writer.Written < warmup && !writer._loop.IsCompleted)
        {
            await Task.Delay(10);
        }

        await (writer._loop.IsCompleted ? writer._loop : Task.CompletedTask); // a writer that failed says why
        return writer;
    }

    /// <summary>In a clone: this writer's activity rows, its revisions, and revisions of any kind whose activity is missing.</summary>
    public async Task<(long Activity, long Revisions, long Orphans)> CountAsync(NpgsqlConnection clone)
    {
        ArgumentNullException.ThrowIfNull(clone);
        await using var cmd = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM directus_activity WHERE origin = $1),
                   (SELECT count(*) FROM directus_revisions WHERE collection = $1),
                   (SELECT count(*) FROM directus_revisions r WHERE NOT EXISTS (SELECT 1 FROM directus_activity a WHERE a.id = r.activity))
            """, clone);
        cmd.Parameters.AddWithValue(_tag);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
