# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/lib.sh: the clone engine's parameters, its PostgreSQL client wrappers, its events and its failures.
# Like every engine file it only defines functions; main.sh calls them. Parameters come from GOVCLONE_*
# variables (the generated header of the bundle govclone sends, or the environment when run by hand) and are
# read in engine_params only.

# The clone family's rules, generated from their one definition: the name prefix (the engine refuses any other name
# before it connects; the SQL refuses again), the suffixes, and the markers.
# govclone:rules begin (generated from src/GovClone/Guards/FamilyRules.cs; FamilyRulesTests hold every copy to it and rewrite them when asked)
readonly govclone_prefix=directus_gov_test_
readonly govclone_max_bytes=63
readonly govclone_clone_max_bytes=56
readonly govclone_next_suffix=_next
readonly govclone_old_suffix=_old
readonly govclone_spare_suffix=_spare
readonly govclone_template_suffix=_template
readonly govclone_reserved_suffixes='_template _next _old _spare _bspare'
# govclone_marker KIND VALUE...: the marker of KIND with the first fields of its format, in order (a prefix of it,
# or the whole marker before its at=).
govclone_marker() {
  local kind="$1" fields field text
  shift
  case "$kind" in
    complete) fields='family source generation masking method fidelity' ;;
    template) fields='family source generation masking method fidelity' ;;
    spare) fields='family source generation masking template method fidelity' ;;
    building) fields='family role' ;;
    old) fields='family' ;;
    dropping) fields='family role' ;;
    branch) fields='family source generation template owner created used' ;;
    branch-incomplete) fields='family owner created' ;;
    branch-spare) fields='family source generation template oid' ;;
    *) return 1 ;;
  esac
  text="govclone:$kind"
  for field in $fields; do
    if [ "$#" -eq 0 ]; then break; fi
    text="$text $field=$1"
    shift
  done
  printf '%s' "$text"
}
# govclone:rules end

