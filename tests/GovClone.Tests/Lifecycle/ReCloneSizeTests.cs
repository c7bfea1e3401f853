using System.Globalization;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Sandbox;
using GovClone.Tests.Support;
using Npgsql;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// Issue 13.5: re-clones never grow the clone or keep orphaned files. Every build goes to a fresh <c>&lt;clone&gt;_next</c>
/// that is swapped in by name, so N in-place re-clones from the source, and a server crash in the middle of one, leave a
/// clone within a few percent of the first one's size and relation files; the crash leaves the old clone intact, and
/// the next run drops the half <c>_next</c> (its orphaned files with it). On a private server: the test crashes it.
/// </summary>
public sealed class ReCloneSizeTests : IAsyncLifetime
{
    private const string Source = "directus";
    private const string Clone = "directus_gov_test_size";
    private const int ReClones = 4;

    /// <summary>"A few percent": the catalogs of a fresh build vary a little with the order the lanes finish in.</summary>
    private const double Tolerance = 0.03;

    private readonly string _password = LabKit.NewPassword("size");
    private string _work = null!;
    private string _bin = null!;
    private LocalPostgresServer _server = null!;

    /// <summary>While this file exists, the copy's data dump (pg_dump --section=data) stays alive after its output until <see cref="Release"/> exists.</summary>
    private string Hold => Path.Combine(_work, "hold");

    private string Release => Path.Combine(_work, "release");

    public async Task InitializeAsync()
    {
        _work = LabKit.CreateWorkDirectory("size");
        _server = await LocalPostgresServer.StartAsync(new LocalServerOptions { StateDirectory = Path.Combine(_work, "server"), Password = _password, ClustersRoot = TestClusters.Root });
        await SourceGenerator.EnsureAsync(_server, Source);
        await SourceGenerator.PadAsync(_server, Source, 40L << 20); // big tables to stream on their own, many relation files

        // The server's tools, pg_dump wrapped: while Hold exists, the rest lane's data dump (the small tables, after its
        // lane's big tables) ends only once Release exists, so a re-clone cannot finish before the test has crashed the
        // server; until then it behaves as pg_dump (same output, same exit status).
        _bin = ArgvWatch.WriteToolShims(_server.BinDirectory, Path.Combine(_work, "bin"), Path.Combine(_work, "argv.log"));
        File.WriteAllText(Path.Combine(_bin, "pg_dump"), $$"""
            #!/bin/sh
            "{{_server.BinDirectory}}/pg_dump" "$@"
            rc=$?
            case " $* " in
              *" --section=data "*) while [ -e '{{Hold}}' ] && [ ! -e '{{Release}}' ]; do sleep 0.1; done ;;
            esac
            exit $rc

            """);
    }

    public async Task DisposeAsync()
    {
        await _server.DestroyAsync();
        Directory.Delete(_work, recursive: true);
    }

    private GovCloneSettings Settings()
    {
        var raw = _server.ClientSettings();
        raw["sourceDatabase"] = Source;
        raw["cloneDatabase"] = Clone;
        raw["cloneMethod"] = "streams";
        raw["retainTemplate"] = "false";
        raw["keepSpare"] = "false";
        raw["lockTimeoutSeconds"] = "600";
        raw["pgBinDir"] = _bin;
        return SettingsParser.Parse(raw, new Secret(_password));
    }

    [Fact]
    public async Task Re_clones_in_place_and_a_crash_mid_clone_keep_the_clone_at_its_first_size()
    {
        var lifecycle = new CloneLifecycle(Settings());
        Assert.Contains("by streams", (await lifecycle.CloneAsync()).Summary, StringComparison.Ordinal);
        var first = await MeasureAsync();
        Assert.True(first.Files > 50, $"a clone of the padded source has many relation files ({first.Files})");

        for (var i = 1; i <= ReClones; i++)
        {
            Assert.True((await lifecycle.UpAsync()).Verify.Passed); // seeded in between, as people use it
            Assert.Contains("by streams", (await lifecycle.CloneAsync(force: true)).Summary, StringComparison.Ordinal);
            AssertClose(first, await MeasureAsync(), $"re-clone {i}");
        }

        // A server crash in the middle of a re-clone's copy: the old clone is left as it was, complete; a half
        // <clone>_next is all that is new.
        Assert.True((await lifecycle.UpAsync()).Verify.Passed);
        var seeded = await DigestsAsync(Clone);
        File.WriteAllText(Hold, string.Empty); // the copy cannot finish now (its data dump is held): no race with the crash
        var copy = lifecycle.CloneAsync(force: true);
        await Eventually.HoldsAsync(async () => copy.IsCompleted
            || await ScalarAsync<long>($"SELECT coalesce((SELECT pg_database_size(oid) FROM pg_database WHERE datname = '{Clone}_next'), 0)") > first.Bytes / 2,
            "the re-clone's copy did not reach half the clone's size", TimeSpan.FromMinutes(5));
        Assert.False(copy.IsCompleted, "the re-clone ended before the crash point (it failed: the held data dump cannot let it succeed)");
        await _server.StopAsync("immediate");
        File.WriteAllText(Release, string.Empty);
        await Assert.ThrowsAnyAsync<Exception>(() => copy);
        File.Delete(Hold);
        await _server.RestartAsync();

        Assert.True((await lifecycle.StatusAsync()).State.Complete, "the old clone is still the clone, complete");
        Assert.Equal(seeded, await DigestsAsync(Clone));
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname = '{Clone}_next'"));

        Assert.Contains("by streams", (await lifecycle.CloneAsync(force: true)).Summary, StringComparison.Ordinal);
        AssertClose(first, await MeasureAsync(), "the re-clone after a crash");
        Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname IN ('{Clone}_next', '{Clone}_old')"));
        // No database directory without its database: the half build's files went with it.
        Assert.Equal(
            await ScalarAsync<long>("SELECT count(*) FROM pg_database"),
            await ScalarAsync<long>("SELECT count(*) FROM pg_ls_dir('base') AS d WHERE d ~ '^[0-9]+$'"));
    }

    private static void AssertClose(Footprint first, Footprint now, string what)
    {
        Assert.True(Math.Abs(now.Bytes - first.Bytes) <= first.Bytes * Tolerance,
            string.Create(CultureInfo.InvariantCulture, $"{what}: {now.Bytes} bytes against the first clone's {first.Bytes}"));
        Assert.True(Math.Abs(now.Files - first.Files) <= first.Files * Tolerance,
            string.Create(CultureInfo.InvariantCulture, $"{what}: {now.Files} relation files against the first clone's {first.Files}"));
    }

    private sealed record Footprint(long Bytes, long Files);

    /// <summary>The clone's size and the number of files in its directory (every relation's segments, maps, orphans).</summary>
    private async Task<Footprint> MeasureAsync() => new(
        await ScalarAsync<long>($"SELECT pg_database_size('{Clone}')"),
        await ScalarAsync<long>($"SELECT count(*) FROM pg_ls_dir('base/' || (SELECT oid FROM pg_database WHERE datname = '{Clone}')) AS f WHERE f ~ '^[0-9]'"));

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var conn = new NpgsqlConnection(_server.ConnectionString("postgres"));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<IReadOnlyDictionary<string, string>> DigestsAsync(string database)
    {
        await using var conn = new NpgsqlConnection(_server.ConnectionString(database));
        await conn.OpenAsync();
        return await LabKit.TableDigestsAsync(conn);
    }
}
