using GovClone.Decision;
using GovClone.Guards;
using GovClone.Lifecycle;
using GovClone.Tests.Support;

namespace GovClone.Tests.Decision;

/// <summary>The decision record's levers say what each command does; its disk cost counts every copy left on the server.</summary>
public class DecisionRecordTests : CloneTestBase
{
    [Fact]
    public void The_levers_are_titled_by_what_they_do()
    {
        var levers = LeverCommands.For(Settings).ToDictionary(l => l.Govclone);
        var reclone = levers["clone --force"];
        Assert.DoesNotContain("from scratch", reclone.Title, StringComparison.Ordinal);
        Assert.Contains("FILE_COPY of the retained template", reclone.Title, StringComparison.Ordinal);
        // The engine's own files: the template checked, copied into <clone>_next, swapped in and marked in one transaction.
        foreach (var file in new[] { "require_template.sql", "copy_next.sql", "swap.sql" })
        {
            Assert.Contains("sql/engine/" + file, reclone.ByHand, StringComparison.Ordinal);
        }

        Assert.Contains("SET govclone.copy_from = ", reclone.ByHand, StringComparison.Ordinal);
        Assert.Contains(Settings.TemplateDatabase, reclone.ByHand, StringComparison.Ordinal);

        var scratch = levers["up"];
        Assert.StartsWith("Re-clone from scratch: a fresh copy of production", scratch.Title, StringComparison.Ordinal);
        Assert.Contains("govclone:cloneGeneration to 2", scratch.Title, StringComparison.Ordinal);
        Assert.Equal("pulumi config set govclone:cloneGeneration 2 && pulumi up", scratch.Pulumi);

        // The drop by hand runs the files govclone drop sends (release_family.sql, then each DROP), for this family.
        var drop = levers["drop"];
        Assert.StartsWith("cat sql/engine/prefix_guard.sql sql/engine/family_guard.sql sql/engine/release_family.sql sql/engine/drop_family.sql | ", drop.ByHand, StringComparison.Ordinal);
        Assert.Contains("SET govclone.clone = ", drop.ByHand, StringComparison.Ordinal);
        Assert.Contains("SET govclone.template = ", drop.ByHand, StringComparison.Ordinal);
        Assert.Contains(Settings.TemplateDatabase, drop.ByHand, StringComparison.Ordinal);
        foreach (var name in Settings.CloneFamily().Where(n => n != Clone))
        {
            Assert.Contains(name, drop.Title, StringComparison.Ordinal);
        }

        Assert.All(levers.Values, l => Assert.DoesNotContain('\n', l.ByHand)); // each prints on its own line of the record
    }

    [Fact]
    public async Task A_template_left_behind_is_counted_in_the_record_and_drop_removes_it_and_every_companion()
    {
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true" });
        var lifecycle = new CloneLifecycle(settings);
        await lifecycle.CloneAsync();
        await Pg.ExecuteAsync("postgres", $"DROP DATABASE \"{Clone}\" WITH (FORCE)"); // the clone gone, its template not

        var status = await lifecycle.StatusAsync();
        var markdown = DecisionRecord.RenderMarkdown(settings, status.Facts, status.Decision);
        Assert.DoesNotContain("nothing is spent", markdown, StringComparison.Ordinal);
        Assert.Contains("| Disk cost | No clone on the server, but ", markdown, StringComparison.Ordinal);
        Assert.Contains("(retained template ", markdown, StringComparison.Ordinal);

        await Leftovers.CreateMissingCompanionsAsync(Pg, Clone); // as interrupted runs leave them (the clone made its ready spare already)

        var counted = (await lifecycle.StatusAsync()).Facts.CompanionSizes;
        Assert.Equal(CloneFamily.Companions(Clone).Order(StringComparer.Ordinal), counted.Select(c => c.Name));

        var drop = await lifecycle.DropAsync();
        Assert.True(drop.Changed);
        foreach (var name in settings.CloneFamily())
        {
            Assert.False(await Pg.DatabaseExistsAsync(name), name);
            Assert.Contains(name == Clone ? "dropped " : name, drop.Summary, StringComparison.Ordinal);
        }

        Assert.Equal("No clone on the server, and no retained copy of it: nothing is spent.",
            (await lifecycle.StatusAsync()).Decision.Factors.Single(f => f.Factor == "Disk cost").Assessment);
    }
}