# Reads the GOVCLONE_* parameters into the engine's variables (defaults are the settings' defaults).
engine_params() {
  # The engine's clock: every event carries "ms", milliseconds since here (bash's EPOCHREALTIME, no fork; its
  # digits only, so a locale's decimal comma reads the same), for the timeline of a clone (docs/events.md).
  engine_started_us="${EPOCHREALTIME//[!0-9]/}"
  source_db="${GOVCLONE_SOURCE_DATABASE:?set GOVCLONE_SOURCE_DATABASE (the production database, only read)}"
  clone="${GOVCLONE_CLONE_DATABASE:?set GOVCLONE_CLONE_DATABASE (the clone, ${govclone_prefix}*)}"
  # The database a build writes: <clone>_next, a fresh database swapped in by name once complete (swap.sql), so
  # the clone stays as it was until then and a re-clone never reuses, and so never grows, an old one.
  target="${clone}${govclone_next_suffix}"
  old="${clone}${govclone_old_suffix}"
  spare="${clone}${govclone_spare_suffix}"
  template="${GOVCLONE_TEMPLATE_DATABASE:-${clone}${govclone_template_suffix}}"
  maintenance="${GOVCLONE_MAINTENANCE_DATABASE:-postgres}"
  method_setting="${GOVCLONE_CLONE_METHOD:-auto}"
  retain_setting="${GOVCLONE_RETAIN_TEMPLATE:-auto}"
  spare_setting="${GOVCLONE_KEEP_SPARE:-auto}"
  generation="${GOVCLONE_CLONE_GENERATION:-1}"
  force="${GOVCLONE_FORCE:-false}"
  jobs="${GOVCLONE_CLONE_JOBS:-2}"
  toast="${GOVCLONE_TOAST_COMPRESSION:-lz4}"
  maintenance_work_mem="${GOVCLONE_MAINTENANCE_WORK_MEM:-512MB}"
  stream_table_min_bytes="${GOVCLONE_STREAM_TABLE_MIN_BYTES:-8388608}"
  host_free_bytes="${GOVCLONE_HOST_FREE_BYTES:-}"
  free_space_multiple="${GOVCLONE_FREE_SPACE_MULTIPLE:-10}"
  source_lock_timeout="${GOVCLONE_SOURCE_LOCK_TIMEOUT_SECONDS:-60}"
  lock_pid="${GOVCLONE_LOCK_PID:-}"
  lock_key="${GOVCLONE_LOCK_KEY:-}"
  local bin="${GOVCLONE_PG_BIN_DIR:-}" host="${GOVCLONE_HOST:-}" port="${GOVCLONE_PORT:-}" user="${GOVCLONE_USER:-}"
  local name suffix
  if [ -n "${GOVCLONE_TARGET_DATABASE:-}" ] && [ "$GOVCLONE_TARGET_DATABASE" != "$target" ]; then
    fail_refused "govclone:cloneDatabase" "GOVCLONE_TARGET_DATABASE is '$GOVCLONE_TARGET_DATABASE'; a clone is always built in $target" "leave GOVCLONE_TARGET_DATABASE unset"
  fi
  for name in "$clone" "$target" "$old" "$spare" "$template"; do
    case "$name" in
      "$govclone_prefix"*[!a-z0-9_]* | "$govclone_prefix") fail_refused "govclone:cloneDatabase" "'$name' is not a plain lower-case ${govclone_prefix}* name" "name the clone ${govclone_prefix}<a-z0-9_>" ;;
      "$govclone_prefix"*) ;;
      *) fail_refused "govclone:cloneDatabase" "'$name' does not start with $govclone_prefix" "name the clone ${govclone_prefix}<a-z0-9_>" ;;
    esac
    if [ "${#name}" -gt "$govclone_max_bytes" ]; then
      fail_refused "govclone:cloneDatabase" "'$name' is longer than PostgreSQL's $govclone_max_bytes bytes" "name the clone in at most $govclone_clone_max_bytes bytes (room for its companions: $govclone_reserved_suffixes)"
    fi
  done
  # A clone never ends in a family suffix (it would be another clone's companion or template), a template never in a companion's.
  for suffix in $govclone_reserved_suffixes; do
    case "$clone" in
      *"$suffix") fail_refused "govclone:cloneDatabase" "'$clone' ends in $suffix, a suffix of the clone family (<clone>$suffix)" "name the clone so that it does not end in $govclone_reserved_suffixes" ;;
    esac
    case "$template" in
      *"$govclone_template_suffix") ;;
      *"$suffix") fail_refused "govclone:templateDatabase" "'$template' ends in $suffix, the suffix of a clone's companion" "name the template <clone>$govclone_template_suffix or any name that is not another role's" ;;
    esac
  done
  if [ "$template" = "$clone" ]; then
    fail_refused "govclone:templateDatabase" "'$template' is the clone itself" "name the template <clone>$govclone_template_suffix"
  fi
  # Markers: what "current" compares (a prefix of the marker: the family, the source, the generation; and the way the data
  # was read from the source when govclone:cloneMethod names one), and what the build carries until the swap.
  # Masking (engine/masking.sh, docs/masking.md): the rules in force and their identity, part of every marker's.
  masking="${GOVCLONE_MASKING:-}"
  masking_id="${GOVCLONE_MASKING_ID:-none}"
  if [ -z "$masking" ]; then masking_id=none; fi
  case "$masking_id" in
    '' | *[!a-z0-9-]*) fail_refused "govclone:masking" "GOVCLONE_MASKING_ID '$masking_id' is not a masking identity" "leave it to govclone (none, or <profile>-<12 hex digits>)" ;;
  esac
  marker_want="$(govclone_marker complete "$clone" "$source_db" "$generation" "$masking_id")"
  case "$method_setting" in
    streams | dump | source-template) marker_want="$(govclone_marker complete "$clone" "$source_db" "$generation" "$masking_id" "$method_setting")" ;;
  esac
  template_marker_want="$(govclone_marker template "$clone" "$source_db" "$generation" "$masking_id")"
  spare_marker_want="$(govclone_marker spare "$clone" "$source_db" "$generation" "$masking_id")"
  building_marker="$(govclone_marker building "$clone" next)"

  local conn=()
  if [ -n "$host" ]; then conn+=(-h "$host"); fi
  if [ -n "$port" ]; then conn+=(-p "$port"); fi
  if [ -n "$user" ]; then conn+=(-U "$user"); fi
  if [ -n "$bin" ]; then bin="$bin/"; fi
  # VERBOSITY verbose: every error carries its SQLSTATE, which classifies a failure (failure_event).
  psql_cmd=("${bin}psql" "${conn[@]}" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose)
  # Owners and privileges are restored as the source has them (schema_fidelity adds --no-owner --no-privileges
  # for a role that is not a superuser, and says so).
  pg_dump_cmd=("${bin}pg_dump" "${conn[@]}")
  pg_restore_cmd=("${bin}pg_restore" "${conn[@]}" --exit-on-error)

  # No session takes anything from the caller's libpq environment (CallerEnvironment.Removed, in C#; a test holds
  # the two lists equal): no service file, no host address, no session options but the engine's own, set from
  # nothing below. (govclone removes them from the run's environment too; this covers a run by hand.)
  unset PGOPTIONS PGSERVICE PGSERVICEFILE PGSYSCONFDIR PGHOSTADDR PGDATABASE PGTARGETSESSIONATTRS PGLOADBALANCEHOSTS PGCLIENTENCODING PGDATESTYLE PGTZ PGGEQO
  # The SQL files read their parameters as govclone.* settings (current_setting), given to every session here:
  # the same files run with psql, by hand and with Npgsql. client_min_messages warning: no NOTICE ("drop
  # cascades to …") buries a failure's cause. jit off (as in govclone's own sessions, Transport/Connections.cs): the
  # engine's queries are catalog reads and one-off statements, which a server with jit on (PostgreSQL's default)
  # compiles whenever their estimate passes jit_above_cost (the masking check: 74 ms of JIT for an 80 ms query), and
  # a foreign key's validation, one big anti-join, would be compiled in the leader and in each parallel worker.
  PGOPTIONS="-c client_min_messages=warning -c jit=off$(pg_option govclone.clone "$clone")$(pg_option govclone.target "$target")"
  PGOPTIONS="$PGOPTIONS$(pg_option govclone.next "$target")$(pg_option govclone.old "$old")$(pg_option govclone.spare "$spare")"
  PGOPTIONS="$PGOPTIONS$(pg_option govclone.template "$template")$(pg_option govclone.source "$source_db")"
  PGOPTIONS="$PGOPTIONS$(pg_option govclone.expected_database "$target")"
  PGOPTIONS="$PGOPTIONS$(pg_option govclone.template_marker "$template_marker_want")$(pg_option govclone.spare_marker "$spare_marker_want")"
  PGOPTIONS="$PGOPTIONS$(pg_option govclone.lock_pid "$lock_pid")$(pg_option govclone.lock_key "$lock_key")"
  PGOPTIONS="$PGOPTIONS$(pg_option govclone.masking "$masking")"
  PGOPTIONS="$PGOPTIONS$(pg_option govclone.maintenance_work_mem "$maintenance_work_mem")$(pg_option govclone.stream_table_min_bytes "$stream_table_min_bytes")"
  export PGOPTIONS
}

