# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/source.sh: a streams clone's reads of the source, all at one snapshot.

# A read-only REPEATABLE READ transaction exports a snapshot and stays open (its stdin is this script's fd 7)
# until the data is copied, exactly as pg_dump -j does. The source is only read, so the schema dump and the job
# list start at once, in the background, while the clone is created (step 1); await_source_reads waits for them.
start_source_reads() {
  mkfifo "$work/snapshot.in"
  PGOPTIONS="$PGOPTIONS$(source_options)" "${psql_cmd[@]}" -d "$source_db" -tA \
    <"$work/snapshot.in" >"$work/snapshot.out" 2>"$work/snapshot.err" &
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
        cat "$work/snapshot.err" >>"$work/errors"
        echo "govclone: could not open a snapshot of $source_db" >&2
        exit 1
      fi
      sleep 0.05
    done
    if [ -z "$snapshot" ]; then echo "govclone: timed out opening a snapshot of $source_db" >&2; exit 1; fi
    printf '%s\n' "$snapshot" >"$work/snapshot"
    # One pg_dump of the schema (its catalog reads are most of its cost): pre-data is restored from it in
    # the schema step, post-data in the lanes and the last step. Not --schema-only: that would leave out the
    # materialized views' data (REFRESH), which is post-data.
    dump_source --snapshot="$snapshot" --section=pre-data --section=post-data --format=custom --file="$work/schema.dump" &
    schema_dump=$!
    # The jobs, biggest first (one binary COPY stream per big table, and one pg_dump of the rest), at the
    # snapshot; then, in the same session, every sequence's value (sequences are not transactional: read
    # after the snapshot was taken, no value is below what the copied rows used).
    {
      printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' "SET TRANSACTION SNAPSHOT :'snapshot';"
      govclone_sql stream_tables.sql
      source_check
      printf '%s\n' 'COMMIT;' "\\o '$work/sequences.sql'" 'BEGIN READ ONLY;'
      govclone_sql sequence_values.sql
      source_check
      printf '%s\n' 'COMMIT;'
    } | in_source -tA -F "$(printf '\t')" -v snapshot="$snapshot" >"$work/jobs.tsv" && source_session job-list checked &
    list_jobs=$!
    wait "$schema_dump"
    restore --section=pre-data --file="$work/pre-data.sql" "$work/schema.dump"
    wait "$list_jobs"
  ) &
  source_reads=$!
}

# Waits for the source's reads; a failure there leaves the clone as it was.
await_source_reads() {
  if ! wait "$source_reads"; then
    fail source_unreadable "could not read $source_db (its snapshot, schema or job list; the error is above); the clone was not emptied. Check that this role may read every table and sequence of $source_db (pg_dump needs it), then run govclone up again."
  fi
  snapshot="$(cat "$work/snapshot")"
}
