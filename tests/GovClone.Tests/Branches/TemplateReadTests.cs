using System.Text.RegularExpressions;
using GovClone.Branches;
using GovClone.Tests.Support;

namespace GovClone.Tests.Branches;

/// <summary>
/// One definition per rule (issue 24.3) for the check "is the retained template still the one read before the copy, and
/// current": <see cref="TemplateRead.SqlBlock"/>, carried into <c>branch_mark.sql</c>, <c>bspare_mark.sql</c> and
/// <c>bspare_take.sql</c> as a generated copy. These fail when a copy drifts, when one of the three lacks its copy, and
/// when a file reads the read-before settings outside a copy (a fourth hand-written check). Pure: no server (the files'
/// behaviour is the real server's business in BranchSpareTests, BranchTemplateRaceTests and BranchLifecycleTests).
/// </summary>
public partial class TemplateReadTests
{
    private static string Root => InProcessCli.RepoRoot;

    private static IEnumerable<string> SqlFiles() =>
        Directory.GetFiles(Path.Combine(Root, "sql"), "*.sql", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    [Fact]
    public void Each_of_the_three_files_holds_one_copy_equal_to_the_definition()
    {
        var copies = GeneratedCopies.Find(SqlFiles(), "--", TemplateRead.BlockBegin, TemplateRead.BlockEnd, TemplateRead.SqlBlock);
        Assert.Equal(TemplateRead.Files.Select(f => "sql/branch/" + f).Order(StringComparer.Ordinal), copies.Select(c => c.File).Order(StringComparer.Ordinal));
        var drifted = copies.Where(c => !c.Equal).Select(c => c.File).ToArray();
        Assert.True(drifted.Length == 0,
            $"these copies of the template read differ from src/GovClone/Branches/TemplateRead.cs ({GeneratedCopies.WriteVariable}=1 rewrites them): " + string.Join(", ", drifted));
    }

    [Fact]
    public void The_files_the_runners_send_hold_the_same_copy()
    {
        // What BranchSql embeds and sends (psql's \set line dropped) carries the block as the repo's file does.
        foreach (var file in TemplateRead.Files)
        {
            Assert.Contains(TemplateRead.SqlBlock, BranchSql.Get(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_file_reads_the_template_read_before_outside_a_copy()
    {
        var found = new List<string>();
        foreach (var file in SqlFiles())
        {
            found.AddRange(Code(file).Where(l => ReadBefore().IsMatch(l)).Select(l => $"{Path.GetRelativePath(Root, file)}: {l.Trim()}"));
        }

        Assert.True(found.Count == 0, "the template read before the copy is compared again here, outside a govclone:template-read copy:\n" + string.Join('\n', found));
    }

    [Fact]
    public void The_scan_would_catch_the_checks_the_files_had()
    {
        // The old hand-written checks of branch_mark.sql, bspare_mark.sql and bspare_take.sql: the scan above finds each.
        Assert.Matches(ReadBefore(), "  IF template_oid IS DISTINCT FROM current_setting('govclone.template_oid')::bigint");
        Assert.Matches(ReadBefore(), "     OR template_comment IS DISTINCT FROM current_setting('govclone.template_comment') OR NOT coalesce(current, false) THEN");
        Assert.Matches(ReadBefore(), "   WHERE d.datname = current_setting('govclone.template') AND d.oid = current_setting('govclone.template_oid')::bigint");
        Assert.DoesNotMatch(ReadBefore(), "    INTO template_oid, template_comment, current");
    }

    [Fact]
    public void The_block_reads_what_the_files_use_in_one_statement_and_opens_the_body()
    {
        var block = TemplateRead.SqlBlock;
        Assert.StartsWith($"  -- {TemplateRead.BlockBegin}\n", block, StringComparison.Ordinal);
        Assert.EndsWith($"  -- {TemplateRead.BlockEnd}\n", block, StringComparison.Ordinal);
        foreach (var variable in new[] { "template_oid bigint;", "template_comment text;", "template_at text;", "current boolean;" })
        {
            Assert.Contains($"\n  {variable}\n", block, StringComparison.Ordinal);
        }

        Assert.Single(Regex.Matches(block, @"^BEGIN$", RegexOptions.Multiline));
        Assert.Single(Regex.Matches(block, @"\bSELECT\b"));
        Assert.Contains("INTO template_oid, template_comment, current", block, StringComparison.Ordinal);
        foreach (var setting in new[] { "template", "template_oid", "template_comment", "template_marker" })
        {
            Assert.Contains($"current_setting('govclone.{setting}')", block, StringComparison.Ordinal);
        }

        // The files keep no BEGIN of their own for that DO block: the copy's is the body's start.
        foreach (var file in TemplateRead.Files)
        {
            var text = File.ReadAllText(Path.Combine(Root, "sql/branch", file));
            Assert.Single(Regex.Matches(text, @"^BEGIN$", RegexOptions.Multiline));
        }
    }

    /// <summary>The file's code lines: no comment line, nothing inside a copy.</summary>
    private static IEnumerable<string> Code(string file)
    {
        var inBlock = false;
        foreach (var line in File.ReadAllLines(file))
        {
            var t = line.Trim();
            if (t == $"-- {TemplateRead.BlockBegin}" || t == $"-- {TemplateRead.BlockEnd}")
            {
                inBlock = t.EndsWith(TemplateRead.BlockBegin, StringComparison.Ordinal);
                continue;
            }

            if (!inBlock && !t.StartsWith("--", StringComparison.Ordinal))
            {
                yield return line;
            }
        }
    }

    // The settings that hold the template as read before the copy: only a copy of the block compares with them.
    [GeneratedRegex(@"govclone\.template_(oid|comment)\b")]
    private static partial Regex ReadBefore();
}
