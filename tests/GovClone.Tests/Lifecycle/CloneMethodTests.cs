using System.Globalization;
using GovClone.Engine;
using GovClone.Lifecycle;
using GovClone.Processes;
using GovClone.Sandbox;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Tests.Lifecycle;

/// <summary>
/// The fast ways of getting a fresh clone (govclone:cloneMethod) against the real server: each one's clone
/// equals the source table by table, is marked complete only when whole, and passes the suite; the
/// retained template is guarded, counted and removed with the clone.
/// </summary>
public class CloneMethodTests : CloneTestBase
{
    [Fact]
    public async Task A_streams_clone_equals_the_source_in_every_table_row_count_and_checksum()
    {
        var phases = new List<string>();
        var settings = Pg.Settings(Clone, new Dictionary<string, string?>
        {
            ["cloneMethod"] = "streams",
            ["retainTemplate"] = "false",
            ["streamTableMinBytes"] = (await BigTableThresholdAsync(TestServer.Source)).ToString(CultureInfo.InvariantCulture),
        });
        var lifecycle = new CloneLifecycle(settings, new SyncProgress(p => phases.Add(p.Phase)));
        var result = await lifecycle.CloneAsync();

        Assert.True(result.Changed);
        Assert.Contains("by streams", result.Summary, StringComparison.Ordinal);
        Assert.Contains(phases, p => p.Contains("copying data: 2 big table(s) in binary COPY streams", StringComparison.Ordinal));
        Assert.Equal(await TableDigestsAsync(TestServer.Source), await TableDigestsAsync(Clone));
        Assert.Equal(await CatalogCountsAsync(TestServer.Source), await CatalogCountsAsync(Clone));
        Assert.Equal(await SequencesAsync(TestServer.Source), await SequencesAsync(Clone));
        Assert.True((long)(await Pg.ScalarAsync(Clone, "SELECT count(*) FROM pg_stats WHERE tablename = 'directus_revisions'"))! > 0, "the clone was analyzed");
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase), "retainTemplate false keeps no template");

        var up = await lifecycle.UpAsync();
        Assert.True(up.Verify.Passed);
        Assert.True(up.ProductionUnchanged);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_streams_clone_relays_with_stdbuf_when_it_works_and_without_it_otherwise(bool stdbufWorks)
    {
        // stdbuf gives the relays 64 KB pipe buffers; busybox images have none. A stdbuf that fails stands in
        // for that: the script must notice and relay as it is (were the broken one used, every copy would fail).
        using var bin = new FaultTests.TempDirectory();
        if (!stdbufWorks)
        {
            FaultTests.WriteTool(bin.Path, "stdbuf", "exit 1");
        }

        var settings = Pg.Settings(Clone, new Dictionary<string, string?>
        {
            ["cloneMethod"] = "streams",
            ["retainTemplate"] = "false",
            ["streamTableMinBytes"] = (await BigTableThresholdAsync(TestServer.Source)).ToString(CultureInfo.InvariantCulture),
        });
        var transport = new ServerTransport(settings);
        var spec = transport.BashScript(EngineScript.Clone(settings, transport));
        var environment = new Dictionary<string, string?>(spec.Environment)
        {
            ["PATH"] = bin.Path + ":" + Environment.GetEnvironmentVariable("PATH"),
        };
        var result = await ProcessRunner.RunAsync(spec with { Environment = environment });

        Assert.True(result.Succeeded, result.StandardError);
        var events = Events(result.StandardOutput);
        Assert.Equal(stdbufWorks, events.OfType<RelaysEvent>().Single().Stdbuf);
        Assert.Contains(events.OfType<StepEvent>(), s => s.IsStart && s.Text!.StartsWith("copying data: 2 big table(s) in binary COPY streams", StringComparison.Ordinal));
        Assert.Equal(await TableDigestsAsync(TestServer.Source), await TableDigestsAsync(Clone));
        Assert.True((await new CloneLifecycle(settings).StatusAsync()).State.Complete);
    }

    [Fact]
    public async Task A_streams_clone_sorts_its_lane_index_builds_in_the_job_lists_memory_and_a_lane_left_alone_builds_in_parallel()
    {
        // The test source's indexes are small: every lane sorts in the 8 MB floor. The revisions table's load is
        // held until another lane has finished: the lane left alone then builds its indexes with a parallel
        // worker, in 32 MB per participant (PostgreSQL launches none with less). TMPDIR is the test's own, so
        // the held psql can see the script's lane files.
        var (result, settings) = await RunStreamsEngineWithHeldPsqlAsync("""
            if [[ "$*" == *'COPY "public"."directus_revisions"'*'FROM STDIN'* ]]; then
              for _ in $(seq 1 3000); do # until another lane has finished (at most 5 minutes on a busy machine)
                if compgen -G "$TMPDIR/govclone-clone.*/lane.*.done" >/dev/null; then break; fi
                sleep 0.1
              done
            fi
            """);

        Assert.True(result.Succeeded, result.StandardError);
        var lanes = Events(result.StandardOutput).OfType<LaneEvent>().Select(l => l.Text).ToList();
        Assert.Equal(3, lanes.Count); // two big tables and the rest
        const string Alone = ": index builds sort in 65536kB with up to 1 parallel worker(s), one per lane that has finished or is building its last job";
        const string Busy = ": index builds sort in 8192kB, no parallel workers";
        Assert.All(lanes, l => Assert.True(l.EndsWith(Alone, StringComparison.Ordinal) || l.EndsWith(Busy, StringComparison.Ordinal), l));
        Assert.Contains(lanes, l => l.EndsWith(": post-data of \"public\".\"directus_revisions\"" + Alone, StringComparison.Ordinal));
        Assert.Contains(lanes, l => l.EndsWith(Busy, StringComparison.Ordinal)); // the first job of the lane that finished first
        Assert.Equal(await TableDigestsAsync(TestServer.Source), await TableDigestsAsync(Clone));
        Assert.Equal(await CatalogCountsAsync(TestServer.Source), await CatalogCountsAsync(Clone));
        Assert.True((await new CloneLifecycle(settings).StatusAsync()).State.Complete);
    }

    [Fact]
    public async Task A_streams_clone_gives_a_big_tables_index_builds_a_parallel_worker_while_the_other_lane_builds_its_last_job()
    {
        // The revisions table finishes loading only after another lane has copied all its data and begun its last
        // job's build (lane.N.tail); that build (the small tables': the job that ends with analyze-late) is held until
        // both lanes are on their last build. So the revisions table's index builds start beside a lane with nothing
        // left to copy, which is still building: one parallel worker (before, none until that lane had finished, and
        // the last big table's builds ran alone on one core while the other idled).
        var (result, _) = await RunStreamsEngineWithHeldPsqlAsync("""
            tails() { compgen -G "$TMPDIR/govclone-clone.*/lane.*.tail" | wc -l; }
            hold_until() { # at most 5 minutes on a busy machine
              for _ in $(seq 1 3000); do if [ "$(tails)" -ge "$1" ]; then return; fi; sleep 0.1; done
            }
            file=''; prev=''
            for a in "$@"; do if [ "$prev" = -f ]; then file="$a"; fi; prev="$a"; done
            if [[ "$*" == *'COPY "public"."directus_revisions"'*'FROM STDIN'* ]]; then
              hold_until 1
            elif [[ "$file" == */finish.*.psql ]] && grep -q analyze-late "$file"; then
              hold_until 2
            fi
            """);

        Assert.True(result.Succeeded, result.StandardError);
        var lanes = Events(result.StandardOutput).OfType<LaneEvent>().ToList();
        var revisions = Assert.Single(lanes, l => l.Table == "\"public\".\"directus_revisions\"");
        var rest = Assert.Single(lanes, l => l.Table == "-");
        Assert.NotEqual(rest.Lane.Split('.')[0], revisions.Lane.Split('.')[0]);
        Assert.Equal(1, revisions.Workers);
        Assert.EndsWith(": index builds sort in 65536kB with up to 1 parallel worker(s), one per lane that has finished or is building its last job", revisions.Text, StringComparison.Ordinal);
        Assert.Equal(await TableDigestsAsync(TestServer.Source), await TableDigestsAsync(Clone));
        Assert.Equal(await CatalogCountsAsync(TestServer.Source), await CatalogCountsAsync(Clone));
    }

    [Fact]
    public async Task A_streams_clones_build_sessions_ask_the_kernel_to_write_its_pages_back_as_they_go_and_production_sessions_do_not()
    {
        // backend_flush_after 2MB on every psql session on the build (in_clone, engine/lib.sh): what the loads write is on
        // its way to disk while the copy runs, not left for the retained template's checkpoint to wait for. Production's
        // sessions keep the server's settings. Each psql records its database (-d) and the options it starts its session
        // with; the clone succeeding shows the server took them (a value it rejects fails the connection).
        using var record = new FaultTests.TempDirectory();
        var options = Path.Combine(record.Path, "pgoptions");
        var (result, _) = await RunStreamsEngineWithHeldPsqlAsync($$"""
            db=''; prev=''
            for a in "$@"; do if [ "$prev" = -d ]; then db="$a"; fi; prev="$a"; done
            printf '%s\t%s\n' "$db" "$PGOPTIONS" >> '{{options}}'
            """);

        Assert.True(result.Succeeded, result.StandardError);
        var sessions = (await File.ReadAllLinesAsync(options)).Select(l => l.Split('\t', 2)).ToList();
        var build = sessions.Where(s => s[0] == Clone + GovClone.Guards.FamilyRules.NextSuffix).ToList();
        var production = sessions.Where(s => s[0] == TestServer.Source).ToList();
        Assert.True(build.Count >= 3, $"{build.Count} psql sessions on the build"); // schema, both lanes' loads, at least
        Assert.True(production.Count >= 2, $"{production.Count} psql sessions on production"); // the snapshot, the streams
        Assert.All(build, s => Assert.Contains(" -c backend_flush_after=2MB", s[1], StringComparison.Ordinal));
        Assert.All(production, s => Assert.DoesNotContain("backend_flush_after", s[1], StringComparison.Ordinal));
        Assert.Equal(await TableDigestsAsync(TestServer.Source), await TableDigestsAsync(Clone));
    }

    /// <summary>
    /// The streams engine as govclone sends it, with 64 MB of maintenance memory, through a bin folder whose psql first
    /// runs <paramref name="hold"/> (bash that may wait on the engine's lane files; it sees the psql arguments as
    /// <c>$@</c>), with TMPDIR the test's own so that it finds them; pg_dump and pg_restore are the server's.
    /// </summary>
    private async Task<(ProcessResult Result, GovClone.Configuration.GovCloneSettings Settings)> RunStreamsEngineWithHeldPsqlAsync(string hold)
    {
        using var bin = new FaultTests.TempDirectory();
        using var tmp = new FaultTests.TempDirectory();
        FaultTests.WriteTool(bin.Path, "psql", hold + "\n" + $"exec {Pg.Server.BinDirectory}/psql \"$@\"");
        FaultTests.WriteTool(bin.Path, "pg_dump", $"exec {Pg.Server.BinDirectory}/pg_dump \"$@\"");
        FaultTests.WriteTool(bin.Path, "pg_restore", $"exec {Pg.Server.BinDirectory}/pg_restore \"$@\"");
        var settings = Pg.Settings(Clone, new Dictionary<string, string?>
        {
            ["cloneMethod"] = "streams",
            ["retainTemplate"] = "false",
            ["pgBinDir"] = bin.Path,
            ["maintenanceWorkMem"] = "64MB",
            ["streamTableMinBytes"] = (await BigTableThresholdAsync(TestServer.Source)).ToString(CultureInfo.InvariantCulture),
        });
        var transport = new ServerTransport(settings);
        var spec = transport.BashScript(EngineScript.Clone(settings, transport));
        var result = await ProcessRunner.RunAsync(spec with { Environment = new Dictionary<string, string?>(spec.Environment) { ["TMPDIR"] = tmp.Path } });
        return (result, settings);
    }

    [Fact]
    public async Task A_streams_clone_builds_every_shape_of_post_data_and_analyzes_every_relation()
    {
        // The lane that loads the small tables also builds their keys, indexes and foreign keys and analyzes
        // them; the big tables are analyzed in their lanes; what touches a big table, a partition tree or a
        // materialized view is left for the last steps. One source with each of those shapes.
        await WithOwnSourceAsync("directus_shapes", async source =>
        {
            await Pg.ExecuteAsync(source, """
                CREATE TABLE shape_parent (id int PRIMARY KEY, code text UNIQUE);
                CREATE TABLE shape_child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES shape_parent, name text NOT NULL);
                CREATE INDEX shape_child_lower_name ON shape_child (lower(name));
                CREATE TABLE shape_ref (id int PRIMARY KEY, activity int REFERENCES directus_activity (id), child int REFERENCES shape_child);
                CREATE TABLE shape_events (id int, at date, parent_id int REFERENCES shape_parent, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
                CREATE TABLE shape_events_2025 PARTITION OF shape_events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                CREATE TABLE shape_events_2026 PARTITION OF shape_events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                CREATE FUNCTION shape_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := NEW.name; RETURN NEW; END $$;
                CREATE TRIGGER shape_child_touch BEFORE INSERT ON shape_child FOR EACH ROW EXECUTE FUNCTION shape_touch();
                INSERT INTO shape_parent SELECT g, 'P' || g FROM generate_series(1, 50) g;
                INSERT INTO shape_child SELECT g, 1 + g % 50, 'Child ' || g FROM generate_series(1, 400) g;
                INSERT INTO shape_ref SELECT row_number() OVER (ORDER BY id), id, 1 + id % 400 FROM (SELECT id FROM directus_activity ORDER BY id LIMIT 100) a;
                INSERT INTO shape_events SELECT g, date '2025-06-01' + g, 1 + g % 50 FROM generate_series(1, 300) g;
                CREATE MATERIALIZED VIEW shape_by_collection AS SELECT collection, count(*) AS n FROM directus_activity GROUP BY collection;
                CREATE UNIQUE INDEX shape_by_collection_key ON shape_by_collection (collection);
                -- Schema text the one-query schema restore must carry exactly: non-ASCII, backslashes, quotes, and
                -- lines that look like pg_dump's psql meta-commands but are not its own.
                COMMENT ON TABLE shape_parent IS 'Éléments — ünïcode ✓, a backslash \ and ''quotes''';
                ALTER TABLE shape_parent ADD COLUMN note text DEFAULT E'tab\there' CHECK (note <> 'a\b');
                CREATE FUNCTION shape_meta() RETURNS text LANGUAGE plpgsql AS $body$
                BEGIN
                  RETURN 'first line
                \restrict notthekey
                \unrestrict notthekey
                last line ✓';
                END
                $body$;
                """);
            var settings = Pg.Settings(Clone, new Dictionary<string, string?>
            {
                ["sourceDatabase"] = source,
                ["cloneMethod"] = "streams",
                ["retainTemplate"] = "false",
                ["streamTableMinBytes"] = (await BigTableThresholdAsync(source)).ToString(CultureInfo.InvariantCulture),
            });
            Assert.Contains("by streams", (await new CloneLifecycle(settings).CloneAsync()).Summary, StringComparison.Ordinal);

            Assert.Equal(await TableDigestsAsync(source), await TableDigestsAsync(Clone));
            Assert.Equal(await CatalogCountsAsync(source), await CatalogCountsAsync(Clone));
            var schemaText = await SchemaTextAsync(source);
            Assert.Contains("\\restrict notthekey", schemaText, StringComparison.Ordinal);
            Assert.Contains("ünïcode ✓, a backslash \\ and 'quotes'", schemaText, StringComparison.Ordinal);
            Assert.Equal(schemaText, await SchemaTextAsync(Clone));
            Assert.Equal(
                await Pg.ScalarAsync(source, "SELECT string_agg(collection || '=' || n, ',' ORDER BY collection) FROM shape_by_collection"),
                await Pg.ScalarAsync(Clone, "SELECT string_agg(collection || '=' || n, ',' ORDER BY collection) FROM shape_by_collection"));
            Assert.Equal(
                "",
                await Pg.ScalarAsync(Clone, "SELECT coalesce(string_agg(relname, ', '), '') FROM pg_stat_user_tables WHERE last_analyze IS NULL"));
            // The expression index existed when its table was analyzed, so its expression has statistics too.
            Assert.True((long)(await Pg.ScalarAsync(Clone, "SELECT count(*) FROM pg_stats WHERE tablename = 'shape_child_lower_name'"))! > 0);
            await Assert.ThrowsAsync<PostgresException>(() => Pg.ExecuteAsync(Clone, "INSERT INTO shape_child VALUES (9999, 9999, 'orphan')"));
            await Assert.ThrowsAsync<PostgresException>(() => Pg.ExecuteAsync(Clone, "INSERT INTO shape_ref VALUES (9999, -1, NULL)"));
        });
    }

    [Fact]
    public async Task A_streams_clone_under_a_concurrent_writer_is_consistent_at_one_snapshot()
    {
        // Its own source, so the writer disturbs no other test. Activity and revisions are streamed as
        // separate tables: only one snapshot for both gives equal pair counts (and lets post-data build the FK).
        await WithOwnSourceAsync("directus_writer", async source =>
        {
            var settings = Pg.Settings(Clone, new Dictionary<string, string?>
            {
                ["sourceDatabase"] = source,
                ["cloneMethod"] = "streams",
                ["retainTemplate"] = "false",
                ["streamTableMinBytes"] = (await BigTableThresholdAsync(source)).ToString(CultureInfo.InvariantCulture),
            });
            await using var writer = await PairWriter.StartAsync(Pg.Server.ConnectionString(source), "writer_test", warmup: 50);
            var result = await new CloneLifecycle(settings).CloneAsync();
            var writtenDuringClone = writer.Written;
            await using var clone = await Pg.OpenAsync(Clone);
            var (activity, revisions, orphans) = await writer.CountAsync(clone);

            Assert.Contains("by streams", result.Summary, StringComparison.Ordinal);
            Assert.True(activity >= 50, $"the clone holds the pairs written before it began ({activity})");
            Assert.True(activity < writtenDuringClone, $"the writer kept writing during the clone ({activity} of {writtenDuringClone})");
            Assert.Equal(activity, revisions);
            Assert.Equal(0L, orphans);
            Assert.Equal(1L, await Pg.ScalarAsync(Clone, "SELECT count(*) FROM pg_constraint WHERE conname = 'directus_revisions_activity_fkey'"));
        });
    }

    [Fact]
    public async Task A_retained_template_makes_re_clones_without_reading_the_source_and_goes_with_drop()
    {
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true" });
        var lifecycle = new CloneLifecycle(settings);
        var first = await lifecycle.CloneAsync();
        Assert.Contains("by streams", first.Summary, StringComparison.Ordinal);
        Assert.Contains("template: retained", first.Summary, StringComparison.Ordinal);

        var status = await lifecycle.StatusAsync();
        Assert.True(status.Template.Current);
        Assert.Contains("current", status.TemplateSummary, StringComparison.Ordinal);
        Assert.Equal(status.Template.SizeBytes, status.Facts.TemplateSizeBytes);
        Assert.Contains("retained template", status.Decision.Factors.Single(f => f.Factor == "Disk cost").Assessment, StringComparison.Ordinal);
        Assert.Equal(true, await Pg.ScalarAsync("postgres", $"SELECT datistemplate AND NOT datallowconn FROM pg_database WHERE datname = '{settings.TemplateDatabase}'"));
        var fresh = await TableDigestsAsync(Clone);

        // Seed the clone, then re-clone: it comes back fresh, from the template, and the source is not read
        // (no session on it while the re-clone runs: the template copy needs none).
        // Without a ready spare (keepSpare false) that is a FILE_COPY of the template; with one (the default), a swap
        // of names with the spare, itself a copy of the template made ahead of time.
        foreach (var (keepSpare, way) in new[] { ("auto", "by spare"), ("false", "by template") })
        {
            var reclone = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true", ["keepSpare"] = keepSpare }));
            Assert.True((await reclone.UpAsync()).Verify.Passed);
            Assert.NotEqual(fresh, await TableDigestsAsync(Clone));
            var again = await reclone.CloneAsync(force: true);
            Assert.Contains(way, again.Summary, StringComparison.Ordinal);
            Assert.Equal(fresh, await TableDigestsAsync(Clone));
            Assert.True((await reclone.StatusAsync()).State.ConnectRevokedFromPublic, "the re-created clone is closed to PUBLIC again");
            Assert.True((await reclone.UpAsync()).Verify.Passed, "a clone made from the template passes the suite");
        }

        // A new generation is a fresh copy of production: from the source, with a new template.
        var next = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true", ["cloneGeneration"] = "2" }));
        Assert.False((await next.StatusAsync()).Template.Current);
        Assert.Contains("by streams", (await next.CloneAsync()).Summary, StringComparison.Ordinal);
        Assert.True((await next.StatusAsync()).Template.Current);

        var drop = await next.DropAsync();
        Assert.Contains(settings.TemplateDatabase, drop.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(Clone));
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        Assert.False((await next.DropAsync()).Changed);
    }

    [Fact]
    public async Task The_destroy_script_drops_the_retained_template_and_a_second_run_changes_nothing()
    {
        // What the earlier Pulumi program's retained-template Command ran on destroy (now govclone drop does), through the transport.
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true" });
        await new CloneLifecycle(settings).CloneAsync();
        Assert.True(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));

        var transport = new ServerTransport(settings);
        var script = DeployScripts.DropTemplate(settings, transport);
        var first = await ProcessRunner.RunAsync(transport.BashScript(script));
        Assert.True(first.Succeeded, first.StandardError);
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        Assert.True(await Pg.DatabaseExistsAsync(Clone), "destroying the template leaves the clone to its own resource");
        var second = await ProcessRunner.RunAsync(transport.BashScript(script));
        Assert.True(second.Succeeded, second.StandardError);
    }

    [Fact]
    public async Task RetainTemplate_false_drops_a_template_and_clones_from_the_source()
    {
        await new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true" })).CloneAsync();
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "false" });
        Assert.True(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));

        var result = await new CloneLifecycle(settings).CloneAsync(force: true);
        Assert.Contains("by streams", result.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
    }

    [Fact]
    public async Task RetainTemplate_false_on_a_current_clone_drops_the_template_and_copies_nothing()
    {
        // What a Pulumi retainTemplate change runs (the clone Command's update): the clone lever converges the
        // template's presence too, under the lock, without re-cloning.
        await new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true" })).UpAsync();
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "false" });
        Assert.True(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        var marker = (string?)await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{Clone}'");

        var result = await new CloneLifecycle(settings).CloneAsync();
        Assert.True(result.Changed);
        Assert.Contains("dropped the retained template", result.Summary, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        Assert.Equal(marker, (string?)await Pg.ScalarAsync("postgres", $"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{Clone}'"));
        Assert.False((await new CloneLifecycle(settings).CloneAsync()).Changed);

        // up converges the same way; auto and true never drop one.
        await new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "true", ["cloneGeneration"] = "2" })).UpAsync();
        Assert.True(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        Assert.Equal(0, (await new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "auto", ["cloneGeneration"] = "2" })).UpAsync()).Changes);
        Assert.True(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
        var up = await new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "false", ["cloneGeneration"] = "2" })).UpAsync();
        Assert.Equal(1, up.Changes);
        Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase));
    }

    [Fact]
    public async Task CloneMethod_template_without_a_current_template_fails_and_leaves_the_clone_as_it_was()
    {
        var lifecycle = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["retainTemplate"] = "false" }));
        Assert.True((await lifecycle.UpAsync()).Verify.Passed);
        var marker = (await lifecycle.StatusAsync()).State.Marker;

        var template = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["cloneMethod"] = "template" }));
        var ex = await Assert.ThrowsAsync<GuardException>(() => template.CloneAsync(force: true));
        Assert.Equal(2, ex.ExitCode); // refused by the engine: exit 2, as every guard
        Assert.Equal("govclone:cloneMethod", ex.Setting);
        Assert.Contains("is not a current template", ex.Message, StringComparison.Ordinal);
        Assert.Equal(marker, (await lifecycle.StatusAsync()).State.Marker);
        Assert.True((await lifecycle.VerifyAsync()).Passed);
    }

    [Fact]
    public async Task CloneMethod_template_with_no_clone_and_no_template_is_refused_before_any_step_and_creates_nothing()
    {
        var messages = new List<string>();
        var lifecycle = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["cloneMethod"] = "template" }),
            new SyncProgress(p => messages.Add(p.Message ?? string.Empty)));
        var ex = await Assert.ThrowsAsync<GuardException>(() => lifecycle.CloneAsync());
        Assert.Equal(2, ex.ExitCode);
        Assert.Contains("nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(messages, m => m.StartsWith("clone 1/", StringComparison.Ordinal)); // no "database … exists" for a clone never made
        Assert.False(await Pg.DatabaseExistsAsync(Clone), "a refused clone creates nothing");
    }

    [Fact]
    public async Task Source_template_is_refused_while_the_source_has_a_session_and_works_on_an_idle_one()
    {
        await WithOwnSourceAsync("directus_idle", async source =>
        {
            var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["sourceDatabase"] = source, ["cloneMethod"] = "source-template" });
            var lifecycle = new CloneLifecycle(settings);
            await using (var session = await Pg.OpenAsync(source))
            {
                var ex = await Assert.ThrowsAsync<GuardException>(() => lifecycle.CloneAsync());
                Assert.Equal(2, ex.ExitCode);
                Assert.Contains("needs zero sessions", ex.Message, StringComparison.Ordinal);
                Assert.Contains("nothing was changed", ex.Message, StringComparison.Ordinal);
                Assert.False((await lifecycle.StatusAsync()).State.Exists, "a refused clone creates nothing");
            }

            NpgsqlConnection.ClearAllPools();
            var result = await lifecycle.CloneAsync();
            Assert.Contains("by source-template", result.Summary, StringComparison.Ordinal);
            Assert.Equal(await TableDigestsAsync(source), await TableDigestsAsync(Clone));
            Assert.False(await Pg.DatabaseExistsAsync(settings.TemplateDatabase), "a source-template clone keeps no template: the source is one");
        });
    }

    [Fact]
    public async Task A_streams_clone_whose_data_dump_dies_is_never_marked_and_up_converges()
    {
        using var bin = new FaultTests.TempDirectory();
        foreach (var tool in new[] { "psql", "pg_restore", "vacuumdb" })
        {
            FaultTests.WriteTool(bin.Path, tool, $"exec {Pg.Server.BinDirectory}/{tool} \"$@\"");
        }

        // pg_dump of the data section writes a little, then dies; schema and post-data dumps work.
        FaultTests.WriteTool(bin.Path, "pg_dump", $"""
            case " $* " in
              *" --section=data "*) {Pg.Server.BinDirectory}/pg_dump "$@" | head -c 20000; exit 1 ;;
              *) exec {Pg.Server.BinDirectory}/pg_dump "$@" ;;
            esac
            """);
        var lifecycle = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?> { ["pgBinDir"] = bin.Path, ["cloneMethod"] = "streams" }));
        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => lifecycle.CloneAsync());
        Assert.Contains("a data stream failed", ex.Message, StringComparison.Ordinal);
        Assert.False((await Lifecycle.StatusAsync()).State.Complete);
        Assert.False(await Pg.DatabaseExistsAsync(Settings.TemplateDatabase), "no template is made from a failed clone");

        var up = await Lifecycle.UpAsync();
        Assert.True(up.Verify.Passed, "up converges from a failed streams clone");
    }

    /// <summary>The engine's events in a run's stdout.</summary>
    private static List<EngineEvent> Events(string stdout) =>
        stdout.Split('\n').Select(EngineEvent.Parse).OfType<EngineEvent>().ToList();

    /// <summary>A size that makes exactly the two audit tables "big" in a generated source.</summary>
    private async Task<long> BigTableThresholdAsync(string database) =>
        (long)(await Pg.ScalarAsync(database, """
            SELECT least(pg_total_relation_size('directus_activity'), pg_total_relation_size('directus_revisions'))
            """))!;

    [Fact]
    public async Task A_streams_clone_that_fails_in_its_schema_transaction_leaves_the_complete_clone_as_it_was()
    {
        // Unmark, wipe and schema are one transaction. An error just before its COMMIT (injected into the file
        // psql runs) must roll all three back: the earlier clone keeps its marker and every row.
        var settings = Pg.Settings(Clone, new Dictionary<string, string?> { ["cloneMethod"] = "streams", ["retainTemplate"] = "false" });
        await new CloneLifecycle(settings).CloneAsync();
        var before = await TableDigestsAsync(Clone);

        using var bin = new FaultTests.TempDirectory();
        foreach (var tool in new[] { "pg_dump", "pg_restore" })
        {
            FaultTests.WriteTool(bin.Path, tool, $"exec {Pg.Server.BinDirectory}/{tool} \"$@\"");
        }

        FaultTests.WriteTool(bin.Path, "psql", $$"""
            for a in "$@"; do
              case "$a" in */pre-data.psql) sed -i 's/^COMMIT;$/SELECT 1 \/ 0;\nCOMMIT;/' "$a" ;; esac
            done
            exec {{Pg.Server.BinDirectory}}/psql "$@"
            """);
        var failing = new CloneLifecycle(Pg.Settings(Clone, new Dictionary<string, string?>
        {
            ["pgBinDir"] = bin.Path,
            ["cloneMethod"] = "streams",
            ["retainTemplate"] = "false",
        }));
        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => failing.CloneAsync(force: true));
        Assert.Contains("division by zero", ex.Message, StringComparison.Ordinal);

        Assert.True((await new CloneLifecycle(settings).StatusAsync()).State.Complete, "the marker was rolled back with the rest");
        Assert.Equal(before, await TableDigestsAsync(Clone));
    }

    /// <summary>Every user table's row count and row checksum.</summary>
    private async Task<IReadOnlyDictionary<string, string>> TableDigestsAsync(string database)
    {
        await using var conn = await Pg.OpenAsync(database);
        var digests = await LabKit.TableDigestsAsync(conn);
        Assert.NotEmpty(digests);
        return digests;
    }

    /// <summary>Runs <paramref name="body"/> against a generated source of its own (so what it does to it disturbs no other test), then drops it.</summary>
    private async Task WithOwnSourceAsync(string prefix, Func<string, Task> body)
    {
        var source = prefix + "_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {source} WITH (FORCE)");
        await SourceGenerator.EnsureAsync(Pg.Server, source);
        try
        {
            await body(source);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Pg.ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {source} WITH (FORCE)");
        }
    }

    private async Task<string> CatalogCountsAsync(string database) => (string)(await Pg.ScalarAsync(database, """
        SELECT (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public') || ' indexes, '
            || (SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public') || ' constraints, '
            || (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) || ' triggers'
        """))!;

    /// <summary>Function definitions, comments, constraint and default expressions of the public schema, as text.</summary>
    private async Task<string> SchemaTextAsync(string database) => (string)(await Pg.ScalarAsync(database, """
        SELECT string_agg(x, E'\n' ORDER BY x) FROM (
          SELECT pg_get_functiondef(p.oid) AS x FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
          UNION ALL
          SELECT c.relname || ': ' || obj_description(c.oid, 'pg_class') FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND obj_description(c.oid, 'pg_class') IS NOT NULL
          UNION ALL
          SELECT conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
          UNION ALL
          SELECT adrelid::regclass || '.' || adnum || ': ' || pg_get_expr(adbin, adrelid) FROM pg_attrdef) s
        """))!;

    private async Task<string> SequencesAsync(string database) => (string)(await Pg.ScalarAsync(database,
        "SELECT coalesce(string_agg(sequencename || '=' || coalesce(last_value::text, 'null'), ',' ORDER BY sequencename), '') FROM pg_sequences WHERE schemaname = 'public'"))!;
}
