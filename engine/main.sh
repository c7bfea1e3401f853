# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/main.sh: the clone engine, as a list of named steps; each step is a function of its own file.
#
# Run by govclone as one bundle (`govclone script` prints it): a generated header of quoted readonly GOVCLONE_*
# parameters, the SQL of sql/engine/ and the files of engine/, verbatim, this one last. Run it by hand from a
# checkout, with the same parameters in the environment (engine/README.md):
#   GOVCLONE_SOURCE_DATABASE=directus GOVCLONE_CLONE_DATABASE=directus_gov_test_x bash engine/main.sh clone
# It reports on stdout as "govclone-event {json}" lines (docs/events.md); errors go to stderr. Exit 0 done
# (or nothing to do), 1 failed (the clone is never marked), 2 refused before anything changed.

# clone: if the clone carries this generation's marker, copy nothing (unless forced). Otherwise build a fresh
# copy the chosen way in <clone>_next (the clone stays as it is, usable, meanwhile), then swap it in by name and
# mark it complete in one transaction (swap.sql), so the clone's name never points at a half copy and an
# interrupted build is only a half <clone>_next, which the next run drops. Then, after a clone from the source, a
# template of the fresh clone is kept. (Dropping the old clone and the ready spare are the spare command's.)
govclone_clone() {
  read_facts
  choose_method
  if [ "$force" != true ]; then
    case "$clone_marker" in
      "$marker_want "*)
        emit changed changed:=false reason="$clone is complete ($clone_marker); nothing copied"
        return 0 ;;
    esac
  fi
  refuse_what_cannot_run
  if [ "$method" = streams ] || [ "$method" = dump ]; then schema_fidelity; fi
  if [ "$method" = streams ]; then start_source_reads; fi

  step 1 create "building in $target (the clone stays as it is until the swap): $(create_text)"
  # An invalid clone cannot be connected to and only DROP is allowed: drop what is left, then go on as if absent.
  if [ "$clone_exists" = invalid ]; then
    emit note text="$clone is an invalid database (an interrupted DROP DATABASE); dropping what is left of it"
    sql_files holder_check.sql prefix_guard.sql family_guard.sql release_database.sql drop_database.sql | maint_with govclone.database "$clone"
    clone_exists=''
  fi
  case "$method" in
    streams | dump) prepare_target ;;
    *) drop_leftovers ;;
  esac
  step_done created:=true

  case "$method" in
    streams) clone_streams ;;
    dump) clone_dump ;;
    template)
      step 2 file-copy "copying the retained template $template into $target ($strategy; the source is not read)"
      copy_from "$template"
      step_done bytes:="$(target_bytes)" ;;
    source-template)
      step 2 file-copy "copying $source_db into $target as a TEMPLATE ($strategy; new connections to $source_db wait while it copies)"
      copy_from "$source_db"
      step_done bytes:="$(target_bytes)" ;;
  esac

  step "$steps" mark "swap $target in as $clone and mark it complete (one transaction; the old clone's sessions are ended)"
  # What the marker says of the copy: how its data was read from the source (a template's copy: the template's way)
  # and whether it equals the source at schema level (the template's word, and this run's own).
  origin_method="$method" fidelity="${fidelity:-full}"
  case "$method" in
    streams | dump | source-template) copy_database_settings ;;
    template)
      origin_method="$(marker_field "$template_marker" method)"
      if [ "$(marker_field "$template_marker" fidelity)" = partial ]; then fidelity=partial; fi
      copy_database_settings "$template" ;;
  esac
  swap_in "$target" "$building_marker" "$(govclone_marker complete "$clone" "$source_db" "$generation" "${origin_method:-unknown}" "$fidelity")"
  step_done
  emit ready database="$clone" method="$method"
  # The old clone, now <clone>_old, is dropped by the spare command that follows every clone (govclone runs it,
  # in the background from the CLI): DROP DATABASE forces a checkpoint, which the fresh clone need not wait for.
  if [ "$method" = streams ] || [ "$method" = dump ]; then
    # A template is only a speed-up: failing to keep one never fails the clone.
    local kept
    set +e
    (
      set -e
      retain_template
    )
    kept=$?
    set -e
    if [ "$kept" -ne 0 ]; then
      emit template kept:=false database="$template" reason="could not retain it (exit $kept); re-clones will read the source"
    fi
  fi
  if [ "$method" = streams ] || [ "$method" = dump ]; then emit_source; fi
  emit changed changed:=true method="$method"
}

