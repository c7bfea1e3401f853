using System.Diagnostics;
using GovClone.Cli;

return await GovCloneCli.RunAsync(args, new CliHost(Console.Out, Console.Error, Directory.GetCurrentDirectory(), null) { StartDetached = StartDetached });

// This very CLI again (`dotnet GovClone.Cli.dll ARGS`, or its apphost), in a session of its own (setsid) with its
// stdio on a log file: sh starts it in the background and exits, so nothing that waits for this process's output
// (a pipe, Pulumi, CI) waits for it.
static int? StartDetached(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string log)
{
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
