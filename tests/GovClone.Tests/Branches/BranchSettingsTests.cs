using System.Globalization;
using System.Text.Json.Nodes;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Tests.Cli;
using GovClone.Tests.Support;

namespace GovClone.Tests.Branches;

/// <summary>
/// Issue 22.4: a branch carries what a clone carries: the source's database-level settings (ALTER DATABASE … SET,
/// ALTER ROLE … IN DATABASE … SET), and its result reports every fidelity gap as a clone's does, and lists what is
/// govclone's own by design (the comment holding the marker, the ACL closing it to PUBLIC) instead of claiming "full".
/// </summary>
public sealed class BranchSettingsTests : CloneTestBase
{
    private readonly string _source = "branchset_src_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..6];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GovClone.Sandbox.SourceGenerator.EnsureAsync(Pg.Server, _source); // the governance stand-in, so the branch's suite runs
        await Pg.ExecuteAsync(_source, "CREATE SCHEMA rich; CREATE TABLE rich.wide (id int PRIMARY KEY, v text); INSERT INTO rich.wide SELECT g, md5(g::text) FROM generate_series(1, 500) g;");
        await Pg.ExecuteAsync("postgres", $"""
            ALTER DATABASE {_source} SET search_path = public, rich, "$user";
            ALTER ROLE {Pg.Server.SuperUser} IN DATABASE {_source} SET work_mem = '16MB';
            """);
    }

    public override async Task DisposeAsync()
    {
        var s = Settings with { SourceDatabase = _source };
        await new BranchLifecycle(s).DropAsync("s1");
        foreach (var sql in CloneLifecycle.DropStatements(s))
        {
            await Pg.ExecuteAsync("postgres", sql);
        }

        Npgsql.NpgsqlConnection.ClearAllPools();
        await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {_source} WITH (FORCE)");
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_branch_of_a_source_with_database_settings_carries_them_and_reports_govclones_own()
    {
        var s = Settings with { SourceDatabase = _source, RetainTemplate = RetainTemplate.Yes, BranchMinFreeBytes = 0 };
        Assert.True((await new CloneLifecycle(s).CloneAsync()).Changed);
        var env = new Dictionary<string, string>
        {
            ["GOVCLONE_HOST"] = Pg.Server.Host,
            ["GOVCLONE_PORT"] = Pg.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["GOVCLONE_TRANSPORT"] = "local",
            ["GOVCLONE_SSL_MODE"] = "disable",
            ["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory,
            ["GOVCLONE_CLONE_DATABASE"] = Clone,
            ["GOVCLONE_SOURCE_DATABASE"] = _source,
            ["GOVCLONE_RETAIN_TEMPLATE"] = "true",
            ["GOVCLONE_BRANCH_MIN_FREE_BYTES"] = "0",
            ["GOVCLONE_PASSWORD"] = Pg.Password,
            ["GOVCLONE_STACK_FILE"] = "none",
        };
        var (exit, o, e) = await CliRunner.RunAsync(env, "branch", "create", "s1", "--json");
        Assert.True(exit == 0, o + e);
        var (result, _) = CliRunner.Ndjson(o, "branch create");
        Assert.True((bool)result["copied"]!, o + e);
        Assert.Equal("equal-except-own", (string?)result["fidelity"]);
        Assert.Empty(result["fidelityGaps"]!.AsArray());
        var own = result["fidelityOwn"]!.AsArray().Select(n => (string)n!).ToArray();
        Assert.Contains(own, x => x.Contains("comment is govclone's marker", StringComparison.Ordinal));
        Assert.Contains(own, x => x.Contains("closes it to PUBLIC", StringComparison.Ordinal));

        var branch = Clone + "_s1";
        Assert.Equal("search_path=public, rich, \"$user\"", await SettingAsync(branch, "0"));
        Assert.Equal("work_mem=16MB", await SettingAsync(branch, Pg.Server.SuperUser));
        Assert.Equal(500L, await Pg.ScalarAsync(branch, "SELECT count(*) FROM wide")); // found through the source's search_path
    }

    private async Task<string?> SettingAsync(string database, string role) =>
        (string?)await Pg.ScalarAsync("postgres", $"""
            SELECT array_to_string(s.setconfig, ';') FROM pg_db_role_setting s
            WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = '{database}')
              AND s.setrole = {(role == "0" ? "0" : $"(SELECT oid FROM pg_roles WHERE rolname = '{role}')")}
            """);
}
