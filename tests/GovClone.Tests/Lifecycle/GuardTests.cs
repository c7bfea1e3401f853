using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Sql;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Lifecycle;

/// <summary>Both halves of the guard against a real server: C# refuses before connecting; the SQL refuses on the server.</summary>
public class GuardTests : CloneTestBase
{
    [Theory]
    [InlineData(SqlScripts.SeedCommitted)]
    [InlineData(SqlScripts.ResetInPlace)]
    [InlineData(SqlScripts.Compact)]
    [InlineData(SqlScripts.PurgeForeignRows)]
    public async Task Every_mutating_file_refuses_to_run_in_production(string file)
    {
        var before = await Lifecycle.FingerprintSourceAsync();
        await using var conn = await Pg.OpenAsync(TestServer.Source);
        await using var cmd = new NpgsqlCommand(SqlScripts.Get(file), conn);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.StartsWith("govclone guard: refusing to modify database \"directus\"", ex.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await Lifecycle.FingerprintSourceAsync());
    }

    [Theory]
    [InlineData("clone", "directus")]
    [InlineData("clone", "directusXgovXtestX1")] // '_' is a LIKE wildcard: the pattern must match it literally
    [InlineData("clone", "directus_gov_test_x\n")] // a trailing newline is not a plain name
    [InlineData("target", "directus")]
    [InlineData("template", "postgres")]
    public async Task The_maintenance_prefix_guard_refuses_a_name_without_the_prefix_and_runs_nothing_behind_it(string setting, string name)
    {
        // sql/engine/prefix_guard.sql, as the engine, drop and the template's release send it: settings first.
        await using var conn = await Pg.OpenAsync("postgres");
        const string body = "DO $$ BEGIN RAISE EXCEPTION 'body ran'; END $$;";
        var settings = setting == "clone" ? EngineFiles.Settings(("clone", name)) : EngineFiles.Settings(("clone", Clone), (setting, name));
        await using (var refused = new NpgsqlCommand(settings + EngineFiles.GetSql("prefix_guard.sql") + body, conn))
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => refused.ExecuteNonQueryAsync());
            Assert.Equal(GovCloneErrorCodes.Guard, ex.SqlState);
            Assert.Equal($"govclone guard: refusing to change database {name}: no directus_gov_test_ prefix (govclone.{setting})", ex.MessageText);
        }

        await using var passed = new NpgsqlCommand(EngineFiles.Settings(("clone", Clone), ("template", Clone + "_template")) + EngineFiles.GetSql("prefix_guard.sql") + body, conn);
        Assert.Equal("body ran", (await Assert.ThrowsAsync<PostgresException>(() => passed.ExecuteNonQueryAsync())).MessageText);
    }

    [Theory]
    [InlineData(SqlScripts.SeedCommitted)]
    [InlineData(SqlScripts.ResetInPlace)]
    [InlineData(SqlScripts.Compact)]
    [InlineData(SqlScripts.PurgeForeignRows)]
    public async Task Every_mutating_file_refuses_a_database_whose_prefixed_name_has_a_control_character(string file)
    {
        // A prefixed name with a newline in it, made by hand (the old C# guard let a final newline through; a
        // connection string cannot carry one at the end, so here it is inside).
        var odd = Clone + "_nl\nx";
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE {GovClone.Guards.DatabaseNameGuard.QuoteIdentifier(odd)}");
        try
        {
            await using var conn = await Pg.OpenAsync(odd);
            await using (var name = new NpgsqlCommand("SELECT current_database()", conn))
            {
                Assert.Equal(odd, await name.ExecuteScalarAsync()); // the connection really is in the odd database
            }

            await using var cmd = new NpgsqlCommand(SqlScripts.Get(file), conn);
            var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.StartsWith($"govclone guard: refusing to modify database \"{Clone}_nl\\nx\"", ex.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {GovClone.Guards.DatabaseNameGuard.QuoteIdentifier(odd)} WITH (FORCE)");
        }
    }

    [Theory]
    [InlineData("directus_gov_test_x\n")]
    [InlineData("directus_gov_test_x\r\n")]
    [InlineData("directus_gov_test_\tx")]
    [InlineData("directus_gov_test_x y")]
    [InlineData("directus_gov_test_\u0445")]
    [InlineData("directus_gov_test_")]
    public async Task The_maintenance_guard_block_refuses_a_prefixed_name_that_is_not_plain(string name)
    {
        // sql/engine/prefix_guard.sql, the one maintenance guard (what drop, the by-hand lines and the engine send): the
        // name of a database to drop or release (govclone.database) and the clone itself are checked character by character.
        await using var conn = await Pg.OpenAsync("postgres");
        foreach (var settings in new[] { EngineFiles.Settings(("clone", Clone), ("database", name)), EngineFiles.Settings(("clone", name)) })
        {
            await using var refused = new NpgsqlCommand(settings + EngineFiles.GetSql("prefix_guard.sql") + "DO $$ BEGIN RAISE EXCEPTION 'body ran'; END $$;", conn);
            var ex = await Assert.ThrowsAsync<PostgresException>(() => refused.ExecuteNonQueryAsync());
            Assert.Equal(GovCloneErrorCodes.Guard, ex.SqlState);
            Assert.StartsWith("govclone guard: refusing to change database ", ex.MessageText, StringComparison.Ordinal);
            Assert.DoesNotContain("body ran", ex.MessageText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_sql_guard_refuses_a_clone_other_than_the_expected_one()
    {
        await Lifecycle.CloneAsync();
        await using var conn = await Pg.OpenAsync(Clone);
        await using var cmd = new NpgsqlCommand("SET govclone.expected_database = 'directus_gov_test_other';\n" + SqlScripts.Get(SqlScripts.SeedCommitted), conn);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Contains("expected \"directus_gov_test_other\"", ex.MessageText, StringComparison.Ordinal);
        Assert.Equal(0L, await Pg.ScalarAsync(Clone, "SELECT count(*) FROM governance_object_ownership"));
    }

    [Fact]
    public async Task The_source_connection_is_read_only()
    {
        await using var source = await Lifecycle.Connections.OpenSourceAsync(CancellationToken.None);
        await using var cmd = new NpgsqlCommand("CREATE TABLE govclone_must_not_exist (x int)", source);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, ex.SqlState);
    }
}

/// <summary>The guard's halves that need no server: the files' guard blocks, and C#'s refusal before any connection.</summary>
public class GuardFileTests
{
    [Fact]
    public async Task Every_mutating_file_opens_with_the_same_guard_block()
    {
        foreach (var file in new[] { SqlScripts.SeedCommitted, SqlScripts.ResetInPlace, SqlScripts.Compact, SqlScripts.PurgeForeignRows })
        {
            Assert.Contains(GovClone.Engine.ServerScripts.GuardBlock, SqlScripts.Get(file), StringComparison.Ordinal);
        }

        foreach (var file in new[] { "analyze.sql", "analyze_rest.sql", "analyze_late.sql", "mask_converge.sql" })
        {
            Assert.Contains(GovClone.Engine.ServerScripts.GuardBlock, EngineFiles.GetSql(file), StringComparison.Ordinal);
        }

        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("directus")]
    [InlineData("directus_copy")]
    [InlineData("DIRECTUS_GOV_TEST_X")]
    public async Task A_lifecycle_for_a_wrong_name_is_refused_before_any_connection(string clone)
    {
        var raw = new Dictionary<string, string?>
        {
            ["host"] = "127.0.0.1",
            ["port"] = "1", // any connection attempt would fail differently
            ["sslMode"] = "disable",
            ["sourceDatabase"] = TestServer.Source,
            ["cloneDatabase"] = TestServer.NewCloneName(),
        };
        var settings = GovClone.Configuration.SettingsParser.Parse(raw, new GovClone.Configuration.Secret("not-used")) with { CloneDatabase = clone };
        Assert.Throws<GuardException>(() => new CloneLifecycle(settings));
        await Task.CompletedTask;
    }
}
