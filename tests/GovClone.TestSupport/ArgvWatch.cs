using System.Text;

namespace GovClone.Tests.Support;

/// <summary>
/// Reads every argv the tools of a run were started with, from the argv log the stand-ins write: the docker and ssh
/// stand-ins log theirs, and <see cref="WriteToolShims"/> makes a PostgreSQL bin folder whose every tool (psql, pg_dump,
/// pg_restore, …) logs its argv there and then execs the real one. A watch covers what was logged between its start and
/// the moment <see cref="Leaks"/> or <see cref="ProgramsSeen"/> is read: every command line, not a sample of /proc (it
/// also sees tools that lived a microsecond). What it cannot see is a program started neither through a stand-in nor
/// through a shim (the local transport's own <c>bash -s</c>, a fixed argv that TransportTests checks as built).
/// Shared by the test suite and the fault runner (linked source).
/// </summary>
public sealed class ArgvWatch : IAsyncDisposable
{
    private readonly string _log;
    private readonly long _start;
    private readonly string[] _secrets;

    /// <param name="log">The argv log (NUL after each argument, a newline after each command line), as the stand-ins write it.</param>
    public ArgvWatch(string log, params string[] secrets)
    {
        _log = log;
        _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).ToArray();
        _start = File.Exists(log) ? new FileInfo(log).Length : 0;
    }

    /// <summary>Every command line logged since the watch started, its arguments in order.</summary>
    public IReadOnlyList<string[]> CommandLines
    {
        get
        {
            if (!File.Exists(_log))
            {
                return [];
            }

            using var stream = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(_start, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var text = reader.ReadToEnd();
            // An entry is "arg\0arg\0…\0\n"; a final one still being written (no "\0\n" yet) is read too.
            return text.Split("\0\n", StringSplitOptions.RemoveEmptyEntries)
                .Select(e => e.Trim('\0').Split('\0'))
                .Where(a => a.Length > 0 && a[0].Length > 0)
                .ToArray();
        }
    }

    /// <summary>Basenames of argv[0] of every command line logged while watching.</summary>
    public IReadOnlyCollection<string> ProgramsSeen =>
        CommandLines.Select(a => Path.GetFileName(a[0])).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every logged command line (the secret masked as ***) whose argv held a secret.</summary>
    public IReadOnlyList<string> Leaks
    {
        get
        {
            var leaks = new List<string>();
            foreach (var argv in CommandLines)
            {
                var text = string.Join(' ', argv);
                foreach (var secret in _secrets.Where(s => text.Contains(s, StringComparison.Ordinal)))
                {
                    leaks.Add(_secrets.Aggregate(text, (t, s) => t.Replace(s, "***", StringComparison.Ordinal)) + $" (secret {Array.IndexOf(_secrets, secret) + 1})");
                }
            }

            return leaks;
        }
    }

    /// <summary>
    /// Fills <paramref name="directory"/> with one shim per program of <paramref name="realBin"/>: it appends its argv to
    /// <paramref name="log"/> (the path is written into the shim, so it logs under any environment: an sshd session's, a
    /// stand-in container's) and then execs the real program with the same arguments. Returns <paramref name="directory"/>.
    /// </summary>
    public static string WriteToolShims(string realBin, string directory, string log)
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        if (!File.Exists(log))
        {
            File.WriteAllText(log, string.Empty);
        }

        foreach (var tool in Directory.GetFiles(realBin))
        {
            var name = Path.GetFileName(tool);
            var shim = Path.Combine(directory, name);
            File.WriteAllText(shim, $"""
                #!/bin/sh
                # Test shim: logs its argv (as the docker/ssh stand-ins do: NUL after each argument, then a newline; one
                # write, so parallel runs do not interleave), then runs the real {name}.
                printf '%s\0' {Sh(shim)} "$@" '
                ' >> {Sh(log)}
                exec {Sh(tool)} "$@"

                """);
            File.SetUnixFileMode(shim, (UnixFileMode)0b111_101_101);
        }

        return directory;

        static string Sh(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
