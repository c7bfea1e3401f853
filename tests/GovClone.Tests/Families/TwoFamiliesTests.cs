using GovClone.Configuration;
using GovClone.Lifecycle;

namespace GovClone.Tests.Families;

/// <summary>
/// Issue 22: many families on one server. With clone A (template, spare, branches rb and pr1) and clone X (template) on
/// the test server, every case the issue reported, run through the real CLI, exits 2 naming the setting and leaves
/// every database of both families byte-identical (marker and contents); and the general rule, lever by lever.
/// </summary>
[Collection(FamiliesOnOneServer.Name)]
public class TwoFamiliesTests(FamiliesFixture f)
{
    private const string A = FamiliesFixture.A;
    private const string X = FamiliesFixture.X;

    /// <summary>Runs the CLI and asserts a refusal: exit 2, the setting named, nothing changed on the server.</summary>
    private async Task<string> RefusedAsync(string clone, string setting, params string[] args) =>
        await RefusedAsync(f.Env(clone), setting, args);

    private async Task<string> RefusedAsync(Dictionary<string, string> env, string setting, params string[] args)
    {
        var before = await f.SnapshotAsync();
        var (exit, o, e) = await f.CliAsync(env, args);
        var output = o + e;
        Assert.True(exit == 2, $"govclone {string.Join(' ', args)} exited {exit}, not 2:\n{output}");
        Assert.Contains(setting, output, StringComparison.Ordinal);
        var after = await f.SnapshotAsync();
        Assert.True(FamiliesFixture.Changed(before, after).Count == 0,
            $"govclone {string.Join(' ', args)} refused but changed: {string.Join(", ", FamiliesFixture.Changed(before, after))}");
        return output;
    }

    // ---- 22.1: a clone name that is another family's or role's database

