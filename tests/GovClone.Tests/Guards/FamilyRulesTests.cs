using System.Text.RegularExpressions;
using GovClone.Guards;
using GovClone.Tests.Support;

namespace GovClone.Tests.Guards;

/// <summary>
/// One definition per rule (issue 24.3): the family's name rules, suffixes, roles and marker formats live in
/// <see cref="FamilyRules"/> and the lock keys in <see cref="LockKeys"/>; SQL and the engine carry generated copies.
/// These tests fail when a copy drifts from the definition, and when a rule's literal reappears outside a generated
/// copy (in sql/, sql/engine/, sql/branch/, engine/ or the core's C#). Pure: no server.
/// </summary>
public partial class FamilyRulesTests
{
    private static string Root => InProcessCli.RepoRoot;

    private static IEnumerable<string> SqlFiles() =>
        Directory.GetFiles(Path.Combine(Root, "sql"), "*.sql", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static IEnumerable<string> ShellFiles() => Directory.GetFiles(Path.Combine(Root, "engine"), "*.sh").Order(StringComparer.Ordinal);

    [Fact]
    public void Every_generated_copy_of_the_rules_equals_the_definition()
    {
        var copies = GeneratedCopies.Find(SqlFiles(), "--", FamilyRules.BlockBegin, FamilyRules.BlockEnd, FamilyRules.SqlBlock())
            .Concat(GeneratedCopies.Find(ShellFiles(), "#", FamilyRules.BlockBegin, FamilyRules.BlockEnd, FamilyRules.ShellBlock())).ToArray();
        var drifted = copies.Where(c => !c.Equal).Select(c => c.File).ToArray();
        Assert.True(copies.Length >= 20, $"only {copies.Length} generated copies of the rules were found");
        Assert.True(drifted.Length == 0, $"these copies of the rules differ from src/GovClone/Guards/FamilyRules.cs ({GeneratedCopies.WriteVariable}=1 rewrites them): " + string.Join(", ", drifted));
    }

    [Fact]
    public void No_rule_is_written_again_outside_its_generated_copies()
    {
        // Comment lines may say what a rule is; code may not restate it.
        var found = new List<string>();
        foreach (var file in SqlFiles())
        {
            found.AddRange(Code(file, "--").Where(l => SqlCopy().IsMatch(l)).Select(l => $"{Path.GetRelativePath(Root, file)}: {l.Trim()}"));
        }

        foreach (var file in ShellFiles())
        {
            found.AddRange(Code(file, "#").Where(l => ShellCopy().IsMatch(l)).Select(l => $"{Path.GetRelativePath(Root, file)}: {l.Trim()}"));
        }

        foreach (var file in Directory.GetFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
                     .Where(f => Path.GetFileName(f) is not ("FamilyRules.cs" or "LockKeys.cs")))
        {
            found.AddRange(Code(file, "//").Where(l => CSharpCopy().IsMatch(l)).Select(l => $"{Path.GetRelativePath(Root, file)}: {l.Trim()}"));
        }

        Assert.True(found.Count == 0, "a rule of FamilyRules/LockKeys is written again here:\n" + string.Join('\n', found));
    }

    [Fact]
    public void The_scan_would_catch_a_copy()
    {
        // The check above cannot pass vacuously: each pattern finds the copies the old code had.
        Assert.Matches(SqlCopy(), "  IF current_database() NOT LIKE 'directus\\_gov\\_test\\_%' THEN");
        Assert.Matches(SqlCopy(), "  retired text := current_setting('govclone.clone') || '_old';");
        Assert.Matches(SqlCopy(), "  IF marker LIKE 'govclone:branch %' THEN");
        Assert.Matches(SqlCopy(), "  spare text := current_setting('govclone.clone') || '_bspare';");
        Assert.Matches(SqlCopy(), "  IF marker LIKE 'govclone:branch-spare %' THEN");
        Assert.Matches(ShellCopy(), "readonly govclone_prefix=directus_gov_test_");
        Assert.Matches(ShellCopy(), "  spare=\"${clone}_spare\"");
        Assert.Matches(ShellCopy(), "  marker_want=\"govclone:complete source=$source_db generation=$generation\"");
        Assert.Matches(CSharpCopy(), "        return s.CloneDatabase + \"_next\";");
        Assert.Matches(CSharpCopy(), "        var hash = 14695981039346656037UL;");
        Assert.Matches(CSharpCopy(), "    public const string CompletePrefix = \"govclone:branch \";");
        Assert.DoesNotMatch(CSharpCopy(), "    public const string Branch = \"govclone:branch:Branch\";"); // a Pulumi type token
    }

    [Fact]
    public void The_generated_blocks_say_what_the_definition_says()
    {
        var sql = FamilyRules.SqlBlock();
        Assert.Contains($"rule_prefix constant text := '{FamilyRules.Prefix}';", sql, StringComparison.Ordinal);
        Assert.Contains("rule_suffixes constant text[] := ARRAY['_template', '_next', '_old', '_spare', '_bspare'];", sql, StringComparison.Ordinal);
        Assert.Contains("rule_marker_building constant text := 'govclone:building family=%s role=%s';", sql, StringComparison.Ordinal);
        var sh = FamilyRules.ShellBlock();
        Assert.Contains($"readonly govclone_prefix={FamilyRules.Prefix}\n", sh, StringComparison.Ordinal);
        Assert.Contains("    complete) fields='family source generation masking method fidelity' ;;\n", sh, StringComparison.Ordinal);
        Assert.Equal(56, FamilyRules.CloneMaxBytes); // room for <clone>_bspare, the longest companion
    }

    [Fact]
    public void The_engine_builds_the_markers_the_core_builds()
    {
        // engine/lib.sh's generated govclone_marker, run by bash, against MarkerFormat.Text: the same text, field for field.
        foreach (var format in FamilyRules.Markers)
        {
            var values = format.Fields.Select((f, i) => f + "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            for (var n = 1; n <= values.Length; n++)
            {
                var args = string.Join(' ', values.Take(n));
                var psi = new System.Diagnostics.ProcessStartInfo("bash", ["-c", FamilyRules.ShellBlock() + $"govclone_marker {format.Kind} {args}"]) { RedirectStandardOutput = true };
                using var p = System.Diagnostics.Process.Start(psi)!;
                var text = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                Assert.Equal(format.Text(values.Take(n).ToArray()), text);
            }
        }
    }

    [Theory]
    [InlineData("govclone:complete family=directus_gov_test_a source=directus generation=2 method=streams fidelity=full at=2026-06-02T00:00:00Z", "directus_gov_test_a", "complete", "directus_gov_test_a", "clone")]
    [InlineData("govclone:complete source=directus generation=1 at=2026-06-02T00:00:00Z", "directus_gov_test_a", "complete", "directus_gov_test_a", "clone")]
    [InlineData("govclone:template source=directus clone=directus_gov_test_a generation=1 at=2026-06-02T00:00:00Z", "directus_gov_test_a_template", "template", "directus_gov_test_a", "template")]
    [InlineData("govclone:spare source=directus clone=directus_gov_test_a generation=1 template=x at=y", "directus_gov_test_a_spare", "spare", "directus_gov_test_a", "spare")]
    [InlineData("govclone:building family=directus_gov_test_a role=next at=y", "directus_gov_test_a_next", "building", "directus_gov_test_a", "next")]
    [InlineData("govclone:dropping family=directus_gov_test_a role=template at=y", "directus_gov_test_a_template", "dropping", "directus_gov_test_a", "template")]
    [InlineData("govclone:old family=directus_gov_test_a at=y", "directus_gov_test_a_old", "old", "directus_gov_test_a", "old")]
    [InlineData("govclone:branch parent=directus_gov_test_a owner=x created=y used=z", "directus_gov_test_a_rb", "branch", "directus_gov_test_a", "branch")]
    [InlineData("govclone:branch-incomplete family=directus_gov_test_a owner=x created=y", "directus_gov_test_a_rb", "branch-incomplete", "directus_gov_test_a", "branch")]
    public void A_marker_names_its_family_and_role_old_formats_included(string comment, string database, string kind, string family, string role)
    {
        var m = FamilyMarker.Parse(comment, database)!;
        Assert.Equal((kind, family, role), (m.Kind, m.Family, m.Role));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a comment somebody wrote")]
    [InlineData("govclone:nonsense family=x")]
    public void Anything_else_is_no_marker(string? comment) => Assert.Null(FamilyMarker.Parse(comment, "directus_gov_test_a"));

    [Fact]
    public void Lock_keys_are_one_function_of_the_name()
    {
        Assert.Equal(LockKeys.Run("directus_gov_test_a"), GovClone.Transport.RunLock.Key("directus_gov_test_a"));
        Assert.Equal(LockKeys.Run("directus_gov_test_a:spare"), LockKeys.Spare("directus_gov_test_a"));
        Assert.Equal(LockKeys.Run("directus_gov_test_a:branches"), GovClone.Lifecycle.BranchLifecycle.BudgetKey("directus_gov_test_a"));
        Assert.Equal(-1617150191454818020L, LockKeys.Run("directus_gov_test_20260602")); // FNV-1a of "govclone:directus_gov_test_20260602": existing locks keep their keys
        Assert.NotEqual(LockKeys.Spare("directus_gov_test_a"), LockKeys.Budget("directus_gov_test_a"));
    }

    private static IEnumerable<string> Code(string file, string comment)
    {
        var inBlock = false;
        foreach (var line in File.ReadAllLines(file))
        {
            var t = line.Trim();
            if (t == $"{comment} {FamilyRules.BlockBegin}")
            {
                inBlock = true;
                continue;
            }

            if (t == $"{comment} {FamilyRules.BlockEnd}")
            {
                inBlock = false;
                continue;
            }

            if (!inBlock && !t.StartsWith(comment, StringComparison.Ordinal) && !t.StartsWith("///", StringComparison.Ordinal))
            {
                yield return line;
            }
        }
    }

    // The prefix, a suffix as a literal, or a marker's kind word.
    [GeneratedRegex(@"directus\\?_gov\\?_test\\?_|'_(next|old|spare|bspare|template)'|govclone:(complete|template|spare|building|old|dropping|branch|branch-incomplete|branch-spare)(?![\w:-])")]
    private static partial Regex SqlCopy();

    [GeneratedRegex(@"directus_gov_test_|\}_(next|old|spare|bspare|template)\b|[""']_(next|old|spare|bspare|template)[""']|govclone:(complete|template|spare|building|old|dropping|branch|branch-incomplete|branch-spare)(?![\w:-])")]
    private static partial Regex ShellCopy();

    [GeneratedRegex(@"""_(next|old|spare|bspare|template)""|\+ ""_(next|old|spare|bspare|template)|""govclone:(complete|template|spare|building|old|dropping|branch|branch-incomplete|branch-spare)(?![\w:-])|14695981039346656037")]
    private static partial Regex CSharpCopy();
}