# ' -c NAME=VALUE' for PGOPTIONS, VALUE's backslashes and white space escaped as libpq reads them.
pg_option() {
  local v="$2"
  v="${v//\\/\\\\}"
  v="${v// /\\ }"
  v="${v//$'\t'/\\$'\t'}"
  v="${v//$'\n'/\\$'\n'}"
  printf ' -c %s=%s' "$1" "$v"
}

# The text of an engine SQL file (sql/engine/NAME). The bundle defines its own govclone_sql with the files inside.
if ! declare -F govclone_sql >/dev/null; then
  govclone_sql() { cat "${GOVCLONE_SQL_DIR:?}/$1"; }
fi

# The texts of several engine SQL files, one after the other.
sql_files() {
  local f
  for f in "$@"; do govclone_sql "$f"; done
}

# Runs a PostgreSQL client: its stderr passes through, and is kept in the run's error log, whose last SQLSTATE
# classifies a failure. Its stderr goes to a file of this (sub)shell's own, $BASHPID: a shell runs one client at a
# time, and the lanes and the two ends of a pipe are shells of their own; the redirection empties it at each call.
# (Not mktemp and rm: two processes per client call; $work goes at the end.)
pg() {
  local err="$work/stderr.$BASHPID" rc=0
  "$@" 2>"$err" || rc=$?
  if [ -s "$err" ]; then
    cat "$err" >&2
    cat "$err" >>"$work/errors"
  fi
  return "$rc"
}

