using System.Diagnostics;
using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Tests.Cli;
using GovClone.Tests.Support;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Tests.Transport;

/// <summary>
/// The caller's libpq environment (session options, service files) reaches no session govclone opens: not its psql,
/// pg_dump and pg_restore runs (<see cref="ServerTransport.Environment"/>, engine/lib.sh) and not its Npgsql sessions
/// (<see cref="Connections"/>), the way PSQLRC never did.
/// </summary>
public class CallerEnvironmentTests : CliTestBase
{
    [Theory]
    [InlineData("local")]
    [InlineData("docker")]
    [InlineData("ssh")]
    public void Every_run_takes_the_callers_session_environment_out(string transport)
    {
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["transport"] = transport, ["sshHost"] = transport == "ssh" ? "contabo" : null });
        var env = new ServerTransport(settings).Environment();
        Assert.Equal("/dev/null", env[CallerEnvironment.Psqlrc]);
        Assert.All(CallerEnvironment.Removed, name => Assert.True(env.TryGetValue(name, out var value) && value is null, $"{name} is not removed from the run's environment"));
    }

    [Fact]
    public void The_engine_unsets_the_same_variables_and_builds_its_PGOPTIONS_from_nothing()
    {
        var lib = File.ReadAllLines(Path.Combine(CliRunner.RepoRoot, "engine", "lib.sh"));
        var unset = Assert.Single(lib, l => l.TrimStart().StartsWith("unset PGOPTIONS", StringComparison.Ordinal));
        Assert.Equal(CallerEnvironment.Removed.Order(StringComparer.Ordinal), unset.Trim().Split(' ').Skip(1).Order(StringComparer.Ordinal));
        // The first assignment after the unset starts from nothing: never from "${PGOPTIONS:-}", the caller's.
        var first = lib.SkipWhile(l => l != unset).First(l => l.TrimStart().StartsWith("PGOPTIONS=", StringComparison.Ordinal));
        Assert.StartsWith("PGOPTIONS=\"-c ", first.TrimStart(), StringComparison.Ordinal);
        Assert.DoesNotContain(lib, l => l.Contains("${PGOPTIONS:-}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_npgsql_session_names_its_own_options(bool readOnly)
    {
        // Npgsql takes PGOPTIONS from the environment only for a connection string without options (an empty one is dropped).
        var cs = new NpgsqlConnectionStringBuilder(new Connections(Settings).ConnectionString(Settings.CloneDatabase, readOnly));
        Assert.False(string.IsNullOrEmpty(cs.Options));
        Assert.Equal("UTF8", cs.ClientEncoding);
        Assert.Equal(readOnly, cs.Options.Contains("default_transaction_read_only=on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_session_govclone_opens_runs_without_jit_on_a_server_whose_default_is_jit_on()
    {
        // The test server keeps PostgreSQL's default (jit on): a session of govclone's says off only by its own options.
        Assert.Equal("on", (string?)await Pg.ScalarAsync("postgres", "SELECT current_setting('jit')"));
        var connections = new Connections(Settings);
        await using (var maintenance = await connections.OpenMaintenanceAsync(CancellationToken.None))
        await using (var source = await connections.OpenSourceAsync(CancellationToken.None))
        {
            foreach (var conn in new[] { maintenance, source })
            {
                await using var show = new NpgsqlCommand("SELECT current_setting('jit')", conn);
                Assert.Equal("off", (string?)await show.ExecuteScalarAsync());
            }
        }

        // The engine's psql sessions (maintenance, source) as engine_params sets them up, run by bash from the checkout.
        using var work = new GovClone.Tests.Lifecycle.FaultTests.TempDirectory();
        var psi = new ProcessStartInfo("bash", ["-c", """
            set -euo pipefail
            GOVCLONE_SQL_DIR=sql/engine
            for f in engine/*.sh; do if [ "$f" != engine/main.sh ]; then . "$f"; fi; done
            engine_params
            work="$1"
            maint -tA -c "SELECT 'maintenance ' || current_setting('jit')"
            in_source -tA -c "SELECT 'source ' || current_setting('jit')"
            """, "engine-jit", work.Path])
        {
            WorkingDirectory = CliRunner.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["GOVCLONE_SOURCE_DATABASE"] = TestServer.Source;
        psi.Environment["GOVCLONE_CLONE_DATABASE"] = Clone;
        psi.Environment["GOVCLONE_PG_BIN_DIR"] = Pg.Server.BinDirectory;
        psi.Environment["GOVCLONE_HOST"] = Pg.Server.Host;
        psi.Environment["GOVCLONE_PORT"] = Pg.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["GOVCLONE_USER"] = Pg.Server.SuperUser;
        psi.Environment["PGPASSWORD"] = Pg.Password;
        psi.Environment["PGSSLMODE"] = "disable";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, await stderr);
        Assert.Equal("maintenance off\nsource off\n", stdout);
    }

    [Fact]
    public async Task A_callers_PGOPTIONS_and_service_file_reach_no_session_of_a_lever()
    {
        // The clone and its template, made without the caller's environment; the spare is left to make.
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true", ["keepSpare"] = "true" });
        var lifecycle = new CloneLifecycle(settings);
        Assert.True((await lifecycle.UpAsync(remakeSpare: false, CancellationToken.None)).Verify.Passed);

        // A caller whose every libpq session would be read-only: by PGOPTIONS, and by the options of the service it
        // names. Had either reached a session, the spare's CREATE DATABASE (the engine's psql) or the reset's DELETE
        // (govclone's own Npgsql session on the clone) would fail: "cannot execute … in a read-only transaction".
        using var folder = new GovClone.Tests.Lifecycle.FaultTests.TempDirectory();
        var serviceFile = Path.Combine(folder.Path, "pg_service.conf");
        await File.WriteAllTextAsync(serviceFile, "[govclone_caller]\noptions=-c default_transaction_read_only=on\n");
        var env = Env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        env["GOVCLONE_RETAIN_TEMPLATE"] = "true";
        env["GOVCLONE_KEEP_SPARE"] = "true";
        env["PGOPTIONS"] = "-c default_transaction_read_only=on";
        env["PGSERVICE"] = "govclone_caller";
        env["PGSERVICEFILE"] = serviceFile;

        foreach (var lever in new[] { new[] { "spare" }, ["reset", "--yes"] })
        {
            var (exit, stderr) = await RunCliAsync([.. lever, "--no-stack-file"], env);
            Assert.True(exit == 0, $"govclone {string.Join(' ', lever)} with the caller's PGOPTIONS and PGSERVICE exited {exit}: {stderr}");
        }

        await using (var maintenance = await lifecycle.Connections.OpenMaintenanceAsync(CancellationToken.None))
        {
            Assert.True((await lifecycle.ReadSpareAsync(maintenance, CancellationToken.None)).Current, "the spare was not made");
        }

        Assert.True((await lifecycle.VerifyAsync(SeedProfile.Baseline)).Passed, "the reset did not reach the baseline");
    }

    private async Task<(int Exit, string Stderr)> RunCliAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?> env)
    {
        var psi = LabKit.CliStartInfo(LabKit.FindCli("tests/GovClone.Tests"), CliRunner.RepoRoot, "", Pg.Password, args, env);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await err);
    }
}
