using GovClone.Bench;
using Spectre.Console;

namespace GovClone.Tests.Bench;

/// <summary>
/// Issue 26.6's per-size line, in its exact format (checks outside the repo read it), from measured values; the
/// timeline's reading of engine events is tested on a real engine run in EngineTests.
/// </summary>
public sealed class BenchReportTests
{
    [Fact]
    public void The_per_size_line_has_the_issue_s_exact_format()
    {
        var ways = new Ways(2);
        var run = new SizeRun(300_000_000, 310_000_000, ways);
        void Seconds(Way way, double s) => run[way].Seconds.Add(s);
        Seconds(ways.Plain, 3.15);
        Seconds(ways.PgDump, 3.06);
        Seconds(ways.PgCopyDb, 9.0);
        Seconds(ways.Streams, 3.0);
        Seconds(ways.StreamsTemplate, 3.25);
        Seconds(ways.Branch, 0.66);
        Seconds(ways.Ready, 0.26);

        Assert.Equal(
            "size 0.3GB: first-clone 1.05x plain, 1.02x best peer (pg_dump -Fd); first-up 0.97x plain; branch-ready 0.66 s; re-clone-ready 0.26 s",
            SummaryLines.For(run, ways));
    }

    [Theory]
    [InlineData(300_000_000, "0.3GB")]
    [InlineData(1_200_000_000, "1.2GB")]
    [InlineData(3_000_000_000, "3GB")]
    [InlineData(48_000_000, "48MB")]
    public void Sizes_are_written_as_sizes_reads_them(long bytes, string label) => Assert.Equal(label, SummaryLines.Label(bytes));

    [Fact]
    public void Without_a_peer_the_line_says_so_in_its_place()
    {
        var ways = new Ways(2);
        var run = new SizeRun(48_000_000, 66_000_000, ways);
        foreach (var way in new[] { ways.Plain, ways.Streams, ways.StreamsTemplate, ways.Branch, ways.Ready })
        {
            run[way].Seconds.Add(1.0);
        }

        Assert.Equal("size 48MB: first-clone 1.00x plain, n/a best peer (none ran); first-up 1.00x plain; branch-ready 1.00 s; re-clone-ready 1.00 s", SummaryLines.For(run, ways));
    }

    [Fact]
    public void Each_size_carries_the_masked_first_clone_targets_against_the_unmasked_one()
    {
        var ways = new Ways(2);
        var run = new SizeRun(48_000_000, 66_000_000, ways);
        foreach (var way in ways.All)
        {
            run[way].Seconds.Add(2.0);
        }

        run[ways.MaskedCredentials].Seconds[0] = 2.2; // 1.10x of the unmasked streams clone
        run[ways.MaskedPersonal].Seconds[0] = 2.4; // 1.20x
        foreach (var lever in run.Levers.Values)
        {
            lever.Add(0.5);
        }

        var targets = Report.Targets([run], run, ways).ToDictionary(t => t.Name, StringComparer.Ordinal);
        Assert.Equal(true, targets["[48 MB] first clone masked (credentials) within 1.15x of unmasked"].Met);
        Assert.Equal("1.10x the unmasked streams clone's time", targets["[48 MB] first clone masked (credentials) within 1.15x of unmasked"].Have);
        Assert.Equal(false, targets["[48 MB] first clone masked (personal) within 1.15x of unmasked"].Met);
        Assert.Equal("size 48MB: first-clone 1.00x plain, 1.00x best peer (pg_dump -Fd); first-up 1.00x plain; branch-ready 2.00 s; re-clone-ready 2.00 s", SummaryLines.For(run, ways));
    }

    [Fact]
    public void The_fixed_seconds_line_splits_a_clone_from_its_process_start_to_its_exit()
    {
        // Arrival times on the bench's clock (the process started at 0): the engine's first event came 0.40 s in with
        // ms 50, so the engine started at 0.35 s; ready came at 3.35 s (engine 3.00 s), the process ended at 3.60 s.
        static string Step(string phase, string name, int ms) => $$"""{"event":"step","phase":"{{phase}}","step":1,"steps":3,"name":"{{name}}","ms":{{ms}}}""";
        var events = new List<(double, string)>
        {
            (0.40, """{"event":"method","method":"streams","ms":50}"""),
            (0.41, Step("start", "create", 60)),
            (0.65, Step("finish", "create", 300)),
            (0.66, Step("start", "copy", 310)),
            (3.25, Step("finish", "copy", 2900)),
            (3.26, Step("start", "mark", 2910)),
            (3.34, Step("finish", "mark", 2990)),
            (3.35, """{"event":"ready","database":"directus_gov_test_x","method":"streams","ms":3000}"""),
            (3.40, """{"event":"lever","ok":true}"""), // govclone's own, no engine clock: not counted
        };

        var line = CloneTimeline.FromEvents(events, []).FixedCosts(3.60);

        Assert.Equal(
            "3.60 s: before the engine 0.35 s, create 0.24 s, copy 2.59 s, mark 0.08 s, the engine outside its steps 0.09 s, after ready 0.25 s",
            line);
    }