maint() { pg "${psql_cmd[@]}" -d "$maintenance" "$@"; }
# Every write to the clone commits asynchronously (synchronous_commit=off): the ~500 commits of keys, indexes
# and ANALYZE do not each wait for a WAL flush. Nothing is lost that counts: the complete marker is committed
# synchronously, last, and a synchronous commit flushes the WAL up to its own record, so everything committed
# before it. A crash before that leaves an unmarked clone: re-cloned.
# backend_flush_after 2MB (its maximum with 8 kB pages; a backend's default is 0): a session that writes the build asks
# the kernel to write its pages back as it goes, while the copy keeps the cores busy and the disk idle. Else the whole
# clone stays dirty in the page cache, and the retained template's FILE_COPY (its checkpoint) waits for all of it at
# once. On a 0.3 GB sandbox source at production settings, by hand: clone + template 5.70 → 5.31 s (medians of 7,
# interleaved, lower in each pair), the clone alone unchanged (4.93 → 4.78 s, of 6); bench/clone does not separate it
# from its rounds' spread. Only the build's sessions: production's (in_source) and the maintenance ones (maint) keep the
# server's settings. (pg_restore's post-data writes its index files past shared buffers: the setting does nothing there.)
# A pipe relay opts into 64 KB stdio buffers per call (detect_relays): stdio=in in_clone …, stdio=out in_source ….
in_clone() {
  local relay=()
  if [ "${stdio:-}" = in ] && [ "${stdbuf_works:-no}" = yes ]; then relay=(stdbuf -i64K); fi
  PGOPTIONS="$PGOPTIONS -c synchronous_commit=off -c backend_flush_after=2MB" pg "${relay[@]}" "${psql_cmd[@]}" -d "$target" "$@"
}
in_source() {
  local relay=()
  if [ "${stdio:-}" = out ] && [ "${stdbuf_works:-no}" = yes ]; then relay=(stdbuf -o64K); fi
  PGOPTIONS="$PGOPTIONS$(source_options)" pg "${relay[@]}" "${psql_cmd[@]}" -d "$source_db" "$@"
}
dump_source() {
  source_session pg_dump dumped
  PGOPTIONS="$PGOPTIONS$(source_options)" pg "${pg_dump_cmd[@]}" --lock-wait-timeout="${source_lock_timeout}s" -d "$source_db" "$@"
}
restore() { pg "${pg_restore_cmd[@]}" "$@"; }

# Fails unless this run still holds its lock (holder_check.sql), in its own session.
still_ours() { govclone_sql holder_check.sql | maint -q; }

# ---- events: one line each on stdout, "govclone-event {json}" (docs/events.md)

# json_quote TEXT: TEXT as a JSON string, into the variable quoted (no subshell, as emit below).
json_quote() {
  quoted="$1"
  quoted="${quoted//\\/\\\\}"
  quoted="${quoted//\"/\\\"}"
  quoted="${quoted//$'\n'/\\n}"
  quoted="${quoted//$'\r'/\\r}"
  quoted="${quoted//$'\t'/\\t}"
  quoted="${quoted//[$'\001'-$'\037']/}"
  quoted="\"$quoted\""
}

# emit EVENT [key=text | key:=json]...: one event line (key:= takes a number, true/false or null as it is), and
# "ms": when, in milliseconds since the engine started. No subshell: it runs for every event, and a fork per field
# cost a small clone more CPU than its data (issue 26.2).
emit() {
  local line kv key value quoted now="${EPOCHREALTIME//[!0-9]/}"
  json_quote "$1"
  line="{\"event\":$quoted"
  shift
  for kv in "$@"; do
    key="${kv%%=*}"
    value="${kv#*=}"
    if [ "${key%:}" != "$key" ]; then
      json_quote "${key%:}"
      line="$line,$quoted:${value:-null}"
    else
      json_quote "$key"
      line="$line,$quoted:"
      json_quote "$value"
      line="$line$quoted"
    fi
  done
  printf 'govclone-event %s,"ms":%d}\n' "$line" "$(((now - ${engine_started_us:-$now}) / 1000))"
}

# clock_ms: milliseconds since the engine started, into the variable now_ms (no subshell).
clock_ms() {
  local now="${EPOCHREALTIME//[!0-9]/}"
  now_ms=$(((now - ${engine_started_us:-$now}) / 1000))
}

