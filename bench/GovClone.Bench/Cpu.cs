using System.Globalization;

namespace GovClone.Bench;

/// <summary>
/// CPU-seconds spent across a timed way: <paramref name="Server"/> by the bench server (its postmaster and every
/// backend and worker under it), <paramref name="Tools"/> by every process the bench started and waited for
/// (govclone, psql, pg_dump, pg_restore, pgcopydb and their children), <paramref name="Machine"/> by the whole
/// machine. On a machine others share, <see cref="Own"/> is the way's cost and Machine - Own everyone else's.
/// </summary>
public readonly record struct Cpu(double Server, double Tools, double Machine)
{
    public double Own => Server + Tools;

    public static Cpu operator -(Cpu a, Cpu b) => new(a.Server - b.Server, a.Tools - b.Tools, a.Machine - b.Machine);

    public static Cpu operator +(Cpu a, Cpu b) => new(a.Server + b.Server, a.Tools + b.Tools, a.Machine + b.Machine);

    public static Cpu Subtract(Cpu a, Cpu b) => a - b;

    public static Cpu Add(Cpu a, Cpu b) => a + b;
}

/// <summary>Reads both clocks of <see cref="Cpu"/>; /proc's counters are in USER_HZ (100 per second on Linux).</summary>
public sealed class CpuClock(string dataDirectory)
{
    private const double UserHz = 100;
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8]; // cpu user nice system idle iowait irq softirq steal
    private int _postmaster;

    public Cpu Now() => new(ServerTicks() / UserHz, Stat("self")!.ChildTicks / UserHz, MachineTicks() / UserHz);

    /// <summary>Busy time of the whole machine (user, nice, system, irq, softirq, steal; not idle or I/O wait), from /proc/stat.</summary>
    private static long MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return BusyFields.Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The server: the postmaster's own time and its reaped backends', and the time so far of the live ones. (The
    /// tools are this process's reaped children, their own reaped children included: every tool waits for its own.)
    /// </summary>
    private long ServerTicks()
    {
        var ticks = 0L;
        _postmaster = _postmaster != 0 ? _postmaster : int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        if (Stat(_postmaster.ToString(CultureInfo.InvariantCulture)) is { } postmaster)
        {
            ticks += postmaster.OwnTicks + postmaster.ChildTicks;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length > 0 && char.IsAsciiDigit(name[0]) && Stat(name) is { } p && p.Parent == _postmaster)
            {
                ticks += p.OwnTicks;
            }
        }

        return ticks;
    }

    private sealed record ProcStat(int Parent, long OwnTicks, long ChildTicks);

    // /proc/PID/stat: "pid (comm) state ppid ... utime stime cutime cstime ..."; comm may hold spaces, so split after the last ')'.
    private static ProcStat? Stat(string pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            return new ProcStat((int)L(1), L(11) + L(12), L(13) + L(14));
        }
        catch (IOException)
        {
            return null; // exited meanwhile
        }
    }
}
