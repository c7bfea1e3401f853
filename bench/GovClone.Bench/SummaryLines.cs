using System.Globalization;

namespace GovClone.Bench;

/// <summary>Issue 26.6: one line per size, in exactly this format (checks outside the repo read it), before the last line.</summary>
public static class SummaryLines
{
    /// <summary>
    /// <c>size 0.3GB: first-clone 1.05x plain, 1.02x best peer (pg_dump -Fd); first-up 0.97x plain; branch-ready 0.66 s; re-clone-ready 0.26 s</c>:
    /// the first clone (streams) against plain and the fastest peer, the first <c>up</c> (clone + retained template)
    /// against plain, branch create + seed + suite, and a re-clone from its start to its ready event.
    /// </summary>
    public static string For(SizeRun run, Ways ways)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ways);
        var inv = CultureInfo.InvariantCulture;
        var first = run[ways.Streams].Median;
        var plain = run[ways.Plain].Median;
        var peer = run.FastestPeer is { } p
            ? string.Create(inv, $"{p.Seconds / first:0.00}x best peer ({p.Way.PeerName})")
            : "n/a best peer (none ran)";
        return string.Create(inv,
            $"size {Label(run.RequestedBytes)}: first-clone {plain / first:0.00}x plain, {peer}; first-up {plain / run[ways.StreamsTemplate].Median:0.00}x plain; branch-ready {run[ways.Branch].Median:0.00} s; re-clone-ready {run[ways.Ready].Median:0.00} s");
    }

    /// <summary>The size as the line writes it: 0.3GB, 1.2GB, 3GB, 48MB (decimal units, as --sizes reads them).</summary>
    public static string Label(long bytes) => bytes >= 100_000_000
        ? (bytes / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "GB"
        : (bytes / 1e6).ToString("0", CultureInfo.InvariantCulture) + "MB";
}