# step N NAME TEXT: step N of $steps starts (the step before it has finished).
step() {
  step_no="$1" step_name="$2" step_started="$SECONDS"
  emit step phase=start step:="$1" steps:="$steps" name="$2" text="$3"
}

# step_done [key=value]...: the current step finished, with what it counted.
step_done() {
  emit step phase=finish step:="$step_no" steps:="$steps" name="$step_name" seconds:="$((SECONDS - step_started))" "$@"
}

# The size in bytes of the database the build writes, and of the clone.
target_bytes() { govclone_sql target_size.sql | maint -tA; }
clone_bytes() { govclone_sql clone_size.sql | maint -tA; }

# maint_with govclone.NAME VALUE… [psql arguments]: maint with more govclone.* settings for that session only.
maint_with() {
  local options="$PGOPTIONS"
  while [ "$#" -ge 2 ] && [ "${1#govclone.}" != "$1" ]; do
    if [ -n "$2" ]; then options="$options$(pg_option "$1" "$2")"; fi
    shift 2
  done
  PGOPTIONS="$options" maint "$@"
}

# The rows of the COPY command tags ("COPY n") psql printed to file $1, summed.
copied_rows() {
  awk '/^COPY [0-9]+$/ { n += $2 } END { print n + 0 }' "$1" 2>/dev/null || echo 0
}

# ---- failures

# Refused before anything changed: the refusal event, exit 2.
fail_refused() {
  emit refused reason="$2" setting="$1" fix="$3"
  echo "govclone: refused: $1: $2. Fix: $3" >&2
  refused=yes
  exit 2
}

# fail CLASS DETAIL: a failure the engine recognised itself (the class; the last SQLSTATE still goes with it).
fail() {
  failure_class="$1"
  echo "govclone: $2" >&2
  failure_detail="$2"
  exit 1
}

# The failure event, from the run's error log: the last error the server reported, by its SQLSTATE
# (GC001 a govclone name guard, GC005 its family guard, GC004 a session on the source wrote, GC002 the run's lock lost, 53100 disk full), unless the engine
# named the class itself.
failure_event() {
  local state='' line='' class="${failure_class:-}"
  if [ -s "$work/errors" ]; then
    line="$(grep -E '(ERROR|FATAL|PANIC): +[0-9A-Z]{5}: ' "$work/errors" | tail -n 1 || true)"
    state="$(printf '%s\n' "$line" | sed -n 's/^.*\(ERROR\|FATAL\|PANIC\): *\([0-9A-Z]\{5\}\): .*$/\2/p')"
    line="$(printf '%s\n' "$line" | sed 's/^psql:[^ ]*: //')"
  fi
  if [ -z "$class" ]; then
    case "$state" in
      GC002) class=lost_lock ;;
      GC001 | GC005) class=guard ;;
      GC004) class=source_written ;;
      53100) class=disk_full ;;
      *) class=other ;;
    esac
  fi
  case "$state" in
    GC002) class=lost_lock ;;
    GC004) class=source_written ;;
    53100) class=disk_full ;;
    55P03) class=source_locked ;;
  esac
  # A read of the source gave up waiting for a lock (govclone:sourceLockTimeoutSeconds): psql says 55P03; pg_dump prints
  # no SQLSTATE, its --lock-wait-timeout ends as a statement timeout on its LOCK TABLE, which it quotes.
  if [ -z "$state" ] && grep -q 'Query was: LOCK TABLE' "$work/errors" 2>/dev/null; then class=source_locked; fi
  local detail="${failure_detail:-}"
  if [ -n "$line" ]; then detail="${detail:+$detail: }$line"; fi
  emit failure class="$class" step:="${step_no:-0}" name="${step_name:-}" sqlstate="$state" exit:="$1" detail="${detail:-exit $1}"
}

# Pipe relays: psql moves COPY data through stdio, which writes and reads a pipe 4 KB per system call. With
# stdbuf (coreutils) it moves 64 KB per call, 16 times fewer calls (about half the relays' CPU in hand-run
# trials); while the restore keeps every core busy, that is wall time. Without stdbuf (busybox images) nothing
# changes.
detect_relays() {
  stdbuf_works=no
  if command -v stdbuf >/dev/null 2>&1 && stdbuf -o64K -i64K true >/dev/null 2>&1; then stdbuf_works=yes; fi
  emit relays stdbuf:="$([ "$stdbuf_works" = yes ] && echo true || echo false)"
}
