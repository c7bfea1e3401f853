using System.Globalization;
using GovClone.Processes;
using GovClone.Tests.Support;

namespace GovClone.Tests.Families;

/// <summary>
/// Issue 21.3: every sql/ file (top level, sql/engine, sql/branch) is safe under plain <c>psql -f</c> with no <c>-v</c>:
/// each sets ON_ERROR_STOP itself, and a mutating file's guard runs inside the transaction it protects (compact.sql,
/// whose VACUUM no transaction can hold, runs it only under psql's <c>\if</c> of the guard's verdict). Run by hand
/// against production (<c>directus</c>), a branch, and the maintenance database beside another clone's template,
/// nothing changes: row digests and relfilenodes, markers and ACLs equal.
/// </summary>
[Collection(FamiliesOnOneServer.Name)]
public class SqlFilesByHandTests(FamiliesFixture f)
{
    private static string Root => InProcessCli.RepoRoot;

    private static IReadOnlyList<string> Files() =>
        Directory.GetFiles(Path.Combine(Root, "sql"), "*.sql", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Root, p)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Every_sql_file_sets_on_error_stop_itself()
    {
        Assert.True(Files().Count > 40);
        Assert.All(Files(), file => Assert.Contains("\\set ON_ERROR_STOP on", File.ReadAllLines(Path.Combine(Root, file)).Select(l => l.TrimEnd())));
    }

    [Theory]
    [InlineData("sql/seed_committed_state.sql")]
    [InlineData("sql/reset_in_place.sql")]
    [InlineData("sql/purge_foreign_rows.sql")]
    [InlineData("sql/engine/analyze.sql")]
    [InlineData("sql/engine/analyze_rest.sql")]
    [InlineData("sql/engine/analyze_late.sql")]
    [InlineData("sql/engine/mask_converge.sql")]
    [InlineData("sql/generate_source.sql")]
    [InlineData("sql/pad_source.sql")]
    public void A_mutating_file_guards_inside_its_transaction(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file));
        var begin = text.IndexOf("\nBEGIN;\n", StringComparison.Ordinal);
        var guard = text.IndexOf("DO $guard$", StringComparison.Ordinal);
        Assert.True(begin >= 0 && guard > begin, $"{file}: the guard is not inside the transaction it protects");
        Assert.Equal(text.IndexOf("\nCOMMIT;", StringComparison.Ordinal), text.LastIndexOf("\nCOMMIT;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_sql_file_run_with_plain_psql_against_production_a_branch_or_beside_another_template_changes_nothing()
    {
        var branch = FamiliesFixture.A + "_rb";
        var before = await SnapshotAsync();
        var ran = 0;
        foreach (var file in Files())
        {
            // Every file against production and a branch; the maintenance files (sql/engine, sql/branch) also in the
            // maintenance database, where they would create, mark or drop the other families' databases (X's template).
            var targets = file.StartsWith("sql/engine/", StringComparison.Ordinal) || file.StartsWith("sql/branch/", StringComparison.Ordinal)
                ? new[] { "directus", branch, "postgres" }
                : ["directus", branch];
            foreach (var database in targets)
            {
                await PlainPsqlAsync(database, file);
                ran++;
            }
        }

        var after = await SnapshotAsync();
        var changed = FamiliesFixture.Changed(before, after);
        Assert.True(changed.Count == 0, $"plain psql -f of the sql files changed: {string.Join(", ", changed)}");
        Assert.True(ran > 100);
    }

    [Fact]
    public async Task Compact_by_hand_with_on_error_stop_forced_off_still_never_vacuums_production()
    {
        // Even when the caller insists on going on after errors (-v ON_ERROR_STOP=0 is overridden by the file's own \set;
        // here the file's \set line itself is removed), VACUUM runs only under \if of the guard's verdict.
        var text = File.ReadAllText(Path.Combine(Root, "sql/compact.sql")).Replace("\\set ON_ERROR_STOP on\n", string.Empty, StringComparison.Ordinal);
        var copy = Path.Combine(Path.GetTempPath(), $"compact-no-stop-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(copy, text);
        try
        {
            var before = await SnapshotAsync();
            var run = await PlainPsqlAsync("directus", copy, "-v", "ON_ERROR_STOP=0");
            Assert.Contains("govclone guard: refusing to modify database \"directus\"", run.StandardError, StringComparison.Ordinal);
            Assert.Empty(FamiliesFixture.Changed(before, await SnapshotAsync()));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task The_mutating_files_by_hand_still_work_on_a_complete_clone()
    {
        // The guard refuses everything but a clone marked complete (or a database named on purpose), not the clone itself.
        var run = await PlainPsqlAsync(FamiliesFixture.X, "sql/compact.sql");
        Assert.True(run.ExitCode == 0, run.StandardError);
        run = await PlainPsqlAsync(FamiliesFixture.A + "_pr1", "sql/reset_in_place.sql", "-c", $"SET govclone.expected_database = '{FamiliesFixture.A}_pr1'");
        Assert.True(run.ExitCode == 0, run.StandardError);
    }

    private async Task<ProcessResult> PlainPsqlAsync(string database, string file, params string[] more)
    {
        var server = f.Pg.Server;
        var path = Path.IsPathRooted(file) ? file : Path.Combine(Root, file);
        var spec = new ProcessSpec(Path.Combine(server.BinDirectory, "psql"), ["-X", "-h", server.Host, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.SuperUser, "-d", database, .. more, "-f", path])
        {
            Environment = new Dictionary<string, string?> { ["PGPASSWORD"] = f.Pg.Password, ["PGOPTIONS"] = null, ["PSQLRC"] = "/dev/null" },
            WorkingDirectory = Root,
        };
        return await ProcessRunner.RunAsync(spec, CancellationToken.None);
    }

    /// <summary>The families' databases (the fixture's snapshot), and production and the maintenance database the same way.</summary>
    private async Task<SortedDictionary<string, string>> SnapshotAsync()
    {
        var snapshot = await f.SnapshotAsync();
        foreach (var database in new[] { "directus", "postgres" })
        {
            snapshot[database] = await f.ContentsAsync(database) + "|" + await f.Pg.ScalarAsync("postgres",
                $"SELECT concat_ws('|', coalesce(shobj_description(oid, 'pg_database'), ''), datacl::text, datistemplate, datallowconn) FROM pg_database WHERE datname = '{database}'");
        }

        return snapshot;
    }
}
