using System.Diagnostics;

namespace GovClone.Tests.Support;

/// <summary>
/// The CLI as users and the Pulumi program's Commands run it: the build <c>./govclone</c> keeps in
/// <c>src/GovClone.Cli/bin/govclone</c> (ReadyToRun where the SDK can, rebuilt only when a source the CLI compiles is
/// newer: scripts/cli-stale). The harnesses that start the CLI as a process hundreds of times (the deployment replays,
/// the workflow runs, the fault runner) use it rather than the Debug build beside the tests: each start of that one
/// JIT-compiles the CLI, Npgsql and Spectre again, seconds of CPU per replayed <c>pulumi up</c> on a 2-core machine.
/// Same sources, so the same behaviour; <c>GOVCLONE_TEST_CLI=debug</c> makes them start the Debug build instead (to
/// step through it in a debugger).
/// </summary>
public static class WrapperCli
{
    private static readonly Lazy<string?> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The wrapper's GovClone.Cli.dll, brought up to date first (one <c>./govclone --version</c> per test process; the
    /// wrapper's own lock makes concurrent callers wait for one build); null when <c>GOVCLONE_TEST_CLI=debug</c>.
    /// Throws when the wrapper cannot build it (the same failure <c>./govclone</c> would show a user).
    /// </summary>
    public static string? Path => Built.Value;

    private static string? Build()
    {
        switch (Environment.GetEnvironmentVariable("GOVCLONE_TEST_CLI"))
        {
            case "debug":
                return null;
            case null or "":
                break;
            case var other:
                throw new InvalidOperationException($"GOVCLONE_TEST_CLI: '{other}' is not a choice. Fix: unset it (the wrapper's ReadyToRun build), or set it to debug (the Debug build)");
        }

        var repo = GovClone.Configuration.SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory);
        var psi = new ProcessStartInfo(System.IO.Path.Combine(repo, "govclone"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = repo,
        };
        psi.ArgumentList.Add("--version");
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var dll = System.IO.Path.Combine(repo, "src", "GovClone.Cli", "bin", "govclone", "GovClone.Cli.dll");
        if (p.ExitCode != 0 || !File.Exists(dll))
        {
            throw new InvalidOperationException($"./govclone --version exited {p.ExitCode} (its build {dll} {(File.Exists(dll) ? "exists" : "is missing")}); " +
                $"set GOVCLONE_TEST_CLI=debug to run the tests on the Debug build. Output:\n{stdout}{stderr.Result}");
        }

        return dll;
    }
}
