using System.Globalization;
using System.Text;
using GovClone.Configuration;
using GovClone.Guards;
using GovClone.Lifecycle;
using GovClone.Sql;

namespace GovClone.Transport;

/// <summary>
/// The bash scripts that run at the server, for the CLI and for the Pulumi Commands alike. They contain
/// no secret (psql and pg_dump read PGPASSWORD / PGPASSFILE from the environment) and every SQL text in
/// them is a quoted here-document, so nothing in it is expanded by any shell.
/// </summary>
public static class ServerScripts
{
    /// <summary>Start of the database comment that marks a finished clone. A database without it is incomplete.</summary>
    public const string CompleteMarker = "govclone:complete";

    /// <summary>
    /// application_name of the clone script's sessions. A run that takes the lock ends any session of this
    /// name left on the clone: with the lock held, it can only belong to a run whose tool was killed.
    /// </summary>
    public const string CloneApplicationName = "govclone-clone";

    private const string HereDoc = "GOVCLONE_SQL";

    /// <summary>Exit status of a clone script that refused before changing anything (a template or source-template precondition).</summary>
    public const int RefusedExitCode = 2;

    /// <summary>Start of the database comment that marks a finished, current template.</summary>
    public const string TemplateMarker = "govclone:template";

    /// <summary>The marker a finished clone of this generation carries (before its timestamp).</summary>
    public static string MarkerFor(GovCloneSettings s) =>
        $"{CompleteMarker} source={s.SourceDatabase} generation={s.CloneGeneration.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The marker of a template made from this generation's fresh clone (before its timestamp).</summary>
    public static string TemplateMarkerFor(GovCloneSettings s) =>
        $"{TemplateMarker} source={s.SourceDatabase} clone={s.CloneDatabase} generation={s.CloneGeneration.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// clone: ensure the database exists and is closed to PUBLIC; if it already carries this generation's
    /// marker, copy nothing. Otherwise unmark it and make it afresh the configured way
    /// (<see cref="CloneMethod"/>): from the retained template (FILE_COPY), or from the source by one
    /// exported snapshot streamed table by table (streams), by the runbook's single-transaction
    /// <c>pg_dump | psql</c> (dump), or explicitly as a TEMPLATE copy of an idle source. Only when every
    /// step has succeeded is the marker written, so an interrupted clone is never taken for a complete one,
    /// whichever way it was made, and re-running converges. A fresh copy of the source is then kept as a
    /// connection-free template when govclone:retainTemplate allows.
    /// </summary>
    /// <param name="s">The stack's settings.</param>
    /// <param name="t">The transport the script's tools are reached through.</param>
    /// <param name="force">Re-clone even when the clone is complete.</param>
    /// <param name="holder">
    /// The run lock this clone runs under (govclone passes its own). The script then proves, before it
    /// empties the clone, at the start of every restore transaction and before it marks the clone complete,
    /// that this lock is still held by that session: a run whose tool was killed (the server-side script
    /// goes on as an orphan) can never wipe a newer run's clone nor mark a clone complete under it.
    /// </param>
    public static string Clone(GovCloneSettings s, ServerTransport t, bool force = false, LockHolder? holder = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(t);
        DatabaseNameGuard.RequireClone(s.CloneDatabase, s.SourceDatabase);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        var clone = s.CloneDatabase;
        var template = s.TemplateDatabase;
        var cloneLit = DatabaseNameGuard.QuoteLiteral(clone);
        var cloneIdent = DatabaseNameGuard.QuoteIdentifier(clone);
        var templateLit = DatabaseNameGuard.QuoteLiteral(template);
        var templateIdent = DatabaseNameGuard.QuoteIdentifier(template);
        var sourceLit = DatabaseNameGuard.QuoteLiteral(s.SourceDatabase);
        var psql = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-q", "-v", "ON_ERROR_STOP=1"]);
        var pgDump = ShellQuote.Join([t.Tool("pg_dump"), .. t.ConnectionArgs, "--no-owner", "--no-privileges"]);
        var pgRestore = ShellQuote.Join([t.Tool("pg_restore"), .. t.ConnectionArgs, "--no-owner", "--no-privileges", "--exit-on-error"]);
        var jobs = s.CloneJobs.ToString(CultureInfo.InvariantCulture);
        var marker = MarkerFor(s);
        var templateMarker = TemplateMarkerFor(s);
        var method = s.CloneMethod switch
        {
            CloneMethod.Auto => "auto",
            CloneMethod.Streams => "streams",
            CloneMethod.Dump => "dump",
            CloneMethod.Template => "template",
            CloneMethod.SourceTemplate => "source-template",
            _ => throw new ArgumentOutOfRangeException(nameof(s), s.CloneMethod, "unknown clone method"),
        };
        var retain = s.RetainTemplate switch
        {
            RetainTemplate.Yes => "yes",
            RetainTemplate.No => "no",
            _ => "auto",
        };
        var guardSql = GuardPreamble(clone) + HolderCheck(holder);
        var markSql = PrefixGuardBlock(clone, "mark", $$"""
              EXECUTE format('COMMENT ON DATABASE %I IS %L', {{cloneLit}},
                {{DatabaseNameGuard.QuoteLiteral(marker + " at=")}} || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
            """);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $$"""
            # govclone clone: {{s.SourceDatabase}} -> {{clone}} (generation {{s.CloneGeneration}}, cloneMethod {{method}}, retainTemplate {{retain}})
            # Runs with bash at the database server. Passwords come from PGPASSWORD/PGPASSFILE, never from this text.
            govclone_clone() {
            set -euo pipefail
            # Pipe relays: psql moves COPY data through stdio, which writes and reads a pipe 4 KB per system
            # call. With stdbuf (coreutils) it moves 64 KB per call, 16 times fewer calls (about half the relays'
            # CPU in hand-run trials); while the restore keeps every core busy, that is wall time. Without
            # stdbuf (busybox images) nothing changes.
            # A relay opts in per call: stdio="$buffered_out" in_source …, stdio="$buffered_in" in_clone ….
            stdio='' buffered_out='' buffered_in=''
            if command -v stdbuf >/dev/null 2>&1 && stdbuf -o64K -i64K true >/dev/null 2>&1; then
              buffered_out='stdbuf -o64K' buffered_in='stdbuf -i64K'
            fi
            maint() { {{psql}} -d {{ShellQuote.Word(s.MaintenanceDatabase)}} "$@"; }
            # Every write to the clone commits asynchronously (synchronous_commit=off): the ~500 commits of
            # keys, indexes and ANALYZE do not each wait for a WAL flush. Nothing is lost that counts: the complete
            # marker is committed synchronously, last, and a synchronous commit flushes the WAL up to its own
            # record, so everything committed before it. A crash before that leaves an unmarked clone: re-cloned.
            in_clone() { PGOPTIONS="${PGOPTIONS:-} -c synchronous_commit=off" $stdio {{psql}} -d {{ShellQuote.Word(clone)}} "$@"; }
            in_source() { PGOPTIONS='-c default_transaction_read_only=on' $stdio {{psql}} -d {{ShellQuote.Word(s.SourceDatabase)}} "$@"; }
            dump_source() { PGOPTIONS='-c default_transaction_read_only=on' {{pgDump}} -d {{ShellQuote.Word(s.SourceDatabase)}} "$@"; }
            # One round trip for what the run depends on (comments' newlines flattened: only their start is
            # compared): an existing, valid clone is closed to PUBLIC first; then the server version, the
            # template (present? marker when it is a connection-free template), the clone (valid, invalid or
            # absent; its marker) and the TOAST compressions the server has.
            # datconnlimit -2: an invalid database, what an interrupted DROP DATABASE leaves (PostgreSQL >= 15.4).
            facts="$(maint -tA <<'{{HereDoc}}'
            DO $revoke$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_database WHERE datname = {{cloneLit}} AND datconnlimit <> -2) THEN
                EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', {{cloneLit}});
              END IF;
            END
            $revoke$;
            SELECT current_setting('server_version_num');
            SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_database WHERE datname = {{templateLit}}) THEN 'present' ELSE '' END;
            SELECT coalesce((SELECT replace(coalesce(shobj_description(oid, 'pg_database'), ''), E'\n', ' ') FROM pg_database
                             WHERE datname = {{templateLit}} AND datistemplate AND NOT datallowconn AND datconnlimit <> -2), '');
            SELECT coalesce((SELECT CASE WHEN datconnlimit = -2 THEN 'invalid' ELSE 'valid' END FROM pg_database WHERE datname = {{cloneLit}}), '');
            SELECT coalesce((SELECT replace(coalesce(shobj_description(oid, 'pg_database'), ''), E'\n', ' ') FROM pg_database WHERE datname = {{cloneLit}}), '');
            SELECT coalesce((SELECT array_to_string(enumvals, ',') FROM pg_settings WHERE name = 'default_toast_compression'), '');
            {{HereDoc}}
            )"
            { read -r server_version; read -r template_exists; read -r template_marker; read -r exists; read -r marker; read -r toast_values; } <<<"$facts"
            strategy=''
            if [ "$server_version" -ge 150000 ]; then strategy='STRATEGY FILE_COPY'; fi

            # The way: the retained template when it is of this generation, else the configured way.
            template_current=no
            case "$template_marker" in
              {{ShellQuote.Word(templateMarker + " ")}}*) template_current=yes ;;
            esac
            method={{method}}
            if [ "$method" = auto ]; then
              if [ "$template_current" = yes ] && [ {{retain}} != no ]; then method=template; else method=streams; fi
            fi
            case "$method" in
              streams) steps=7 ;;
              dump) steps=5 ;;
              *) steps=3 ;;
            esac
            echo "govclone: method=$method"

            echo "govclone: clone 1/$steps: database {{clone}} exists, closed to PUBLIC"
            # An invalid clone is never complete, whatever marker it kept; it is dropped below, after the refusals.
            if [ "$exists" = invalid ]; then marker=''; fi

            """);
        if (!force)
        {
            sb.Append(CultureInfo.InvariantCulture, $$"""
                case "$marker" in
                  {{ShellQuote.Word(marker + " ")}}*)
                    echo "govclone: clone is complete ($marker); nothing copied"
                    echo "govclone: changed=false"
                    return 0 ;;
                esac

                """);
        }

