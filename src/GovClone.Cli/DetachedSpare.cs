namespace GovClone.Cli;

/// <summary>
/// The <c>govclone spare</c> a clone lever starts detached (see Program.cs): harnesses that time or kill levers (the
/// fault suite, the benchmark) wait for it to end so that its copy is not counted against what comes next.
/// </summary>
public static class DetachedSpare
{
    /// <summary>Whether a <c>govclone spare</c> of this build's CLI is running on this machine (read from /proc).</summary>
    public static bool IsRunning()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (argv.Any(a => a.EndsWith("GovClone.Cli.dll", StringComparison.Ordinal)) && argv.Contains("spare"))
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // the process ended while we read it
            }
            catch (UnauthorizedAccessException)
            {
                // another user's process
            }
        }

        return false;
    }
}
