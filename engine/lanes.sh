# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/lanes.sh: a streams clone's data. cloneJobs lanes share the jobs biggest first: each big table is one
# binary COPY stream from the snapshot into the clone, its own keys and indexes built and ANALYZEd right after
# (while the other lanes still copy); the rest comes by one pg_dump --section=data, followed in its lane by the
# small tables' keys, indexes and foreign keys and ANALYZE.

# Splits the job list into lanes (least loaded first) and the post-data into each job's and the rest.
plan_lanes() {
  exclude=()
  big_names=''
  local own_all=' ' name bytes sort_kb columns own i best
  while IFS="$tab" read -r name bytes sort_kb columns own; do
    if [ "$name" != '-' ]; then exclude+=(--exclude-table-data="$name"); big_names="$big_names$name"$'\n'; fi
    own_all="$own_all$own "
  done <"$work/jobs.tsv"
  # A big table's own indexes and keys are built in its lane right after its data (while the other lanes
  # still copy); the rest of post-data (foreign keys, small tables) runs after all data.
  restore --list --section=post-data "$work/schema.dump" >"$work/post-data.toc"
  awk -v own="$own_all" '{ split($0, f, " "); if (index(own, " " f[3] " ") == 0) print }' "$work/post-data.toc" >"$work/post-data.rest.toc"
  lanes="$jobs"
  local load=()
  for ((i = 0; i < lanes; i++)); do load[i]=0; : >"$work/lane.$i"; done
  while IFS="$tab" read -r name bytes sort_kb columns own; do
    best=0
    for ((i = 1; i < lanes; i++)); do
      if [ "${load[i]}" -lt "${load[best]}" ]; then best=$i; fi
    done
    load[best]=$((load[best] + bytes))
    printf '%s\t%s\t%s\t%s\n' "$name" "$sort_kb" "$columns" "$own" >>"$work/lane.$best"
  done <"$work/jobs.tsv"

  # (jit is off in every engine session: engine_params.)
  load_options='-c synchronous_commit=off'
  build_options='-c synchronous_commit=off'
  case ",$toast_values," in
    *",$toast,"*) load_options="$load_options -c default_toast_compression=$toast" ;;
    *) if [ -n "$toast_values" ]; then emit note text="the server lacks $toast TOAST compression; the clone keeps the server's default"; fi ;;
  esac
}

# A lane's index builds sort in little memory, not maintenance_work_mem: quicksorting a table's worth of index
# tuples at once reaches each through a pointer into memory far bigger than the CPU's caches, while cache-sized
# runs merged in one pass cost less CPU (bench/clone's sort-memory table measures both side by side). The job
# list gives each job the least memory that still merges in one pass (sort_kb: at least 8 MB, at most
# maintenance_work_mem).
# A lane that still copies keeps a core busy, so a parallel worker beside it adds no core, only its temp-file
# exchange: a lane builds with up to one worker per other lane that has finished or is building its last job (its data
# all copied: that core is free within the build's time, and the last big table's index builds no longer run alone on
# one core while the other sits idle; none while all the others still copy or have jobs left), and PostgreSQL launches
# a worker only while each participant has at least 32 MB, so such a lane sorts in 32 MB per participant (or its
# sort_kb, if more), within maintenance_work_mem.
# lanes_free LANE: how many other lanes are done or on their last job's build (lane.N.done, lane.N.tail).
lanes_free() {
  local n=0 i
  for ((i = 0; i < lanes; i++)); do
    if [ "$i" != "$1" ] && { [ -e "$work/lane.$i.done" ] || [ -e "$work/lane.$i.tail" ]; }; then n=$((n + 1)); fi
  done
  echo "$n"
}

# copy_table TABLE COLUMNS JOB: one big table, source to clone, in binary; its rows to copied.JOB.
copy_table() {
  local guard
  guard="$(write_guard_query)"
  stdio=out in_source -c 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' -c "SET TRANSACTION SNAPSHOT '$snapshot'" \
            -c "$(copy_query "$1" "$2")" -c "$(source_check)" \
  | PGOPTIONS="$PGOPTIONS $load_options" stdio=in in_clone -v QUIET=off -o "$work/copied.$3" -c 'BEGIN' -c "$guard" -c "TRUNCATE $1" \
            -c "COPY $1 ($2) FROM STDIN (FORMAT binary, FREEZE)" -c 'COMMIT'
  source_session "copy $1" checked
}

# copy_rest JOB: every table not streamed on its own, by pg_dump at the snapshot, and every sequence's value,
# in one transaction; the rows of its COPYs to copied.JOB.
copy_rest() {
  {
    printf '%s\n' "\\o '$work/copied.$1'" 'BEGIN;'
    write_guard
    dump_source --snapshot="$snapshot" --section=data "${exclude[@]}" "${mask_exclude[@]}" && masked_rest && cat "$work/sequences.sql" && echo 'COMMIT;'
  } | PGOPTIONS="$PGOPTIONS $load_options" stdio=in in_clone -v QUIET=off -o /dev/null
}

