using System.Globalization;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Masking;
using GovClone.Processes;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Masking;

/// <summary>Masked clones (issue 25) against the tests' real PostgreSQL and the generated Directus-like source.</summary>
public class MaskedCloneTests : CloneTestBase
{
    /// <summary>Production's credentials: the columns the default profile must never let into any copy.</summary>
    private static readonly (string Table, string Column)[] Credentials =
    [
        ("directus_users", "password"), ("directus_users", "token"), ("directus_users", "tfa_secret"),
        ("directus_sessions", "token"), ("directus_sessions", "next_token"), ("directus_shares", "password"),
    ];

    [Fact]
    public async Task Default_up_leaves_no_production_credential_in_the_clone_template_spare_or_a_branch()
    {
        var kept = Settings with { RetainTemplate = RetainTemplate.Yes, KeepSpare = KeepSpare.Yes };
        var lifecycle = new CloneLifecycle(kept);
        var up = await lifecycle.UpAsync();
        Assert.True(up.Verify.Passed); // the seed and the suite pass unchanged on a masked clone
        var proof = Assert.IsType<MaskingProof>(up.Verify.Masking);
        Assert.True(proof.Clean, proof.Line);
        Assert.StartsWith("credentials-", proof.Identity, StringComparison.Ordinal);
        Assert.Equal(6, proof.Columns.Count); // auth_data: absent from this source
        Assert.All(proof.Columns, c => Assert.Equal(0, c.EqualToSource));
        Assert.Contains(proof.Columns, c => c.Column == "public.directus_sessions.token" && c.NonNull == 150);

        var branch = await new BranchLifecycle(kept).CreateAsync("mask1", new BranchCreateOptions(SeedProfile.Committed, "tests"));
        Assert.True(branch.Verify.Passed);
        var status = await lifecycle.StatusAsync();
        Assert.True(status.Current);
        Assert.Equal(proof.Identity, status.Masking?.Identity);
        Assert.True(status.Spare.Current, "the spare is made by up (remakeSpare)");
        try
        {
            foreach (var database in new[] { Clone, kept.TemplateDatabase, Clone + "_spare", Clone + "_mask1" })
            {
                await AssertNoProductionValueAsync(database);
            }

            // Rows and keys are all there: only the values changed, and a hashed key is the same in every copy.
            Assert.Equal(await CountAsync(TestServer.Source, "directus_sessions"), await CountAsync(Clone, "directus_sessions"));
            Assert.Equal(await ValuesAsync(Clone, "directus_sessions", "token"), await ValuesAsync(Clone + "_mask1", "directus_sessions", "token"));
        }
        finally
        {
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {Clone}_mask1 WITH (FORCE)");
        }
    }