    [Fact]
    public void The_first_up_line_splits_a_clone_that_keeps_its_template_at_ready_and_at_the_template()
    {
        // The process started at 0; ready arrived at 4.60 s, the kept template's event at 6.65 s; the process ended at 6.80 s.
        var events = new List<(double, string)>
        {
            (0.40, """{"event":"method","method":"streams","ms":50}"""),
            (4.60, """{"event":"ready","database":"directus_gov_test_x","method":"streams","ms":4250}"""),
            (6.65, """{"event":"template","kept":true,"database":"directus_gov_test_x_template","reason":"for re-clones (STRATEGY FILE_COPY)","ms":6300}"""),
            (6.70, """{"event":"changed","changed":true,"method":"streams","ms":6350}"""),
        };

        Assert.Equal(
            "6.80 s: the clone ready at 4.60 s, then its retained template 2.05 s, then the exit 0.15 s",
            CloneTimeline.FromEvents(events, []).FirstUpCosts(6.80));
    }

    [Fact]
    public void Without_a_kept_template_there_is_no_first_up_line()
    {
        var events = new List<(double, string)>
        {
            (0.40, """{"event":"method","method":"streams","ms":50}"""),
            (4.60, """{"event":"ready","database":"directus_gov_test_x","method":"streams","ms":4250}"""),
            (4.70, """{"event":"template","kept":false,"database":"directus_gov_test_x_template","reason":"retainTemplate false","ms":4350}"""),
        };

        Assert.Null(CloneTimeline.FromEvents(events, []).FirstUpCosts(4.80));
    }

    [Fact]
    public void Without_a_ready_event_there_is_no_fixed_seconds_line()
    {
        var events = new List<(double, string)> { (0.40, """{"event":"method","method":"streams","ms":50}""") };
        Assert.Null(CloneTimeline.FromEvents(events, []).FixedCosts(1.0));
    }

    [Fact]
    public void The_copy_path_table_gives_the_fifo_s_median_cpu_against_the_relays()
    {
        var ways = new Ways(2);
        var probe = new CopyPathProbe("public.directus_revisions", 301_600);
        probe.Relays.Seconds.AddRange([1.10, 1.20]);
        probe.Relays.Cpu.AddRange([1.50, 1.70]);
        probe.Fifo.Seconds.AddRange([1.00, 1.06]);
        probe.Fifo.Cpu.AddRange([1.20, 1.20]);
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;

        console.Write(Report.CopyPathTable(probe, new SizeRun(300_000_000, 310_000_000, ways), 2));

        var fifoRow = text.ToString().Split('\n').Single(l => l.Contains("server-side FIFO", StringComparison.Ordinal));
        Assert.Equal(["1.03", "1.20", "0.75"], fifoRow.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[1..]);
        Assert.Contains("301,600 rows", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_copy_path_probe_moves_rows_with_the_engine_s_own_relay_buffers_and_load_options()
    {
        // The probe's relays stand for a streams clone's lane (engine/lanes.sh copy_table through lib.sh's in_source
        // and in_clone); if the engine's buffers or load options change, the probe must change with them.
        var lib = File.ReadAllText(Path.Combine(GovClone.Configuration.SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory), "engine", "lib.sh"));
        Assert.Contains($"relay=({CopyPathProbe.EngineRelayOut})", lib, StringComparison.Ordinal);
        Assert.Contains($"relay=({CopyPathProbe.EngineRelayIn})", lib, StringComparison.Ordinal);
        Assert.Contains($"PGOPTIONS=\"$PGOPTIONS {CopyPathProbe.EngineLoadOptions}\"", lib, StringComparison.Ordinal);
    }
}
