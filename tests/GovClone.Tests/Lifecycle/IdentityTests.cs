using System.Globalization;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Sandbox;
using GovClone.Tests.Support;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// Issue 21.6: the clone's identity is in its marker (family, source, generation, and the way its data was read from the
/// source), and <c>govclone up</c> re-clones when any of it differs from what the config wants, and says why.
/// </summary>
public class IdentityTests : CloneTestBase
{
    private async Task<string> MarkerAsync() =>
        (string)(await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{Clone}'"))!;

    [Fact]
    public async Task The_marker_carries_the_family_the_source_the_generation_and_the_way()
    {
        await Lifecycle.UpAsync();
        Assert.StartsWith($"govclone:complete family={Clone} source=directus generation=1 method=streams fidelity=full at=", await MarkerAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_source_re_clones_and_says_why()
    {
        var other = "identity_src_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..6];
        await SourceGenerator.EnsureAsync(Pg.Server, other);
        try
        {
            await Lifecycle.UpAsync();
            var moved = new CloneLifecycle(Settings with { SourceDatabase = other });
            var status = await moved.StatusAsync();
            Assert.False(status.Current);
            Assert.Equal($"it is a copy of directus, and govclone:sourceDatabase is {other}", status.NotCurrentBecause);
            var up = await moved.UpAsync();
            var clone = Assert.Single(up.Steps, s => s.Lever == "clone");
            Assert.True(clone.Changed);
            Assert.Contains($"re-cloned because it is a copy of directus, and govclone:sourceDatabase is {other}", clone.Summary, StringComparison.Ordinal);
            Assert.StartsWith($"govclone:complete family={Clone} source={other} generation=1 ", await MarkerAsync(), StringComparison.Ordinal);
            await moved.DropAsync();
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {other} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task A_new_generation_or_way_re_clones_and_says_why()
    {
        await Lifecycle.UpAsync();
        var dump = new CloneLifecycle(Settings with { CloneMethod = CloneMethod.Dump });
        Assert.Equal("its data was read by streams, and govclone:cloneMethod is dump", (await dump.StatusAsync()).NotCurrentBecause);
        var up = await dump.UpAsync();
        Assert.Contains("re-cloned because its data was read by streams, and govclone:cloneMethod is dump", up.Steps.Single(s => s.Lever == "clone").Summary, StringComparison.Ordinal);
        Assert.Contains(" method=dump ", await MarkerAsync(), StringComparison.Ordinal);
        // auto takes a clone however its data was read; a new generation does not.
        Assert.True((await Lifecycle.StatusAsync()).Current);
        var next = new CloneLifecycle(Settings with { CloneGeneration = 2 });
        up = await next.UpAsync();
        Assert.Contains("re-cloned because it is of generation 1, and govclone:cloneGeneration is 2", up.Steps.Single(s => s.Lever == "clone").Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_marker_written_before_families_is_not_current_and_up_says_so()
    {
        await Lifecycle.UpAsync();
        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE {Clone} IS 'govclone:complete source=directus generation=1 at=2026-06-02T00:00:00Z'");
        var status = await Lifecycle.StatusAsync();
        Assert.True(status.State.Complete); // still this family's complete clone (the name it is on), so nothing refuses it
        Assert.StartsWith("its marker names no family", status.NotCurrentBecause, StringComparison.Ordinal);
        var up = await Lifecycle.UpAsync();
        Assert.Contains("re-cloned because its marker names no family", up.Steps.Single(s => s.Lever == "clone").Summary, StringComparison.Ordinal);
        Assert.True((await Lifecycle.StatusAsync()).Current);
    }
}