    [Theory]
    [InlineData("up")]
    [InlineData("clone")]
    [InlineData("clone", "--force", "--yes")]
    [InlineData("seed", "--yes")]
    [InlineData("reset", "--yes")]
    [InlineData("compact")]
    [InlineData("verify")]
    [InlineData("status")]
    [InlineData("spare")]
    [InlineData("drop", "--yes")]
    public async Task A_clone_name_that_is_a_branch_of_another_family_is_refused_by_every_lever(params string[] lever)
    {
        var output = await RefusedAsync(A + "_rb", "govclone:cloneDatabase", lever);
        Assert.Contains($"{A}_rb", output, StringComparison.Ordinal);
        Assert.Contains("branch", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_branch_as_the_clone_is_refused_from_a_variable_a_flag_and_a_stack_file_alike()
    {
        await RefusedAsync(A, "govclone:cloneDatabase", "up", "-c", $"cloneDatabase={A}_rb");
        await RefusedAsync(A, "govclone:cloneDatabase", "up", "--clone-database", $"{A}_pr1");
        var stack = Path.Combine(Path.GetTempPath(), $"Pulumi.families-{Environment.ProcessId}.yaml");
        var raw = f.Pg.Server.ClientSettings();
        raw["sourceDatabase"] = "directus";
        raw["cloneDatabase"] = $"{A}_rb";
        StackFile.Write(stack, raw.ToDictionary(kv => SettingKeys.Namespace + ":" + kv.Key, kv => kv.Value!, StringComparer.Ordinal), "families test");
        try
        {
            var env = f.Env(A);
            env.Remove("GOVCLONE_CLONE_DATABASE");
            env.Remove("GOVCLONE_STACK_FILE");
            await RefusedAsync(env, "govclone:cloneDatabase", "up", "--stack-file", stack);
        }
        finally
        {
            File.Delete(stack);
        }
    }

    [Theory]
    [InlineData(A + "_spare")]
    [InlineData(A + "_old")]
    [InlineData(A + "_next")]
    [InlineData(A + "_template")]
    [InlineData(X + "_template")]
    public async Task A_clone_name_in_a_companion_role_is_refused_before_any_connection(string clone)
    {
        foreach (var lever in new[] { new[] { "up" }, ["clone", "--force", "--yes"], ["drop", "--yes"] })
        {
            var output = await RefusedAsync(clone, "govclone:cloneDatabase", lever);
            Assert.Contains("the suffix of a clone's", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Another_familys_clone_as_this_clone_with_this_template_is_refused()
    {
        // X's name with A's template: X's clone is complete of X, but A's template is A's: the template role is foreign.
        await RefusedAsync(X, "govclone:templateDatabase", "up", "-c", $"templateDatabase={A}_template");
        await RefusedAsync(X, "govclone:templateDatabase", "drop", "--yes", "-c", $"templateDatabase={A}_template");
    }

    // ---- 22.2: a templateDatabase that is another family's database or any clone

    [Theory]
    [InlineData("drop", "--yes")]
    [InlineData("up")]
    [InlineData("clone", "--force", "--yes")]
    [InlineData("spare")]
    [InlineData("status")]
    public async Task A_template_that_is_another_familys_clone_or_template_is_refused(params string[] lever)
    {
        await RefusedAsync(A, "govclone:templateDatabase", [.. lever, "-c", $"templateDatabase={X}"]);
        await RefusedAsync(A, "govclone:templateDatabase", [.. lever, "-c", $"templateDatabase={X}_template"]);
        await RefusedAsync(A, "govclone:templateDatabase", [.. lever, "-c", $"templateDatabase={A}_rb"]);
    }

    [Fact]
    public async Task A_template_in_a_companion_role_is_refused_by_the_parser()
    {
        await RefusedAsync(A, "govclone:templateDatabase", "up", "-c", $"templateDatabase={X}_spare");
        await RefusedAsync(A, "govclone:templateDatabase", "up", "-c", $"templateDatabase={X}_next");
    }

    // ---- 22.3: nothing is taken for a leftover, or a cut-short branch, by its name alone

    [Fact]
    public async Task An_unmarked_database_where_a_branch_would_be_is_named_never_dropped()
    {
        var odd = A + "_zz";
        await f.Pg.ExecuteAsync("postgres", $"CREATE DATABASE {odd}");
        try
        {
            var output = await RefusedAsync(A, "NAME", "branch", "create", "zz");
            Assert.Contains("carries no govclone marker", output, StringComparison.Ordinal);
            await RefusedAsync(A, "NAME", "branch", "drop", "zz", "--yes");
            Assert.True(await f.Pg.DatabaseExistsAsync(odd));
        }
        finally
        {
            await f.Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {odd} WITH (FORCE)");
        }
    }

    [Theory]
    [InlineData("_next")]
    [InlineData("_old")]
    public async Task An_unmarked_companion_is_named_in_a_refusal_never_dropped(string suffix)
    {
        var odd = A + suffix;
        await f.Pg.ExecuteAsync("postgres", $"CREATE DATABASE {odd}");
        try
        {
            foreach (var lever in new[] { new[] { "drop", "--yes" }, ["clone", "--force", "--yes"], ["up"], ["spare"] })
            {
                var output = await RefusedAsync(A, "govclone:cloneDatabase", lever);
                Assert.Contains($"{odd}, which would be the {suffix[1..]} of {A}, carries no govclone marker", output, StringComparison.Ordinal);
                Assert.DoesNotContain("DROP DATABASE", output, StringComparison.Ordinal);
            }
        }
        finally
        {
            await f.Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {odd} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task Another_familys_marker_on_a_companion_name_is_refused()
    {
        // X's spare marker on A's <clone>_next: a database of another family and role where A builds.
        var odd = A + "_next";
        await f.Pg.ExecuteAsync("postgres", $"CREATE DATABASE {odd}");
        await f.Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE {odd} IS 'govclone:spare family={X} source=directus generation=1 template=t method=streams fidelity=full at=t'");
        try
        {
            var output = await RefusedAsync(A, "govclone:cloneDatabase", "clone", "--force", "--yes");
            Assert.Contains($"belongs to the family of {X} as its spare", output, StringComparison.Ordinal);
            await RefusedAsync(A, "govclone:cloneDatabase", "drop", "--yes");
        }
        finally
        {
            await f.Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {odd} WITH (FORCE)");
        }
    }

    // ---- 22.3: messages never advise a destructive fix for a database that is not the clone's

    [Fact]
    public async Task Verify_of_a_branch_as_the_clone_advises_nothing_destructive()
    {
        var output = await RefusedAsync(A, "govclone:cloneDatabase", "verify", "--clone-database", A + "_rb");
        Assert.DoesNotContain("re-clone", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("govclone up", output, StringComparison.Ordinal);
        Assert.DoesNotContain("govclone drop", output, StringComparison.Ordinal);
        Assert.Contains($"--branch rb -c cloneDatabase={A}", output, StringComparison.Ordinal);
    }

    // ---- the general rule: each lever of a family leaves every database of the other family, and of the other roles, byte-identical

    public static TheoryData<string, string[], string[]> Levers() => new()
    {
        // (family, lever, databases it may change: its own clone's roles that lever writes)
        { X, ["up"], [X] },
        { X, ["clone"], [] },
        { X, ["clone", "--force", "--yes"], [X, X + "_template"] },
        { X, ["seed", "--yes"], [X] },
        { X, ["reset", "--yes"], [X] },
        { X, ["compact"], [X] },
        { X, ["verify"], [] },
        { X, ["status"], [] },
        { X, ["spare"], [X + "_bspare"] }, // the ready branch spare (keepBranchSpare; X keeps no clone spare)
        { X, ["branch", "create", "tmp"], [X + "_tmp", X + "_bspare"] }, // its ready branch spare, renamed, when there is one
        { X, ["branch", "drop", "tmp", "--yes"], [X + "_tmp"] },
        { X, ["branch", "gc", "--older-than", "1000h", "--yes"], [X + "_bspare"] }, // a branch spare the re-clone above left stale
        { X, ["verify", "--branch", "rb"], [] },
        { A, ["up"], [A] },
        { A, ["clone"], [] },
        { A, ["clone", "--force", "--yes"], [A, A + "_spare", A + "_old"] },
        { A, ["seed", "--yes"], [A] },
        { A, ["compact"], [A] },
        { A, ["status"], [] },
        { A, ["spare"], [A + "_spare", A + "_bspare"] },
        { A, ["verify", "--branch", "rb"], [A + "_rb"] },
        { A, ["seed", "--branch", "pr1", "--yes"], [A + "_pr1"] },
        { A, ["branch", "create", "tmp"], [A + "_tmp", A + "_bspare"] },
        { A, ["branch", "drop", "tmp", "--yes"], [A + "_tmp"] },
        { A, ["branch", "gc", "--older-than", "1000h", "--yes"], [A + "_bspare"] },
    };

    [Theory]
    [MemberData(nameof(Levers))]
    public async Task Each_lever_leaves_every_other_database_byte_identical(string family, string[] lever, string[] mayChange)
    {
        var before = await f.SnapshotAsync();
        var (exit, o, e) = await f.CliAsync(family, lever);
        Assert.True(exit is 0 or 1, $"govclone {string.Join(' ', lever)} on {family} exited {exit}:\n{o}{e}");
        var after = await f.SnapshotAsync();
        var changed = FamiliesFixture.Changed(before, after).Except(mayChange).ToArray();
        Assert.True(changed.Length == 0, $"govclone {string.Join(' ', lever)} on {family} changed {string.Join(", ", changed)}, which are not its to change");
        if (lever is ["seed", "--branch", "pr1", "--yes"])
        {
            await f.CliAsync(A, "reset", "--branch", "pr1", "--yes"); // pr1 is kept at the baseline
        }
    }

    [Fact]
    public async Task Drop_of_a_third_family_leaves_both_families_and_their_branches()
    {
        const string z = "directus_gov_test_z";
        var settings = f.Pg.Settings(z, FamiliesFixture.Kept);
        await new CloneLifecycle(settings).UpAsync();
        var before = await f.SnapshotAsync();
        var (exit, o, e) = await f.CliAsync(z, "drop", "--yes");
        Assert.True(exit == 0, o + e);
        Assert.Empty(FamiliesFixture.Changed(before, await f.SnapshotAsync()));
        Assert.False(await f.Pg.DatabaseExistsAsync(z));
        Assert.False(await f.Pg.DatabaseExistsAsync(z + "_template"));
    }
}
