using System.Globalization;
using GovClone.Cli;
using GovClone.Configuration;
using GovClone.Processes;

namespace GovClone.Tests.Support;

/// <summary>`govclone` in-process against the test server, with its own environment; and the repo's scripts as processes.</summary>
public static class InProcessCli
{
    public static string RepoRoot => SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory);

    /// <summary>Runs govclone with <paramref name="args"/> for <paramref name="clone"/> on the test server; asserts the password never shows.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(TestServer pg, string clone, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(pg);
        var env = new Dictionary<string, string>
        {
            ["GOVCLONE_HOST"] = pg.Server.Host,
            ["GOVCLONE_PORT"] = pg.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["GOVCLONE_TRANSPORT"] = "local",
            ["GOVCLONE_SSL_MODE"] = "disable",
            ["GOVCLONE_PG_BIN_DIR"] = pg.Server.BinDirectory,
            ["GOVCLONE_CLONE_DATABASE"] = clone,
            ["GOVCLONE_LOCK_TIMEOUT_SECONDS"] = "600",
            ["GOVCLONE_PASSWORD"] = pg.Password,
        };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await GovCloneCli.RunAsync(args, new CliHost(stdout, stderr, RepoRoot, env) { IsTerminal = false });
        var (o, e) = (stdout.ToString(), stderr.ToString());
        Assert.DoesNotContain(pg.Password, o, StringComparison.Ordinal);
        Assert.DoesNotContain(pg.Password, e, StringComparison.Ordinal);
        return (exit, o, e);
    }

    /// <summary>Runs <c>scripts/NAME ARGS</c> from the repo root, with <paramref name="stdin"/> as its input.</summary>
    public static Task<ProcessResult> ScriptAsync(string name, string? stdin, params string[] args) =>
        ProcessRunner.RunAsync(new ProcessSpec(Path.Combine(RepoRoot, "scripts", name), args) { StandardInput = stdin ?? string.Empty, WorkingDirectory = RepoRoot });
}
