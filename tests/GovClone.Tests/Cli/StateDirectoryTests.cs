using GovClone.Cli;
using GovClone.Tests.Support;

namespace GovClone.Tests.Cli;

/// <summary>
/// govclone's own files (the detached spare's log) go to a per-user folder made 0700, never through a link (issue 21.5):
/// the old predictable path in the temp folder is not used at all, and a link planted at the new one is refused.
/// </summary>
public class StateDirectoryTests : CliTestBase
{
    private readonly string _home = Directory.CreateTempSubdirectory("govclone-state-test-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    private Dictionary<string, string> StateEnv(string? xdg) =>
        xdg is null ? new() { ["HOME"] = _home } : new() { ["HOME"] = _home, ["XDG_STATE_HOME"] = xdg };

    [Fact]
    public void The_folder_is_xdg_state_home_or_the_home_folders_and_is_made_0700()
    {
        Assert.Equal(Path.Combine(_home, "x", "govclone"), StateDirectory.PathFor(StateEnv(Path.Combine(_home, "x"))));
        Assert.Equal(Path.Combine(_home, ".local", "state", "govclone"), StateDirectory.PathFor(StateEnv("relative/not/used")));
        var dir = StateDirectory.Prepare(StateEnv(null));
        Assert.Equal(Path.Combine(_home, ".local", "state", "govclone"), dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));

        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111); // someone loosened it: tightened again before use
        var log = StateDirectory.PrepareFile(StateEnv(null), "a.log");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
    }

    [Fact]
    public void A_link_in_place_of_the_folder_or_the_file_is_refused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_home, "elsewhere")).FullName;
        var xdg = Directory.CreateDirectory(Path.Combine(_home, "xdg")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(xdg, "govclone"), elsewhere);
        var ex = Assert.Throws<UnsafeStatePathException>(() => StateDirectory.PrepareFile(StateEnv(xdg), "spare.log"));
        Assert.Contains("is a symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));

        var target = Path.Combine(_home, "target");
        File.WriteAllText(target, "");
        Directory.CreateDirectory(Path.Combine(_home, ".local", "state", "govclone"));
        File.CreateSymbolicLink(Path.Combine(_home, ".local", "state", "govclone", "spare.log"), target);
        Assert.Throws<UnsafeStatePathException>(() => StateDirectory.PrepareFile(StateEnv(null), "spare.log"));
        Assert.Equal(0, new FileInfo(target).Length);
    }

    [Fact]
    public async Task The_detached_spares_log_is_never_written_through_a_link_at_the_old_or_the_new_path()
    {
        var env = Env;
        env["XDG_STATE_HOME"] = Path.Combine(_home, "state");
        env["GOVCLONE_KEEP_SPARE"] = "true";
        env["GOVCLONE_RETAIN_TEMPLATE"] = "true";
        var oldTarget = Path.Combine(_home, "old-target");
        var newTarget = Path.Combine(_home, "new-target");
        File.WriteAllText(oldTarget, "");
        File.WriteAllText(newTarget, "");
        // The old predictable path: /tmp/govclone-spare-<clone>.log, planted as a link by "another user".
        var oldPath = Path.Combine(Path.GetTempPath(), $"govclone-spare-{Clone}.log");
        File.Delete(oldPath);
        File.CreateSymbolicLink(oldPath, oldTarget);
        var stateDir = Directory.CreateDirectory(Path.Combine(_home, "state", "govclone")).FullName;
        File.SetUnixFileMode(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var newPath = Path.Combine(stateDir, $"spare-{Clone}.log");
        File.CreateSymbolicLink(newPath, newTarget);
        try
        {
            Assert.Equal(0, (await Run(env, "up")).Exit);
            var (exit, output, err) = await Run(env, "clone", "--force", "--yes");
            Assert.True(exit == 0, err);
            Assert.Contains("spare: not started in the background (" + newPath + " is a symbolic link", output, StringComparison.Ordinal);

            // Without the planted link it starts, logging in the state folder; the old path is never touched.
            File.Delete(newPath);
            (exit, output, err) = await Run(env, "clone", "--force", "--yes");
            Assert.True(exit == 0, err);
            var pid = int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"pid (\d+); log ([^;]+);").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("log " + newPath + ";", output, StringComparison.Ordinal);
            await Eventually.HoldsAsync(() => !Directory.Exists($"/proc/{pid}"), "the detached spare did not end");
            Assert.True(new FileInfo(newPath).LinkTarget is null && new FileInfo(newPath).Length > 0, "the spare logged nothing");
            Assert.Equal(0, new FileInfo(oldTarget).Length);
            Assert.Equal(0, new FileInfo(newTarget).Length);
        }
        finally
        {
            File.Delete(oldPath);
        }
    }

    private static async Task<(int Exit, string Out, string Err)> Run(Dictionary<string, string> env, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await GovCloneCli.RunAsync(args, new CliHost(stdout, stderr, CliRunner.RepoRoot, env)
        {
            IsTerminal = false,
            IsInteractive = false,
            StartDetached = DetachedSpare.Start,
        });
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
