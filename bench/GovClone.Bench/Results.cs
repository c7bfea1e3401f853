using System.Globalization;

namespace GovClone.Bench;

/// <summary>What a way is: the runbook's baseline, a peer tool, a govclone process, or a physical limit.</summary>
public enum WayKind
{
    Baseline,
    Peer,
    Govclone,
    Limit,
}

/// <summary>One way of making a fresh clone, as its table row names it; <paramref name="PeerName"/> names a peer in the last line.</summary>
public sealed record Way(string Name, WayKind Kind, string PeerName = "");

/// <summary>Every way the bench times, in the order each round runs them.</summary>
public sealed class Ways
{
    public Ways(int jobs)
    {
        var j = jobs.ToString(CultureInfo.InvariantCulture);
        PgDump = new($"peer: pg_dump -Fd -j {j} -Z 0, pg_restore -j {j}, ANALYZE", WayKind.Peer, "pg_dump -Fd");
        PgCopyDb = new($"peer: pgcopydb clone --table-jobs {j} --index-jobs {j}", WayKind.Peer, "pgcopydb");
        All = [Plain, PgDump, PgCopyDb, Streams, MaskedCredentials, MaskedPersonal, StreamsTemplate, Template, Ready, ForceSeed, SpareRemake, Branch, SourceTemplate, FileCopy];
    }

    public Way Plain { get; } = new("plain: pg_dump | psql, then ANALYZE (the runbook)", WayKind.Baseline);

    public Way PgDump { get; }

    public Way PgCopyDb { get; }

    public Way Streams { get; } = new("govclone first clone: streams (clone --clone-method streams)", WayKind.Govclone);

    /// <summary>Issue 25.5: the same streams clone, masked in the source query (govclone:masking credentials), next to the unmasked one.</summary>
    public Way MaskedCredentials { get; } = new("govclone first clone, masked (credentials)", WayKind.Govclone);

    /// <summary>Issue 25.5: credentials plus emails, names, IPs and user agents (govclone:masking personal).</summary>
    public Way MaskedPersonal { get; } = new("govclone first clone, masked (personal)", WayKind.Govclone);

    public Way StreamsTemplate { get; } = new("govclone first clone + retained template (what `up` does first)", WayKind.Govclone);

    public Way Template { get; } = new("govclone re-clone from the retained template (clone --force, keepSpare false)", WayKind.Govclone);

    /// <summary>Issue 15.6's row: from the start of clone --force until the ready event: a fresh complete clone accepts connections.</summary>
    public Way Ready { get; } = new("govclone re-clone ready (clone --force: start to its ready event; the spare swapped in)", WayKind.Govclone);

    public Way ForceSeed { get; } = new("govclone clone --force && govclone seed", WayKind.Govclone);

    /// <summary>The spare's remake, off the critical path (clone --force starts it in the background): measured on its own.</summary>
    public Way SpareRemake { get; } = new("govclone spare (the spare's remake, off the critical path)", WayKind.Govclone);
    /// <summary>
    /// Issue 17's row: a branch for a pull request, from the template to a seeded copy that passed the suite; since issue
    /// 26.4 with the ready branch spare made (untimed) before, as a user's clone has it: the create renames it.
    /// </summary>
    public Way Branch { get; } = new("govclone branch create + seed + suite (the ready branch spare renamed)", WayKind.Govclone);

    public Way SourceTemplate { get; } = new("govclone source-template (explicit; idle source only)", WayKind.Govclone);

    public Way FileCopy { get; } = new("file-copy limit: cp of the database's files + sync", WayKind.Limit);

    public IReadOnlyList<Way> All { get; }
}

/// <summary>One way's measurements at one size: a time per round, and what the first round checked.</summary>
public sealed class WayStats
{
    public List<double> Seconds { get; } = [];

    /// <summary>Per round: CPU-seconds of the way's own processes, and of the whole machine meanwhile.</summary>
    public List<Cpu> Cpu { get; } = [];

    /// <summary>Each part's median over the rounds.</summary>
    public Cpu MedianCpu => new(Stats.Median(Cpu.Select(c => c.Server).ToList()), Stats.Median(Cpu.Select(c => c.Tools).ToList()), Stats.Median(Cpu.Select(c => c.Machine).ToList()));

    /// <summary>The highest peak RSS of the way's govclone processes (0: not a govclone process).</summary>
    public long PeakRssBytes { get; set; }

    public string Equal { get; set; } = "-";

    public string Suite { get; set; } = "-";