    [Fact]
    public async Task A_branch_s_verify_carries_the_masking_proof_and_fails_on_a_production_value()
    {
        var kept = Settings with { RetainTemplate = RetainTemplate.Yes };
        await new CloneLifecycle(kept).UpAsync();
        var branches = new BranchLifecycle(kept);
        var database = Clone + "_mask2";
        try
        {
            var created = await branches.CreateAsync("mask2", new BranchCreateOptions(SeedProfile.Committed, "tests"));
            var atCreate = Assert.IsType<MaskingProof>(created.Verify.Masking);
            Assert.True(atCreate.Clean, atCreate.Line);
            Assert.StartsWith("credentials-", atCreate.Identity, StringComparison.Ordinal);

            var verify = await branches.VerifyAsync("mask2", null);
            var proof = Assert.IsType<MaskingProof>(verify.Masking);
            Assert.True(verify.Passed, proof.Line);
            Assert.Equal(6, proof.Columns.Count);
            Assert.All(proof.Columns, c => Assert.Equal(0, c.EqualToSource));

            // One production session token written into the branch: its verify finds it and fails, though the suite's metrics hold.
            var token = (await ValuesAsync(TestServer.Source, "directus_sessions", "token")).Order(StringComparer.Ordinal).First();
            await Pg.ExecuteAsync(database, $"UPDATE directus_sessions SET token = '{token}' WHERE token = (SELECT min(token) FROM directus_sessions)");
            var dirty = await branches.VerifyAsync("mask2", null);
            Assert.All(dirty.Checks, c => Assert.True(c.Ok));
            Assert.False(dirty.Passed);
            Assert.Equal(1, dirty.Masking!.Columns.Single(c => c.Column == "public.directus_sessions.token").EqualToSource);
            Assert.Contains("NOT CLEAN: public.directus_sessions.token 1", dirty.Masking.Line, StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task Schema_only_dumps_of_source_and_clone_are_equal_under_every_profile()
    {
        var source = await SchemaOnlyAsync(TestServer.Source);
        Assert.Contains("CREATE TABLE public.directus_users", source, StringComparison.Ordinal);
        foreach (var profile in new[] { "credentials", "personal", "none" })
        {
            // One clone, re-cloned by each profile in turn (a masking change makes it not current).
            var up = await new CloneLifecycle(Settings with { Masking = MaskingRules.Parse([profile]) }).UpAsync();
            Assert.True(up.Verify.Passed, up.Verify.Masking?.Line);
            Assert.StartsWith(profile == "none" ? "none" : profile + "-", up.Verify.Masking!.Identity, StringComparison.Ordinal);
            Assert.Equal(source, await SchemaOnlyAsync(Clone));

            // Not vacuous: the values did change (or, under none, did not), only the schema is the same.
            var tokens = await ValuesAsync(Clone, "directus_sessions", "token");
            Assert.Equal(profile == "none", tokens.SetEquals(await ValuesAsync(TestServer.Source, "directus_sessions", "token")));
        }
    }

    [Fact]
    public async Task Masking_none_is_an_exact_copy()
    {
        var exact = new CloneLifecycle(Settings with { Masking = MaskingRules.Parse(["none"]) });
        var up = await exact.UpAsync();
        Assert.True(up.Verify.Passed);
        Assert.Equal("none", up.Verify.Masking?.Identity);
        Assert.Empty(up.Verify.Masking!.Columns);
        Assert.Contains(" masking=none ", await MarkerAsync(), StringComparison.Ordinal);
        foreach (var (table, column) in Credentials.Append(("directus_users", "email")))
        {
            Assert.Equal(await ValuesAsync(TestServer.Source, table, column), await ValuesAsync(Clone, table, column));
        }
    }

    [Fact]
    public async Task A_masking_change_makes_the_clone_not_current_and_up_re_clones_saying_why()
    {
        await Lifecycle.UpAsync();
        var personal = new CloneLifecycle(Settings with { Masking = MaskingRules.Parse(["personal"]) });
        var status = await personal.StatusAsync();
        Assert.False(status.Current);
        Assert.StartsWith("it is masked credentials-", status.NotCurrentBecause, StringComparison.Ordinal);
        var up = await personal.UpAsync();
        Assert.Contains("re-cloned because it is masked credentials-", up.Steps.Single(s => s.Lever == "clone").Summary, StringComparison.Ordinal);
        Assert.True(up.Verify.Passed, up.Verify.Masking?.Line);
        Assert.Contains(" masking=personal-", await MarkerAsync(), StringComparison.Ordinal);
        var emails = await ValuesAsync(Clone, "directus_users", "email");
        Assert.Equal(40, emails.Count);
        Assert.All(emails, e => Assert.EndsWith("@" + MaskingRules.EmailDomain, e, StringComparison.Ordinal));
        Assert.Equal(40, emails.Distinct().Count()); // unique preserved
        Assert.All(await ValuesAsync(Clone, "directus_activity", "ip"), ip => Assert.Equal("192.0.2.1", ip));

        // A marker made before masking (no masking= field) is not current either.
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE {Clone} IS 'govclone:complete family={Clone} source=directus generation=1 method=streams fidelity=full at=2026-06-02T00:00:00Z'");
        Assert.StartsWith("it was made before masking", (await personal.StatusAsync()).NotCurrentBecause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rules_that_cannot_run_are_refused_before_anything_is_created()
    {
        await using var source = await Pg.OpenAsync(TestServer.Source);
        async Task<string> ProblemAsync(string rule) =>
            Assert.Single(await MaskingValidator.ProblemsAsync(source, MaskingRules.Parse(["none", rule]), CancellationToken.None)).Problem;

        Assert.Contains("has no table public.directus_nope", await ProblemAsync("directus_nope.x: hash"), StringComparison.Ordinal);
        Assert.Contains("has no column nope", await ProblemAsync("directus_users.nope: hash"), StringComparison.Ordinal);
        Assert.Contains("NOT NULL", await ProblemAsync("directus_users.status: null"), StringComparison.Ordinal);
        Assert.Contains("UNIQUE", await ProblemAsync("directus_users.email: constant:x@example.invalid"), StringComparison.Ordinal);
        Assert.Contains("UNIQUE", await ProblemAsync("directus_users.token: redact"), StringComparison.Ordinal);
        Assert.Contains("foreign key", await ProblemAsync("directus_users.id: hash"), StringComparison.Ordinal);
        Assert.Contains("integer", await ProblemAsync("directus_activity.id: hash"), StringComparison.Ordinal);
        Assert.Empty(await MaskingValidator.ProblemsAsync(source, MaskingRules.Parse(["personal"]), CancellationToken.None));

        var bad = new CloneLifecycle(Settings with { Masking = MaskingRules.Parse(["credentials", "directus_users.status: null"]) });
        var ex = await Assert.ThrowsAsync<ConfigurationException>(() => bad.UpAsync());
        Assert.Equal("govclone:masking", ex.Setting);
        Assert.Contains("rule 'directus_users.status: null'", ex.Problem, StringComparison.Ordinal);
        Assert.Equal(2, ex.ExitCode);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.False(await Pg.DatabaseExistsAsync(Clone + "_next"));
    }

    private async Task AssertNoProductionValueAsync(string database)
    {
        var closed = !(bool)(await Pg.ScalarAsync("postgres", $"SELECT datallowconn FROM pg_database WHERE datname = '{database}'"))!;
        if (closed)
        {
            await Pg.ExecuteAsync("postgres", $"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS true");
        }

        try
        {
            foreach (var (table, column) in Credentials)
            {
                var production = await ValuesAsync(TestServer.Source, table, column);
                Assert.NotEmpty(production); // the source really holds them
                var copy = await ValuesAsync(database, table, column);
                Assert.True(!production.Overlaps(copy), $"{database}: {table}.{column} holds a production value");
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (closed)
            {
                await Pg.ExecuteAsync("postgres", $"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS false");
            }
        }
    }

    private async Task<HashSet<string>> ValuesAsync(string database, string table, string column)
    {
        await using var conn = await Pg.OpenAsync(database);
        await using var cmd = new NpgsqlCommand($"SELECT \"{column}\"::text FROM {table} WHERE \"{column}\" IS NOT NULL", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var values = new HashSet<string>(StringComparer.Ordinal);
        while (await r.ReadAsync())
        {
            values.Add(r.GetString(0));
        }

        return values;
    }

    /// <summary>
    /// pg_dump --schema-only of a database. Normalised, and only this: the <c>\restrict</c>/<c>\unrestrict</c> lines,
    /// which carry a random key per dump (PostgreSQL 15.14+). Nothing else differs legitimately: without --create,
    /// pg_dump writes no database-level line (not the database's name, nor the COMMENT ON DATABASE that holds
    /// govclone's marker, nor its CONNECT grants), so masking may change values only, never a line of this.
    /// </summary>
    private async Task<string> SchemaOnlyAsync(string database)
    {
        var dump = await ProcessRunner.RunAsync(new ProcessSpec(Path.Combine(Pg.Server.BinDirectory, "pg_dump"),
            ["-h", Pg.Server.Host, "-p", Pg.Server.Port.ToString(CultureInfo.InvariantCulture), "-U", Pg.Server.SuperUser, "--schema-only", "-d", database])
        {
            Environment = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password },
        });
        Assert.True(dump.Succeeded, dump.StandardError);
        return string.Join('\n', dump.StandardOutput.Split('\n').Where(l => !l.StartsWith("\\restrict ", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict ", StringComparison.Ordinal)));
    }

    private async Task<long> CountAsync(string database, string table) =>
        (long)(await Pg.ScalarAsync(database, $"SELECT count(*) FROM {table}"))!;

    private async Task<string> MarkerAsync() =>
        (string)(await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{Clone}'"))!;
}
