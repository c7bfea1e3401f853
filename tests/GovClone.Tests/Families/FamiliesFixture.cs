using System.Globalization;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Tests.Cli;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Families;

/// <summary>
/// Two govclone families on the one test server (issue 22): clone <see cref="A"/> with its retained template, its ready
/// spare and two branches (<c>rb</c>, <c>pr1</c>), and clone <see cref="X"/> with its template. Tests of the collection
/// run one after the other; each leaves both families as it found them (a test that changes one puts it back).
/// </summary>
public sealed class FamiliesFixture : IAsyncLifetime
{
    public const string A = "directus_gov_test_20260602";
    public const string X = "directus_gov_test_x";

    public TestServer Pg { get; private set; } = null!;

    public GovCloneSettings SettingsA { get; private set; } = null!;

    public GovCloneSettings SettingsX { get; private set; } = null!;

    /// <summary>The settings of every lever run on a family here: a template and a spare always kept, branches without a disk floor.</summary>
    public static IReadOnlyDictionary<string, string?> Kept { get; } = new Dictionary<string, string?>
    {
        ["retainTemplate"] = "true",
        ["keepSpare"] = "true",
        ["branchMinFreeBytes"] = "0",
    };

    public async Task InitializeAsync()
    {
        Pg = await TestServer.GetAsync();
        SettingsA = Pg.Settings(A, Kept);
        SettingsX = Pg.Settings(X, Kept) with { KeepSpare = KeepSpare.No };
        Assert.True((await new CloneLifecycle(SettingsA).UpAsync()).Verify.Passed);
        var branches = new BranchLifecycle(SettingsA);
        Assert.True((await branches.CreateAsync("rb", new BranchCreateOptions(SeedProfile.Committed, "tester"))).Passed);
        Assert.True((await branches.CreateAsync("pr1", new BranchCreateOptions(SeedProfile.Baseline, "tester"))).Passed);
        Assert.True((await new CloneLifecycle(SettingsX).UpAsync()).Verify.Passed);
    }

    public async Task DisposeAsync()
    {
        foreach (var name in new[] { "rb", "pr1" })
        {
            await new BranchLifecycle(SettingsA).DropAsync(name);
        }

        await new CloneLifecycle(SettingsA).DropAsync();
        await new CloneLifecycle(SettingsX).DropAsync();
    }

    /// <summary>The environment of the CLI for a lever on <paramref name="clone"/> (the lever's other settings come as <c>-c</c>).</summary>
    public Dictionary<string, string> Env(string clone) => new()
    {
        ["GOVCLONE_HOST"] = Pg.Server.Host,
        ["GOVCLONE_PORT"] = Pg.Server.Port.ToString(CultureInfo.InvariantCulture),
        ["GOVCLONE_TRANSPORT"] = "local",
        ["GOVCLONE_SSL_MODE"] = "disable",
        ["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory,
        ["GOVCLONE_CLONE_DATABASE"] = clone,
        ["GOVCLONE_LOCK_TIMEOUT_SECONDS"] = "600",
        ["GOVCLONE_PASSWORD"] = Pg.Password,
        ["GOVCLONE_STACK_FILE"] = "none",
        ["GOVCLONE_RETAIN_TEMPLATE"] = "true",
        ["GOVCLONE_KEEP_SPARE"] = clone == X ? "false" : "true",
        ["GOVCLONE_BRANCH_MIN_FREE_BYTES"] = "0",
    };

    /// <summary>govclone in-process (no terminal), for <paramref name="clone"/>; the password never shows.</summary>
    public async Task<(int Exit, string Out, string Err)> CliAsync(string clone, params string[] args) => await CliAsync(Env(clone), args);

    public async Task<(int Exit, string Out, string Err)> CliAsync(Dictionary<string, string> env, params string[] args)
    {
        var (exit, o, e) = await CliRunner.RunAsync(env, args);
        Assert.DoesNotContain(Pg.Password, o, StringComparison.Ordinal);
        Assert.DoesNotContain(Pg.Password, e, StringComparison.Ordinal);
        return (exit, o, e);
    }

    /// <summary>
    /// Every database of both families and their branches, byte for byte as far as it can be read without changing it:
    /// its catalog row (oid, comment: the marker, ACL, template and connection flags, connection limit), its database
    /// settings, and its contents: for a connectable one every user table's rows (md5) and every relation's relfilenode;
    /// for a connection-free one (a template, a spare) the name, size and modification time of every file of it.
    /// </summary>
    public async Task<SortedDictionary<string, string>> SnapshotAsync()
    {
        var rows = new List<(string Name, uint Oid, string Row, bool Connectable)>();
        await using (var conn = await Pg.OpenAsync("postgres"))
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT d.datname, d.oid,
                       concat_ws('|', d.oid, coalesce(shobj_description(d.oid, 'pg_database'), '<none>'), coalesce(d.datacl::text, '<default>'),
                                 d.datistemplate, d.datallowconn, d.datconnlimit,
                                 (SELECT string_agg(coalesce(s.setrole::regrole::text, '-') || ':' || array_to_string(s.setconfig, ','), ';' ORDER BY s.setrole)
                                  FROM pg_db_role_setting s WHERE s.setdatabase = d.oid)),
                       d.datallowconn AND d.datconnlimit <> -2
                FROM pg_database d
                WHERE left(d.datname, length($1)) = $1 OR left(d.datname, length($2)) = $2
                ORDER BY 1
                """, conn);
            cmd.Parameters.AddWithValue(A);
            cmd.Parameters.AddWithValue(X);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                rows.Add((r.GetString(0), r.GetFieldValue<uint>(1), r.GetString(2), r.GetBoolean(3)));
            }
        }

        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, oid, row, connectable) in rows)
        {
            snapshot[name] = row + "|" + (connectable ? await ContentsAsync(name) : Files(oid));
        }

        return snapshot;
    }

    public async Task<string> ContentsAsync(string database)
    {
        const string sql = """
            SELECT coalesce(string_agg(format('%s=%s', c.oid::regclass, c.relfilenode), ',' ORDER BY c.oid::regclass::text), '')
                   || '#' ||
                   coalesce((SELECT string_agg(format('%I.%I=%s', n.nspname, t.relname,
                               (xpath('/row/d/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text), '''')) AS d FROM %I.%I x', n.nspname, t.relname), false, true, '')))[1]::text),
                               ',' ORDER BY n.nspname, t.relname)
                             FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
                             WHERE t.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'i', 't', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_temp%'
            """;
        try
        {
            return (string?)await Pg.ScalarAsync(database, sql) ?? string.Empty;
        }
        catch (PostgresException ex)
        {
            return "unreadable: " + ex.SqlState;
        }
    }

    private string Files(uint oid)
    {
        var dir = Path.Combine(Pg.Server.DataDirectory, "base", oid.ToString(CultureInfo.InvariantCulture));
        if (!Directory.Exists(dir))
        {
            return "no files";
        }

        return string.Join(',', new DirectoryInfo(dir).GetFiles().OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}")));
    }

    /// <summary>The names (of <paramref name="before"/> and <paramref name="after"/>) whose entries differ.</summary>
    public static IReadOnlyList<string> Changed(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)).Order(StringComparer.Ordinal).ToArray();
}

[CollectionDefinition(Name)]
public sealed class FamiliesOnOneServer : ICollectionFixture<FamiliesFixture>
{
    public const string Name = "two families on one server";
}