# The create step's text: what the build starts from.
create_text() {
  case "$method" in
    streams | dump) echo "a fresh database like $source_db (from template0: its encoding and locale), closed to PUBLIC" ;;
    *) echo "what an interrupted run left is dropped first" ;;
  esac
}

clone_dump() {
  step 2 copy "copying data: pg_dump $source_db | psql $target (one transaction, ON_ERROR_STOP)"
  dump_restore
  step_done rows:="$(copied_rows "$work/copied.dump")" bytes:="$(target_bytes)"
  step 3 analyze "ANALYZE (a restore has no planner statistics)"
  analyze_all
  step_done
}

clone_streams() {
  step 2 source "reading $source_db at one snapshot: its schema (one pg_dump of pre-data and post-data) and the job list (started with step 1)"
  await_source_reads
  step_done
  step 3 schema "schema: pre-data into $target in one transaction (snapshot $snapshot)"
  streams_schema
  step_done
  plan_lanes
  detect_relays
  step 4 copy "copying data: ${#exclude[@]} big table(s) in binary COPY streams (each indexed and analyzed as soon as it is loaded) beside pg_dump of the rest (whose keys, indexes and foreign keys follow it in its lane), $lanes at a time, one snapshot"
  run_lanes
  step_done rows:="$(cat "$work"/copied.* 2>/dev/null | awk '/^COPY [0-9]+$/ { n += $2 } END { print n + 0 }')" bytes:="$(target_bytes)"
  step 5 post-data "the rest of post-data: foreign keys of the big tables and anything else not built in a lane (pg_restore, $lanes connections, maintenance_work_mem $maintenance_work_mem)"
  rest_of_post_data
  step_done
  step 6 analyze "ANALYZE what no lane did: materialized views and partitioned tables (the tables were analyzed as they were finished)"
  analyze_late
  step_done
}

# The run: parameters, a private work folder, the command; on any exit, the failure (if any) as an event.
govclone_main() {
  set -euo pipefail
  local command="${1:-clone}"
  case "$command" in
    clone | spare) ;;
    *) echo "govclone engine: unknown command '$command' (the engine runs: clone, spare)" >&2; exit 2 ;;
  esac
  engine_params
  sweep_work_folders
  work="$(mktemp -d "${TMPDIR:-/tmp}/govclone-clone.$$.XXXXXX")"
  : >"$work/errors"
  tab="$(printf '\t')"
  trap 'engine_exit $?' EXIT
  "govclone_$command"
}

# An engine killed outright (SIGKILL, a crash of the host) cannot remove its work folder: the next run removes
# the folders of engines whose process is gone (the folder's name carries the pid).
sweep_work_folders() {
  local folder pid
  for folder in "${TMPDIR:-/tmp}"/govclone-clone.*.*; do
    pid="${folder##*/govclone-clone.}"
    pid="${pid%%.*}"
    case "$pid" in '' | *[!0-9]*) continue ;; esac
    if [ ! -d "/proc/$pid" ]; then rm -rf "$folder" 2>/dev/null || true; fi
  done
}

# A failure exits 1 whatever tool failed (psql's own 2 and 3 included): 2 is only a refusal.
engine_exit() {
  local status="$1"
  if [ "$status" -ne 0 ] && [ "${refused:-}" != yes ]; then
    failure_event "$status"
    status=1
  fi
  rm -rf "$work"
  exit "$status"
}

if [ -z "${GOVCLONE_BUNDLED:-}" ]; then
  GOVCLONE_ENGINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  GOVCLONE_SQL_DIR="${GOVCLONE_SQL_DIR:-$GOVCLONE_ENGINE_DIR/../sql/engine}"
  for govclone_file in "$GOVCLONE_ENGINE_DIR"/*.sh; do
    if [ "$govclone_file" != "$GOVCLONE_ENGINE_DIR/main.sh" ]; then
      # shellcheck source=/dev/null
      . "$govclone_file"
    fi
  done
fi
if [ "${GOVCLONE_LIFELINE:-}" = stdin ]; then
  govclone_supervise "${1:-${GOVCLONE_COMMAND:-clone}}"
else
  govclone_main "${1:-${GOVCLONE_COMMAND:-clone}}" </dev/null
fi
