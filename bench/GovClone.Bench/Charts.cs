using ScottPlot;

namespace GovClone.Bench;

/// <summary>
/// Issue 26.5: the charts beside the tables, as PNG and SVG (ScottPlot 5): seconds per way against size, and the
/// timeline of one streams clone. Each returns the paths it wrote.
/// </summary>
public static class Charts
{
    private const int Width = 1100;
    private const int Height = 650;

    /// <summary>Each way's median seconds at each size, one line per way, seconds on a log scale (ways differ by 100x).</summary>
    public static IReadOnlyList<string> SizeChart(IReadOnlyList<SizeRun> runs, Ways ways, string directory)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(ways);
        var plot = new Plot();
        plot.Title("fresh clone and re-clone: median wall seconds per way, by source size");
        plot.XLabel("source size (GB)");
        plot.YLabel("seconds (log scale)");
        var palette = new ScottPlot.Palettes.Category20();
        var i = 0;
        foreach (var way in ways.All)
        {
            var points = runs.Where(r => r[way].Measured && r[way].Median > 0).Select(r => (X: r.Gigabytes, Y: Math.Log10(r[way].Median))).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), palette.GetColor(i++));
            line.LegendText = way.Name.Length > 70 ? way.Name[..70] + "…" : way.Name;
            line.LineWidth = way.Kind == WayKind.Govclone ? 2 : 3;
            line.LinePattern = way.Kind switch { WayKind.Peer => LinePattern.Dashed, WayKind.Limit => LinePattern.Dotted, _ => LinePattern.Solid };
            line.MarkerSize = 7;
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
        };
        // Beside the plot, not on it: inside, the ways' names covered the first clones' lines at the small sizes.
        plot.ShowLegend(Edge.Right);
        return Save(plot, directory, "bench-seconds-by-size", Width + 450, Height + 150);
    }

    /// <summary>The clone's steps and each lane's jobs (data, then build) as bars over time, and the machine's cores busy as a line.</summary>
    public static IReadOnlyList<string> TimelineChart(CloneTimeline timeline, string label, string directory)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var plot = new Plot();
        plot.Title($"one streams clone at {label}: steps, lanes' jobs (data, build) and cores busy");
        plot.XLabel("seconds since the engine started");
        var rows = timeline.Spans.Select(s => s.Row).Distinct().OrderBy(r => r == "steps" ? "" : r, StringComparer.Ordinal).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var stepColors = new Dictionary<string, Color>(StringComparer.Ordinal);
        foreach (var span in timeline.Spans)
        {
            var y = rows.Count - 1 - rows.IndexOf(span.Row);
            var color = span.Part switch
            {
                "data" => Colors.SteelBlue,
                "build" => Colors.DarkOrange,
                _ => stepColors.TryGetValue(span.Part, out var c) ? c : stepColors[span.Part] = palette.GetColor(stepColors.Count + 2),
            };
            var bar = plot.Add.Rectangle(span.Start, Math.Max(span.End, span.Start + 0.005), y - 0.35, y + 0.35);
            bar.FillColor = color.WithAlpha(0.75);
            bar.LineColor = Colors.Black.WithAlpha(0.5);
            if (span.Row == "steps" || span.Seconds >= timeline.Seconds / 25)
            {
                var text = plot.Add.Text(span.Row == "steps" ? span.Part : span.What.Trim('"'), span.Start, y + (span.Row == "steps" ? 0.42 : 0));
                text.LabelFontSize = 10;
            }
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            rows.Select((r, i) => (double)(rows.Count - 1 - i)).ToArray(), rows.ToArray());
        plot.Axes.SetLimitsY(-0.8, rows.Count - 0.2);

        if (timeline.Cores.Count > 1)
        {
            var cores = plot.Add.Scatter(timeline.Cores.Select(c => c.At).ToArray(), timeline.Cores.Select(c => c.Cores).ToArray(), Colors.Crimson);
            cores.Axes.YAxis = plot.Axes.Right;
            cores.MarkerSize = 0;
            cores.LineWidth = 2;
            cores.LegendText = "cores busy (whole machine, 100 ms samples)";
            plot.Axes.Right.Label.Text = $"cores busy (of {Environment.ProcessorCount})";
            plot.Axes.SetLimitsY(0, Environment.ProcessorCount + 0.2, plot.Axes.Right);
            plot.ShowLegend(Alignment.UpperRight);
        }

        return Save(plot, directory, "bench-timeline", Width, 120 + (90 * rows.Count));
    }

    private static IReadOnlyList<string> Save(Plot plot, string directory, string name, int width, int height)
    {
        Directory.CreateDirectory(directory);
        var png = Path.Combine(directory, name + ".png");
        var svg = Path.Combine(directory, name + ".svg");
        plot.SavePng(png, width, height);
        plot.SaveSvg(svg, width, height);
        return [png, svg];
    }
}