    /// <summary>Why the way was not measured (one line), or null.</summary>
    public string? Skipped { get; set; }

    public bool Measured => Seconds.Count > 0;

    public double Median => Stats.Median(Seconds);
}

/// <summary>Everything measured at one source size.</summary>
public sealed class SizeRun
{
    public SizeRun(long requestedBytes, long sourceBytes, Ways ways)
    {
        ArgumentNullException.ThrowIfNull(ways);
        RequestedBytes = requestedBytes;
        SourceBytes = sourceBytes;
        Ways = ways.All.ToDictionary(w => w, _ => new WayStats());
    }

    /// <summary>The size asked for (--size/--sizes), as it names this run.</summary>
    public long RequestedBytes { get; }

    /// <summary>The source's actual size (pg_database_size).</summary>
    public long SourceBytes { get; }

    public IReadOnlyDictionary<Way, WayStats> Ways { get; }

    /// <summary>
    /// The share of the machine's cores that processes other than the timed ways' kept busy while the ways ran
    /// (0: a quiet machine; 1: every core busy with others' work): how much to trust this size's seconds.
    /// </summary>
    public double OthersShare
    {
        get
        {
            var measured = Ways.Values.Where(w => w.Measured).ToList();
            var wall = measured.Sum(w => w.Seconds.Sum()) * Environment.ProcessorCount;
            return wall > 0 ? measured.Sum(w => w.Cpu.Sum(c => c.Machine - c.Own)) / wall : 0;
        }
    }

    public Dictionary<string, List<double>> Levers { get; } = new(StringComparer.Ordinal) { ["noop up"] = [], ["reset"] = [], ["suite (verify)"] = [] };

    /// <summary>The highest peak RSS of any govclone process at this size, levers included.</summary>
    public long PeakRssBytes { get; set; }

    /// <summary>The machine's 1-minute load average when this size's rounds started and ended (others' work shows here).</summary>
    public string LoadAverage { get; set; } = "?";

    public string Label => Stats.SizeLabel(RequestedBytes);

    public double Gigabytes => SourceBytes / 1e9;

    public WayStats this[Way way] => Ways[way];

    /// <summary>The fastest peer measured at this size, or null when none ran.</summary>
    public (Way Way, double Seconds)? FastestPeer =>
        Ways.Where(kv => kv.Key.Kind == WayKind.Peer && kv.Value.Measured)
            .Select(kv => ((Way, double)?)(kv.Key, kv.Value.Median))
            .MinBy(p => p!.Value.Item2);
}

public static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>A size as --sizes writes it: 0.3 GB, 1.2 GB, 48 MB (decimal units, as SourceGenerator.ParseSize reads them).</summary>
    public static string SizeLabel(long bytes) => bytes >= 100_000_000
        ? (bytes / 1e9).ToString("0.0##", CultureInfo.InvariantCulture) + " GB"
        : (bytes / 1e6).ToString("0", CultureInfo.InvariantCulture) + " MB";

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}

/// <summary>The sort-memory probe's builds: the lane's memory against maintenance_work_mem.</summary>
public sealed class SortProbe(IReadOnlyList<(string Table, string Definition, long LaneKilobytes)> indexes)
{
    public IReadOnlyList<(string Table, string Definition, long LaneKilobytes)> Indexes { get; } = indexes;

    public (List<double> Seconds, List<double> Cpu) Cap { get; } = ([], []);

    public (List<double> Seconds, List<double> Cpu) Lane { get; } = ([], []);
}

/// <summary>
/// The copy path's probe: one big table's rows, source to a scratch database, through the engine's psql relays and
/// through a server-side FIFO, alternately (<see cref="BenchLab.TimeCopyPathAsync"/>). <see cref="Skipped"/> says why
/// it did not run (the server's account could not use the FIFO, say); it is not a way govclone uses.
/// </summary>
public sealed class CopyPathProbe(string table, long sourceRows)
{
    /// <summary>The engine's load session options and relay buffers (engine/lib.sh in_clone, in_source): a test holds them equal.</summary>
    public const string EngineLoadOptions = "-c synchronous_commit=off -c backend_flush_after=2MB";

    public const string EngineRelayOut = "stdbuf -o64K";

    public const string EngineRelayIn = "stdbuf -i64K";

    public string Table { get; } = table;

    public long SourceRows { get; } = sourceRows;

    public (List<double> Seconds, List<double> Cpu) Relays { get; } = ([], []);

    public (List<double> Seconds, List<double> Cpu) Fifo { get; } = ([], []);

    public string? Skipped { get; set; }
}