# finish_job TABLE OWN_OIDS JOB SORT_KB: a job's post-data, then ANALYZE (a restore has no planner statistics;
# after the indexes, whose expressions get statistics too), in one session: a big table's own keys and
# indexes, in its lane right after its data; for the rest (TABLE -), the small tables' keys, indexes and
# foreign keys between them, then ANALYZE of every table not streamed, and a count of what only the last step
# can analyze (materialized views, partitioned tables), so that step is skipped when there are none.
finish_job() {
  local workers memory
  workers="$(lanes_free "${3%%.*}")"
  if [ "$workers" -gt $((max_sort_kb / 32768 - 1)) ]; then workers=$((max_sort_kb / 32768 - 1)); fi
  if [ "$workers" -gt 0 ]; then
    memory=$((($4 > 32768 ? $4 : 32768) * (workers + 1)))
    if [ "$memory" -gt "$max_sort_kb" ]; then memory=$max_sort_kb; fi
    emit lane lane="$3" table="$1" sort_kb:="$memory" workers:="$workers" \
      text="lane $3: post-data of $1: index builds sort in ${memory}kB with up to $workers parallel worker(s), one per lane that has finished or is building its last job"
  else
    workers=0 memory=$4
    emit lane lane="$3" table="$1" sort_kb:="$memory" workers:=0 \
      text="lane $3: post-data of $1: index builds sort in ${memory}kB, no parallel workers"
  fi
  awk -v own=" $2 " '{ split($0, f, " "); if (index(own, " " f[3] " ") > 0) print }' "$work/post-data.toc" >"$work/post-data.$3.toc"
  { write_guard; printf '%s\n' '\set own_encoding :ENCODING'; } >"$work/finish.$3.psql"
  if [ -s "$work/post-data.$3.toc" ]; then
    restore --use-list="$work/post-data.$3.toc" --file="$work/post-data.$3.sql" "$work/schema.dump"
    one_query "$work/post-data.$3.sql" >>"$work/finish.$3.psql"
  fi
  if [ "$1" = '-' ]; then
    printf '%s\n' "\\o '$work/analyze-late'" >>"$work/finish.$3.psql"
    govclone_sql analyze_rest.sql >>"$work/finish.$3.psql"
  else
    printf 'ANALYZE %s;\n' "$1" >>"$work/finish.$3.psql"
  fi
  PGOPTIONS="$PGOPTIONS $build_options -c maintenance_work_mem=${memory}kB -c max_parallel_maintenance_workers=$workers -c standard_conforming_strings=on" \
    in_clone -tA -o /dev/null -v big="$big_names" -f "$work/finish.$3.psql"
}

# run_lane FILE LANE: the lane's jobs in order; a job's rows are reported as it finishes.
run_lane() {
  local n=0 name sort_kb columns own job started_ms total
  total="$(wc -l <"$1")"
  while IFS="$tab" read -r name sort_kb columns own; do
    if [ -e "$work/failed" ]; then return 1; fi
    n=$((n + 1))
    job="$2.$n"
    clock_ms
    started_ms=$now_ms
    if [ "$name" = '-' ]; then
      copy_rest "$job"
    else
      copy_table "$name" "$columns" "$job"
    fi
    emit copied lane="$job" table="$name" rows:="$(copied_rows "$work/copied.$job")" start_ms:="$started_ms"
    clock_ms
    started_ms=$now_ms
    if [ "$n" -eq "$total" ]; then : >"$work/lane.$2.tail"; fi
    finish_job "$name" "$own" "$job" "$sort_kb"
    emit built lane="$job" table="$name" start_ms:="$started_ms"
  done <"$1"
  : >"$work/lane.$2.done"
}

# All lanes at once; the first to fail stops the others at their next job.
run_lanes() {
  local i pid failed=0 lane_pids=()
  for ((i = 0; i < lanes; i++)); do
    (
      trap 'if [ $? -ne 0 ]; then : >"$work/failed"; fi' EXIT
      run_lane "$work/lane.$i" "$i"
    ) &
    lane_pids+=("$!")
  done
  for pid in "${lane_pids[@]}"; do wait "$pid" || failed=1; done
  if [ "$failed" -ne 0 ]; then fail "" "a data stream failed; the clone stays unmarked"; fi
  # The snapshot session's one transaction ends with the source check too; then its psql reads EOF and exits.
  source_check >&7
  exec 7>&-
  if ! wait "$snapshot_session"; then
    cat "$work/snapshot.err" >&2
    cat "$work/snapshot.err" >>"$work/errors"
    fail "" "the snapshot session on $source_db did not end cleanly (its source check; the error is above); the clone stays unmarked"
  fi
  source_session snapshot checked
}
