namespace GovClone.Cli;

/// <summary>
/// govclone's own files on this machine (the detached spare's log): a per-user folder, never a predictable path in a
/// shared one. <c>$XDG_STATE_HOME/govclone</c> (an absolute XDG_STATE_HOME), else <c>~/.local/state/govclone</c>, created
/// 0700. Before a file in it is used, the folder must be a real folder (not a symbolic link), owned by this user and
/// closed to group and others, and the file must not be a symbolic link: nothing is ever written through a link
/// someone else planted. In a 0700 folder of our own no other user can plant one between the check and the write.
/// </summary>
public static class StateDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The folder for this environment (<paramref name="environment"/>: null means the process's own).</summary>
    public static string PathFor(IReadOnlyDictionary<string, string>? environment)
    {
        string? Get(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);
        var xdg = Get("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "govclone");
        }

        var home = Get("HOME");
        if (string.IsNullOrEmpty(home) || !Path.IsPathRooted(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        if (string.IsNullOrEmpty(home))
        {
            throw new UnsafeStatePathException("$HOME", "neither XDG_STATE_HOME nor HOME names a folder for govclone's state");
        }

        return Path.Combine(home, ".local", "state", "govclone");
    }

    /// <summary>
    /// The folder, created (0700) when missing, and checked: a real folder, this user's, mode 0700 (a looser mode
    /// is tightened). Throws <see cref="UnsafeStatePathException"/> naming the path otherwise.
    /// </summary>
    public static string Prepare(IReadOnlyDictionary<string, string>? environment)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("govclone's state folder is for Linux and other Unix systems");
        }

        var dir = PathFor(environment);
        var info = new DirectoryInfo(dir);
        if (info.LinkTarget is not null)
        {
            throw new UnsafeStatePathException(dir, "is a symbolic link (to " + info.LinkTarget + "); govclone writes nothing through it");
        }

        if (!info.Exists)
        {
            if (File.Exists(dir))
            {
                throw new UnsafeStatePathException(dir, "is a file, not a folder");
            }

            CreateParents(Path.GetDirectoryName(dir)!);
            Directory.CreateDirectory(dir, OwnerOnly);
            info.Refresh();
            if (info.LinkTarget is not null || !info.Exists)
            {
                throw new UnsafeStatePathException(dir, "was replaced while it was created");
            }
        }

        var owner = OwnerOf(dir);
        if (owner != CurrentUserId())
        {
            throw new UnsafeStatePathException(dir, $"belongs to another user (uid {owner})");
        }

        if ((File.GetUnixFileMode(dir) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(dir, OwnerOnly);
        }

        return dir;
    }

    /// <summary>
    /// A file of the folder for appending (a log): the folder prepared, the file refused when it is a symbolic link
    /// or not a regular file, created 0600 when missing. Returns its path.
    /// </summary>
    public static string PrepareFile(IReadOnlyDictionary<string, string>? environment, string name)
    {
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException("a plain file name", nameof(name));
        }

        var path = Path.Combine(Prepare(environment), name);
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            throw new UnsafeStatePathException(path, "is a symbolic link (to " + info.LinkTarget + "); govclone writes nothing through it");
        }

        if (Directory.Exists(path))
        {
            throw new UnsafeStatePathException(path, "is a folder, not a file");
        }

        if (!info.Exists)
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (new FileStream(path, options))
            {
            }
        }

        return path;
    }

    private static void CreateParents(string dir)
    {
        if (OperatingSystem.IsWindows() || Directory.Exists(dir))
        {
            return;
        }

        CreateParents(Path.GetDirectoryName(dir)!);
        Directory.CreateDirectory(dir, OwnerOnly); // as the XDG base directory spec asks of folders it creates
    }

    private static uint OwnerOf(string path) => Mono.Unix.Native.Syscall.lstat(path, out var st) == 0 ? st.st_uid : uint.MaxValue;

    private static uint CurrentUserId() => Mono.Unix.Native.Syscall.getuid();
}

/// <summary>A state path govclone will not use (a link, another user's folder): what, and what to do.</summary>
public sealed class UnsafeStatePathException(string path, string problem)
    : GovCloneException($"{path} {problem}. Fix: remove it (govclone makes its own, 0700), or set XDG_STATE_HOME to a folder of your own")
{
    public string PathName { get; } = path;
}
