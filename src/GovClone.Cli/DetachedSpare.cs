using System.Diagnostics;

namespace GovClone.Cli;

/// <summary>
/// The <c>govclone spare</c> a clone lever starts detached (see Program.cs): harnesses that time or kill levers (the
/// fault suite, the benchmark) wait for it to end so that its copy is not counted against what comes next.
/// </summary>
public static class DetachedSpare
{
    /// <summary>
    /// This very CLI again (<c>dotnet GovClone.Cli.dll ARGS</c>, or its apphost), in a session of its own (setsid) with its
    /// stdio appended to <paramref name="log"/> (a file of <see cref="StateDirectory"/>, checked by the caller: not a link,
    /// in a 0700 folder of this user's): sh starts it in the background and exits, so nothing that waits for this
    /// process's output (a pipe, Pulumi, CI) waits for it. Returns its pid, or null when it could not be started.
    /// </summary>
    public static int? Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string log)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var self = Environment.ProcessPath;
        if (self is null)
        {
            return null;
        }

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var word in new[] { "-c", "setsid \"$@\" </dev/null >>\"$0\" 2>&1 & echo $!", log, self })
        {
            start.ArgumentList.Add(word);
        }

        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(GovCloneCli).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        try
        {
            using var sh = Process.Start(start);
            if (sh is null)
            {
                return null;
            }

            var pid = sh.StandardOutput.ReadToEnd().Trim();
            sh.WaitForExit();
            return sh.ExitCode == 0 && int.TryParse(pid, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

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