        sb.Append(CultureInfo.InvariantCulture, $$"""
            # A streams clone reads the source at one snapshot: a read-only REPEATABLE READ transaction that stays
            # open (its stdin is this script's fd 7) until the data is copied, exactly as pg_dump -j does. The
            # source is only read, so the schema dump and the job list start at once, in the background, while
            # the clone is created (step 1); clone_streams waits for them.
            start_source_reads() {
            work="$(mktemp -d "${TMPDIR:-/tmp}/govclone-clone.XXXXXX")"
            trap 'rm -rf "$work"' EXIT
            tab="$(printf '\t')"
            mkfifo "$work/snapshot.in"
            in_source -tA <"$work/snapshot.in" >"$work/snapshot.out" 2>"$work/snapshot.err" &
            snapshot_session=$!
            exec 7>"$work/snapshot.in"
            printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' 'SELECT pg_export_snapshot();' >&7
            (
              snapshot=''
              for _ in $(seq 1 1200); do
                snapshot="$(grep -m1 -E '^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$' "$work/snapshot.out" || true)"
                if [ -n "$snapshot" ]; then break; fi
                if ! kill -0 "$snapshot_session" 2>/dev/null; then
                  cat "$work/snapshot.err" >&2
                  echo "govclone: could not open a snapshot of {{s.SourceDatabase}}" >&2
                  exit 1
                fi
                sleep 0.05
              done
              if [ -z "$snapshot" ]; then echo "govclone: timed out opening a snapshot of {{s.SourceDatabase}}" >&2; exit 1; fi
              printf '%s\n' "$snapshot" >"$work/snapshot"
              # One pg_dump of the schema (its catalog reads are most of its cost): pre-data is restored from it
              # below, post-data in the lanes and the last step. Not --schema-only: that would leave out the
              # materialized views' data (REFRESH), which is post-data.
              dump_source --snapshot="$snapshot" --section=pre-data --section=post-data --format=custom --file="$work/schema.dump" &
              schema_dump=$!
              # The jobs, biggest first (one binary COPY stream per big table, and one pg_dump of the rest), at the
              # snapshot; then, in the same session, every sequence's value (sequences are not transactional: read
              # after the snapshot was taken, no value is below what the copied rows used).
              in_source -tA -F "$tab" -c 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' -c "SET TRANSACTION SNAPSHOT '$snapshot'" -c {{ShellQuote.Word(StreamTablesSql(s.StreamTableMinBytes, s.MaintenanceWorkMemInKilobytes()))}} -c 'COMMIT' \
                -c "\\o '$work/sequences.sql'" -c {{ShellQuote.Word(SequenceValuesSql)}} >"$work/jobs.tsv" &
              list_jobs=$!
              wait "$schema_dump"
              {{pgRestore}} --section=pre-data --file="$work/pre-data.sql" "$work/schema.dump"
              wait "$list_jobs"
            ) &
            source_reads=$!
            }

            if [ "$method" = template ] && [ "$template_current" != yes ]; then
              echo "govclone: govclone:cloneMethod is template but {{template}} is not a current template (want '{{templateMarker}}', have '$template_marker'): use cloneMethod auto or streams, which make one" >&2
              return {{RefusedExitCode}}
            fi
            if [ "$method" = source-template ]; then
              others="$(maint -tA -c "SELECT count(*) FROM pg_stat_activity WHERE datname = {{sourceLit}} AND pid <> pg_backend_pid()")"
              if [ "$others" != 0 ]; then
                echo "govclone: govclone:cloneMethod source-template needs zero sessions on {{s.SourceDatabase}}; it has $others. Use cloneMethod streams, which is safe with a live source." >&2
                return {{RefusedExitCode}}
              fi
            fi
            if [ "$method" = streams ]; then start_source_reads; fi
            # An invalid clone cannot be connected to and only DROP is allowed: drop what is left, then go on as if absent.
            if [ "$exists" = invalid ]; then
              echo "govclone: {{clone}} is an invalid database (an interrupted DROP DATABASE); dropping what is left of it"
            maint <<'{{HereDoc}}'
            {{HolderCheck(holder).TrimStart('\n')}}
            {{PrefixGuardBlock(clone, "drop")}}
            DROP DATABASE IF EXISTS {{cloneIdent}} WITH (FORCE);
            {{HereDoc}}
              exists=''
            fi
            if [ -z "$exists" ]; then
              maint -c {{ShellQuote.Word("CREATE DATABASE " + cloneIdent)}} -c {{ShellQuote.Word($"REVOKE CONNECT, TEMPORARY ON DATABASE {cloneIdent} FROM PUBLIC")}}
            fi

            """);
        sb.Append(CultureInfo.InvariantCulture, $$"""
            guard_sql="$(cat <<'{{HereDoc}}'
            {{guardSql}}
            {{HereDoc}}
            )"

            wipe_clone() {
            maint <<'{{HereDoc}}'
            {{HolderCheck(holder).TrimStart('\n')}}
            COMMENT ON DATABASE {{cloneIdent}} IS NULL;
            {{HereDoc}}
            in_clone <<'{{HereDoc}}'
            {{GuardPreamble(clone)}}
            {{WipeSql}}
            {{HereDoc}}
            }

            # Re-creates the clone as a FILE_COPY of database $1 (the retained template, or an idle source).
            recreate_from() {
            {{StillOurs(holder)}}maint -v from="$1" -v strategy="$strategy" <<'{{HereDoc}}'
            {{HolderCheck(holder).TrimStart('\n')}}
            {{PrefixGuardBlock(clone, "re-create")}}
            COMMENT ON DATABASE {{cloneIdent}} IS NULL;
            DROP DATABASE {{cloneIdent}} WITH (FORCE);
            CREATE DATABASE {{cloneIdent}} TEMPLATE :"from" :strategy;
            REVOKE CONNECT, TEMPORARY ON DATABASE {{cloneIdent}} FROM PUBLIC;
            {{HereDoc}}
            }

            clone_dump() {
            echo "govclone: clone 2/$steps: unmark and empty any earlier or partial restore"
            wipe_clone
            echo "govclone: clone 3/$steps: copying data: pg_dump {{s.SourceDatabase}} | psql {{clone}} (one transaction, ON_ERROR_STOP)"
            # One transaction, committed only when pg_dump has exited 0: if pg_dump dies mid-stream (even in
            # the middle of a COPY), psql reaches EOF with the transaction still open and the server rolls it
            # back. (psql --single-transaction would COMMIT at EOF: a truncated dump would be committed.)
            {
              printf 'BEGIN;\n%s\n' "$guard_sql"
              dump_source && echo 'COMMIT;'
            } | in_clone -o /dev/null
            echo "govclone: clone 4/$steps: ANALYZE (a restore has no planner statistics)"
            in_clone <<'{{HereDoc}}'
            {{GuardPreamble(clone)}}
            ANALYZE;
            {{HereDoc}}
            }

            # pg_dump and pg_restore scripts go to the server as one query (fed to psql statement by statement,
            # each statement would be a round trip). one_query prints the psql lines that send script $1 so, in
            # its own encoding, and go back to the session's (saved first as own_encoding, so that names from the
            # job list keep theirs). The only lines of such a script that are not SQL are \restrict and
            # \unrestrict (psql meta-commands, PostgreSQL >= 15.14) with its own random key: exactly those two are
            # dropped (any other would fail the query, not pass silently). A multi-statement query is parsed
            # before any of it runs: the session needs standard_conforming_strings on up front.
            one_query() {
              local key encoding
              key="$(sed -n 's/^\\restrict \([0-9A-Za-z]\{1,\}\)$/\1/p' "$1" | head -n 1)"
              if [ -n "$key" ]; then
                grep -vxF -e "\\restrict $key" -e "\\unrestrict $key" "$1" >"$1.one" || [ $? -eq 1 ]
              else
                cp "$1" "$1.one"
              fi
              encoding="$(sed -n "s/^SET client_encoding = '\([0-9A-Za-z_]\{1,\}\)';$/\1/p" "$1.one" | head -n 1)"
              printf '%s\n' "\\encoding ${encoding:-UTF8}" "\\set script \`cat '$1.one'\`" "SELECT :'script' \\gexec" '\encoding :own_encoding'
            }

            clone_streams() {
            echo "govclone: clone 2/$steps: reading {{s.SourceDatabase}} at one snapshot: its schema (one pg_dump of pre-data and post-data) and the job list (started with step 1)"
            if ! wait "$source_reads"; then
              echo "govclone: could not read {{s.SourceDatabase}} (its snapshot, schema or job list; the error is above); the clone was not emptied. Check that this role may read every table and sequence of {{s.SourceDatabase}} (pg_dump needs it), then run govclone up again." >&2
              return 1
            fi
            snapshot="$(cat "$work/snapshot")"
            echo "govclone: clone 3/$steps: schema: unmark, empty and restore pre-data in one transaction (snapshot $snapshot)"
            # One transaction: a clone is unmarked, emptied and given the source's schema at once, or (rolled
            # back) left as it was.
            {
              printf '%s\n' 'BEGIN;' "$guard_sql" '\set own_encoding :ENCODING'
              cat <<'{{HereDoc}}'
            COMMENT ON DATABASE {{cloneIdent}} IS NULL;
            {{WipeSql}}
            {{HereDoc}}
              one_query "$work/pre-data.sql"
              echo 'COMMIT;'
            } >"$work/pre-data.psql"
            PGOPTIONS='-c standard_conforming_strings=on' in_clone -o /dev/null -f "$work/pre-data.psql"
            exclude=()
            own_all=' '
            big_names=''
            while IFS="$tab" read -r name bytes sort_kb columns own; do
              if [ "$name" != '-' ]; then exclude+=(--exclude-table-data="$name"); big_names="$big_names$name"$'\n'; fi
              own_all="$own_all$own "
            done <"$work/jobs.tsv"
            # A big table's own indexes and keys are built in its lane right after its data (while the other
            # lanes still copy); the rest of post-data (foreign keys, small tables) runs after all data.
            {{pgRestore}} --list --section=post-data "$work/schema.dump" >"$work/post-data.toc"
            awk -v own="$own_all" '{ split($0, f, " "); if (index(own, " " f[3] " ") == 0) print }' "$work/post-data.toc" >"$work/post-data.rest.toc"
            lanes={{jobs}}
            load=()
            for ((i = 0; i < lanes; i++)); do load[i]=0; : >"$work/lane.$i"; done
            while IFS="$tab" read -r name bytes sort_kb columns own; do
              best=0
              for ((i = 1; i < lanes; i++)); do
                if [ "${load[i]}" -lt "${load[best]}" ]; then best=$i; fi
              done
              load[best]=$((load[best] + bytes))
              printf '%s\t%s\t%s\t%s\n' "$name" "$sort_kb" "$columns" "$own" >>"$work/lane.$best"
            done <"$work/jobs.tsv"

            load_options='-c synchronous_commit=off'
            # jit off: a foreign key's validation is one big anti-join, which the server would JIT-compile in the
            # leader and in each parallel worker, for a query that runs once.
            build_options="-c synchronous_commit=off -c jit=off"
            # A lane's index builds sort in little memory, not maintenance_work_mem: quicksorting a table's worth
            # of index tuples at once reaches each through a pointer into memory far bigger than the CPU's caches,
            # while cache-sized runs merged in one pass cost less CPU (bench/clone's sort-memory table measures
            # both side by side). The job list gives each job the least memory that still merges in one pass
            # (sort_kb: at least 8 MB, at most maintenance_work_mem).
            # While other lanes run they keep every core busy: parallel workers would add no core, only their
            # temp-file exchange. A lane whose partners have finished builds with up to one worker per idle lane;
            # PostgreSQL launches a worker only while each participant has at least 32 MB, so such a lane sorts
            # in 32 MB per participant (or its sort_kb, if more), within maintenance_work_mem.
            # After the lanes, the last step's builds (and foreign-key checks, whose joins take
            # maintenance_work_mem) have the cores to themselves and go parallel.
            lanes_done() { local n=0 f; for f in "$work"/lane.*.done; do if [ -e "$f" ]; then n=$((n + 1)); fi; done; echo "$n"; }
            max_sort_kb={{s.MaintenanceWorkMemInKilobytes()}}
            index_options="$build_options -c maintenance_work_mem={{s.MaintenanceWorkMem}} -c max_parallel_maintenance_workers={{jobs}}"
            toast={{s.ToastCompression}}
            case ",$toast_values," in
              *",$toast,"*) load_options="$load_options -c default_toast_compression=$toast" ;;
              *) if [ -n "$toast_values" ]; then echo "govclone: the server lacks $toast TOAST compression; the clone keeps the server's default" >&2; fi ;;
            esac
            copy_table() {
              stdio="$buffered_out" in_source -c 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' -c "SET TRANSACTION SNAPSHOT '$snapshot'" \
                        -c "COPY $1 ($2) TO STDOUT (FORMAT binary)" \
              | PGOPTIONS="$load_options" stdio="$buffered_in" in_clone -c 'BEGIN' -c "$guard_sql" -c "TRUNCATE $1" \
                        -c "COPY $1 ($2) FROM STDIN (FORMAT binary, FREEZE)" -c 'COMMIT'
            }
            copy_rest() {
              {
                printf 'BEGIN;\n%s\n' "$guard_sql"
                dump_source --snapshot="$snapshot" --section=data "${exclude[@]}" && cat "$work/sequences.sql" && echo 'COMMIT;'
              } | PGOPTIONS="$load_options" stdio="$buffered_in" in_clone -o /dev/null
            }
            # A job's post-data, then ANALYZE (a restore has no planner statistics; after the indexes, whose
            # expressions get statistics too), in one session: a big table's own keys and indexes, in its lane
            # right after its data; for the rest ($1 = -), the small tables' keys, indexes and foreign keys between
            # them, then ANALYZE of every table not streamed, and a count of what only the last step can analyze
            # (materialized views, partitioned tables), so that step is skipped when there are none.
            finish_job() {
              local workers memory
              workers="$(lanes_done)"
              if [ "$workers" -gt $((max_sort_kb / 32768 - 1)) ]; then workers=$((max_sort_kb / 32768 - 1)); fi
              if [ "$workers" -gt 0 ]; then
                memory=$(( ($4 > 32768 ? $4 : 32768) * (workers + 1) ))
                if [ "$memory" -gt "$max_sort_kb" ]; then memory=$max_sort_kb; fi
                echo "govclone: lane $3: post-data of $1: index builds sort in ${memory}kB with up to $workers parallel worker(s) (the other lanes have finished)"
              else
                workers=0 memory=$4
                echo "govclone: lane $3: post-data of $1: index builds sort in ${memory}kB, no parallel workers"
              fi
              awk -v own=" $2 " '{ split($0, f, " "); if (index(own, " " f[3] " ") > 0) print }' "$work/post-data.toc" >"$work/post-data.$3.toc"
              printf '%s\n' "$guard_sql" '\set own_encoding :ENCODING' >"$work/finish.$3.psql"
              if [ -s "$work/post-data.$3.toc" ]; then
                {{pgRestore}} --use-list="$work/post-data.$3.toc" --file="$work/post-data.$3.sql" "$work/schema.dump"
                one_query "$work/post-data.$3.sql" >>"$work/finish.$3.psql"
              fi
              if [ "$1" = '-' ]; then
                printf '%s\n' "\\o '$work/analyze-late'" >>"$work/finish.$3.psql"
                cat >>"$work/finish.$3.psql" <<'{{HereDoc}}'
            {{AnalyzeSql("c.relkind = 'r' AND c.oid <> ALL (coalesce(string_to_array(rtrim(:'big', E'\n'), E'\n')::regclass[], '{}'))")}}
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('m', 'p') AND {{UserSchemas}};
            {{HereDoc}}
              else
                printf 'ANALYZE %s;\n' "$1" >>"$work/finish.$3.psql"
              fi
              PGOPTIONS="$build_options -c maintenance_work_mem=${memory}kB -c max_parallel_maintenance_workers=$workers -c standard_conforming_strings=on" in_clone -tA -o /dev/null -v big="$big_names" -f "$work/finish.$3.psql"
            }
            run_lane() {
              n=0
              while IFS="$tab" read -r name sort_kb columns own; do
                if [ -e "$work/failed" ]; then return 1; fi
                n=$((n + 1))
                if [ "$name" = '-' ]; then
                  copy_rest; finish_job - "$own" "$2.$n" "$sort_kb"
                else
                  copy_table "$name" "$columns"; finish_job "$name" "$own" "$2.$n" "$sort_kb"
                fi
              done <"$1"
              : >"$work/lane.$2.done"
            }

            if [ -n "$buffered_in" ]; then echo 'govclone: relays: pipes move 64 KB per system call (stdbuf)'
            else echo "govclone: relays: stdio's default pipe buffers (no usable stdbuf)"; fi
            echo "govclone: clone 4/$steps: copying data: ${#exclude[@]} big table(s) in binary COPY streams (each indexed and analyzed as soon as it is loaded) beside pg_dump of the rest (whose keys, indexes and foreign keys follow it in its lane), $lanes at a time, one snapshot"
            lane_pids=()
            for ((i = 0; i < lanes; i++)); do
              ( trap 'if [ $? -ne 0 ]; then : >"$work/failed"; fi' EXIT; run_lane "$work/lane.$i" "$i" ) &
              lane_pids+=("$!")
            done
            failed=0
            for pid in "${lane_pids[@]}"; do wait "$pid" || failed=1; done
            if [ "$failed" -ne 0 ]; then echo "govclone: a data stream failed; the clone stays unmarked" >&2; return 1; fi
            exec 7>&-
            wait "$snapshot_session" || true

            echo "govclone: clone 5/$steps: the rest of post-data: foreign keys of the big tables and anything else not built in a lane (pg_restore, $lanes connections, maintenance_work_mem {{s.MaintenanceWorkMem}})"
            {{StillOurs(holder)}}PGOPTIONS="$index_options" {{pgRestore}} --jobs={{jobs}} --use-list="$work/post-data.rest.toc" -d {{ShellQuote.Word(clone)}} "$work/schema.dump"
            echo "govclone: clone 6/$steps: ANALYZE what no lane did: materialized views and partitioned tables (the tables were analyzed as they were finished)"
            if [ "$(cat "$work/analyze-late")" != 0 ]; then
            in_clone <<'{{HereDoc}}'
            {{GuardPreamble(clone)}}
            {{AnalyzeSql("c.relkind = 'p' OR (c.relkind = 'm' AND c.relispopulated)")}}
            {{HereDoc}}
            fi
            }

            clone_template() {
            echo "govclone: clone 2/$steps: re-creating {{clone}} from the retained template {{template}} ($strategy; the source is not read)"
            recreate_from {{ShellQuote.Word(template)}}
            }

            clone_source_template() {
            echo "govclone: clone 2/$steps: re-creating {{clone}} as a TEMPLATE copy of {{s.SourceDatabase}} ($strategy; new connections to {{s.SourceDatabase}} wait while it copies)"
            recreate_from {{ShellQuote.Word(s.SourceDatabase)}}
            }

            # Keeps a connection-free FILE_COPY of the fresh clone, so the next re-clone skips the source.
            retain_template() {
            retain={{retain}}
            if [ "$retain" = auto ]; then
              bytes="$(maint -tA -c "SELECT pg_database_size({{cloneLit}})")"
              free="$(df -P -B1 "$(maint -tA -c 'SHOW data_directory' 2>/dev/null || true)" 2>/dev/null | awk 'NR == 2 { print $4 }' || true)"
              free="${free:-{{s.HostFreeBytes?.ToString(CultureInfo.InvariantCulture) ?? string.Empty}}}"
              if [ -n "$free" ] && [ $((bytes * {{FreeSpaceMultiple}})) -lt "$free" ]; then
                retain=yes
              else
                echo "govclone: template: not retained ({{clone}} is $bytes bytes; host free: ${free:-unknown}; auto keeps one only under 1/{{FreeSpaceMultiple}} of free space)"
                retain=no
              fi
            fi
            # Nothing to release when none is kept and none exists (read at the start, under the run lock).
            if [ "$retain" = no ] && [ -z "$template_exists" ]; then return 0; fi
            maint <<'{{HereDoc}}'
            {{HolderCheck(holder).TrimStart('\n')}}
            {{ReleaseTemplateSql(s)}}
            {{DropTemplateSql(s)}}
            {{HereDoc}}
            if [ "$retain" = no ]; then return 0; fi
            maint -v strategy="$strategy" <<'{{HereDoc}}'
            CREATE DATABASE {{templateIdent}} TEMPLATE {{cloneIdent}} :strategy;
            ALTER DATABASE {{templateIdent}} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true;
            REVOKE CONNECT, TEMPORARY ON DATABASE {{templateIdent}} FROM PUBLIC;
            {{HolderCheck(holder).TrimStart('\n')}}
            DO $mark$
            BEGIN
              EXECUTE format('COMMENT ON DATABASE %I IS %L', {{templateLit}},
                {{DatabaseNameGuard.QuoteLiteral(templateMarker + " at=")}} || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
            END
            $mark$;
            {{HereDoc}}
            echo "govclone: template: retained {{template}} for re-clones ($strategy)"
            }

            case "$method" in
              streams) clone_streams ;;
              dump) clone_dump ;;
              template) clone_template ;;
              source-template) clone_source_template ;;
            esac

            echo "govclone: clone $steps/$steps: mark complete"
            # Synchronously, whatever the environment says: this commit makes every earlier one durable (see in_clone).
            PGOPTIONS="${PGOPTIONS:-} -c synchronous_commit=on" maint <<'{{HereDoc}}'
            {{HolderCheck(holder).TrimStart('\n')}}
            {{markSql}}
            {{HereDoc}}
            echo "govclone: clone complete"
            if [ "$method" = streams ] || [ "$method" = dump ]; then
              # A template is only a speed-up: failing to keep one never fails the clone.
              set +e
              ( set -e; retain_template )
              kept=$?
              set -e
              if [ "$kept" -ne 0 ]; then echo "govclone: template: could not retain {{template}} (exit $kept); re-clones will read the source" >&2; fi
            fi
            echo "govclone: changed=true"
            }
            govclone_clone </dev/null

            """);
        return sb.ToString();
    }

    /// <summary>
    /// Makes the retained template droppable, behind the prefix guard: unmarks it (so nothing takes it for a
    /// current template any more) and clears IS_TEMPLATE (PostgreSQL refuses to drop a template). One text for
    /// the clone script, <c>drop</c> and <c>pulumi destroy</c>; run <see cref="DropTemplateSql"/> after it.
    /// </summary>
    public static string ReleaseTemplateSql(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        DatabaseNameGuard.RequireClone(s.TemplateDatabase, s.SourceDatabase, SettingKeys.TemplateDatabase.ConfigKey);
        var tpl = DatabaseNameGuard.QuoteLiteral(s.TemplateDatabase);
        return PrefixGuardBlock(s.TemplateDatabase, "drop", $"""
              -- An invalid template (datconnlimit -2: an interrupted DROP) refuses ALTER with FATAL; DROP alone removes it.
              IF EXISTS (SELECT 1 FROM pg_database WHERE datname = {tpl} AND datconnlimit <> -2) THEN
                EXECUTE format('COMMENT ON DATABASE %I IS NULL', {tpl});
                EXECUTE format('ALTER DATABASE %I IS_TEMPLATE false', {tpl});
              END IF;
            """);
    }

    /// <summary>
    /// A DO block for the maintenance database: raises unless <paramref name="database"/> has the clone prefix, then
    /// runs <paramref name="body"/> (PL/pgSQL) in the same block. The SQL-side twin of
    /// <see cref="DatabaseNameGuard.RequireClone"/>, in front of every text that marks, re-creates or drops a database.
    /// </summary>
    public static string PrefixGuardBlock(string database, string action, string body = "")
    {
        ArgumentNullException.ThrowIfNull(database);
        var lit = DatabaseNameGuard.QuoteLiteral(database);
        var pattern = DatabaseNameGuard.QuoteLiteral(SettingKeys.ClonePrefix.Replace("_", "\\_", StringComparison.Ordinal) + "%");
        return $"""
            DO $guard$
            BEGIN
              IF {lit} NOT LIKE {pattern} THEN
                RAISE EXCEPTION 'govclone guard: refusing to {action} %: no {SettingKeys.ClonePrefix} prefix', {lit};
              END IF;
              IF {lit} ~ '[^a-z0-9_]' OR {lit} = {DatabaseNameGuard.QuoteLiteral(SettingKeys.ClonePrefix)} THEN
                RAISE EXCEPTION 'govclone guard: refusing to {action} %: not {SettingKeys.ClonePrefix} and then only a-z, 0-9 and _', to_json({lit}::text);
              END IF;
            {body}
            END
            $guard$;
            """;
    }

    /// <summary>Drops the retained template (after <see cref="ReleaseTemplateSql"/>; not inside a transaction block).</summary>
    public static string DropTemplateSql(GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return $"DROP DATABASE IF EXISTS {DatabaseNameGuard.QuoteIdentifier(s.TemplateDatabase)} WITH (FORCE);";
    }

    /// <summary>auto keeps a template while the clone is under this share of free space: the decision's "negligible" disk share.</summary>
    private static int FreeSpaceMultiple => (int)Math.Round(1 / Decision.LifecycleDecider.NegligibleShareOfFree);

    /// <summary>
    /// The streams clone's job list, at the exported snapshot: big tables (quoted name, bytes, sort memory of its
    /// index builds in kB, column list, own post-data oids), then '-' for the rest, whose oids are the post-data
    /// that touches no big table (keys and indexes of the plain small tables, foreign keys between them): the lane
    /// that loads the rest builds them.
    /// </summary>
    private static string StreamTablesSql(long minBytes, long maxSortKilobytes) => string.Create(CultureInfo.InvariantCulture, $$"""
        WITH big AS (
          SELECT c.oid AS relid, '"' || replace(n.nspname, '"', '""') || '"."' || replace(c.relname, '"', '""') || '"' AS name,
                 pg_total_relation_size(c.oid) AS bytes,
                 {{BiggestIndexBytesSql("c.oid")}} AS index_bytes,
                 (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
                 -- The table's own post-data objects (their oids, as pg_restore -l lists them): primary key,
                 -- unique and exclusion constraints, and indexes that back no constraint.
                 coalesce((SELECT string_agg(o::text, ' ') FROM (
                   SELECT k.oid AS o FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'x')
                   UNION ALL
                   SELECT i.indexrelid FROM pg_index i WHERE i.indrelid = c.oid
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = c.oid)) own), '') AS own_objects
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind = 'r' AND c.relpersistence = 'p'
            AND {{UserSchemas}}
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            AND (n.nspname || c.relname) !~ '[\t\n\r]'
            AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.attname ~ '[\t\n\r]')
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')
            AND pg_total_relation_size(c.oid) >= {{minBytes}}
        ),
        -- Plain tables outside any inheritance or partition tree, so each key, index and foreign key of theirs
        -- is its own pg_restore item (a partition's are attached to its parent's, which stay for the last step).
        small AS (
          SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND NOT c.relispartition
            AND {{UserSchemas}}
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = c.oid OR h.inhparent = c.oid)
            AND c.oid NOT IN (SELECT relid FROM big)
        ),
        early AS (
          SELECT k.oid AS o FROM pg_constraint k JOIN small t ON t.oid = k.conrelid WHERE k.contype IN ('p', 'u', 'x')
          UNION ALL
          SELECT i.indexrelid FROM pg_index i JOIN small t ON t.oid = i.indrelid
            WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
          UNION ALL
          SELECT k.oid FROM pg_constraint k
            WHERE k.contype = 'f' AND k.conparentid = 0 AND k.conrelid IN (SELECT oid FROM small) AND k.confrelid IN (SELECT oid FROM small)
        )
        SELECT name, bytes, {{LaneSortMemorySql("index_bytes", maxSortKilobytes)}}, columns, own_objects FROM big
        UNION ALL
        -- (columns '-', not empty: read collapses a run of tabs, so an empty field would shift the next one into it)
        SELECT '-', greatest(pg_database_size(current_database()) - coalesce((SELECT sum(bytes) FROM big), 0), 0)::bigint,
               {{LaneSortMemorySql("(SELECT max(pg_relation_size(i.indexrelid)) FROM pg_index i JOIN small t ON t.oid = i.indrelid)", maxSortKilobytes)}}, '-',
               coalesce((SELECT string_agg(o::text, ' ') FROM early), '')
        ORDER BY 2 DESC, 1
        """);

    /// <summary>
    /// SQL for the sort memory (kB) of a lane's index builds, from the size in bytes of the biggest index among
    /// them (<paramref name="indexBytes"/>, on the source): the least that still merges in one pass, at least
    /// 8 MB, at most <paramref name="maxKilobytes"/> (maintenance_work_mem). PostgreSQL sorts runs that fill the
    /// memory and merges them through 272 kB per run (two 8 kB tape blocks and a 256 kB read buffer): one pass
    /// needs runs ≤ memory / 272 kB. A sort's data is at most about twice its index (sort slots and allocation
    /// overhead; a source index with free space in its pages overstates it), so runs ≤ 2 × index / memory, and
    /// memory ≥ √(2 × index × 272 kB) merges in one pass: 8 MB up to a 126 MB index, 62 MB for a 7.5 GB one.
    /// </summary>
    public static string LaneSortMemorySql(string indexBytes, long maxKilobytes) => string.Create(CultureInfo.InvariantCulture,
        $"least({maxKilobytes}, greatest(8192, ceil(sqrt(2 * coalesce({indexBytes}, 0)::float8 * 278528) / 1024)))::bigint");

    /// <summary>SQL for the size in bytes of the biggest index of the table <paramref name="relid"/> (an oid expression); NULL when it has none.</summary>
    public static string BiggestIndexBytesSql(string relid) =>
        $"(SELECT max(pg_relation_size(i.indexrelid)) FROM pg_index i WHERE i.indrelid = {relid})";

    /// <summary>Empties the clone: drops every user schema (with all in it) and makes an empty public.</summary>
    private const string WipeSql = """
        DO $wipe$
        DECLARE s record;
        BEGIN
          FOR s IN SELECT nspname FROM pg_namespace
                   WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                     AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
          LOOP
            EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
          END LOOP;
          CREATE SCHEMA public;
        END
        $wipe$;
        """;

    /// <summary>Schemas of user relations (alias n for pg_namespace): not the catalogs, not pg_toast or temporary ones.</summary>
    internal const string UserSchemas = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

    /// <summary>psql text: one ANALYZE of the user relations (alias c) that <paramref name="where"/> selects; nothing when none.</summary>
    private static string AnalyzeSql(string where) => $$"""
        SELECT 'ANALYZE ' || string_agg(c.oid::regclass::text, ', ')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ({{where}}) AND {{UserSchemas}}
        HAVING count(*) > 0 \gexec
        """;

    /// <summary>
    /// setval for every sequence that has been used, read from the source (sequences are not transactional, as
    /// in pg_dump), as one statement: one round trip however many sequences there are. No row when none is used.
    /// </summary>
    private const string SequenceValuesSql = """
        SELECT format('SELECT count(pg_catalog.setval(s::regclass, v, true)) FROM (VALUES %s) AS t(s, v);',
                      string_agg(format('(%L, %s::bigint)', format('%I.%I', schemaname, sequencename), last_value), ', '))
        FROM pg_sequences WHERE last_value IS NOT NULL AND schemaname NOT IN ('pg_catalog', 'information_schema')
        HAVING count(*) > 0
        """;

    /// <summary>Runs SQL text with psql in <paramref name="database"/>, ON_ERROR_STOP, the guard's expectation pinned first.</summary>
    public static string Psql(ServerTransport t, string database, string sql, bool expectDatabase = true)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(sql);
        if (sql.Split('\n').Any(l => l.Trim() == HereDoc))
        {
            throw new ArgumentException($"SQL text contains the here-document terminator {HereDoc}", nameof(sql));
        }

        var psql = ShellQuote.Join([t.Tool("psql"), .. t.ConnectionArgs, "-X", "-v", "ON_ERROR_STOP=1", "-P", "pager=off", "-d", database]);
        var preamble = expectDatabase ? SqlScripts.ExpectDatabase(database) + "\n" : string.Empty;
        return $"""
            set -euo pipefail
            {psql} <<'{HereDoc}'
            {preamble}{sql.TrimEnd()}
            {HereDoc}

            """;
    }

    private static string StillOurs(LockHolder? holder) => holder is null ? string.Empty : $"""
        maint <<'{HereDoc}'{HolderCheck(holder)}
        {HereDoc}

        """;

    /// <summary>SQL that fails unless the run lock is still held by the session that started this clone.</summary>
    private static string HolderCheck(LockHolder? holder) => holder is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"""

        DO $holder$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = {holder.BackendPid}
                         AND classid = {(uint)(holder.Key >> 32)}::oid AND objid = {(uint)holder.Key}::oid AND objsubid = 1) THEN
            RAISE EXCEPTION 'govclone guard: the run that started this clone (lock session pid {holder.BackendPid}) is gone; stopping without marking it complete';
          END IF;
        END
        $holder$;
        """);

    private static string GuardPreamble(string clone) =>
        SqlScripts.ExpectDatabase(clone) + "\n" + GuardBlock;

    /// <summary>The guard block that opens every mutating .sql file (read from seed_committed_state.sql, so there is one text).</summary>
    public static string GuardBlock { get; } = ExtractGuard();

    private static string ExtractGuard()
    {
        var text = SqlScripts.Get(SqlScripts.SeedCommitted);
        var start = text.IndexOf("DO $guard$", StringComparison.Ordinal);
        const string endTag = "$guard$;";
        var end = start < 0 ? -1 : text.IndexOf(endTag, start + "DO $guard$".Length, StringComparison.Ordinal);
        if (start < 0 || end < 0)
        {
            throw new InvalidOperationException("seed_committed_state.sql has no guard block");
        }

        return text[start..(end + endTag.Length)];
    }
}
