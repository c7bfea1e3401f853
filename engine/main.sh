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

# clone: ensure the clone exists and is closed to PUBLIC; if it carries this generation's marker, copy
# nothing (unless forced). Otherwise make it afresh the chosen way and mark it complete last, so an
# interrupted clone is never taken for a complete one; then keep a template of a fresh copy of the source.
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
  if [ "$method" = streams ]; then start_source_reads; fi

  step 1 create "database $target exists, closed to PUBLIC"
  # An invalid clone cannot be connected to and only DROP is allowed: drop what is left, then go on as if absent.
  if [ "$clone_exists" = invalid ]; then
    emit note text="$target is an invalid database (an interrupted DROP DATABASE); dropping what is left of it"
    sql_files holder_check.sql prefix_guard.sql drop_target.sql | maint
    clone_exists=''
  fi
  if [ -z "$clone_exists" ]; then
    sql_files holder_check.sql prefix_guard.sql create_target.sql | maint
  fi
  step_done created:="$([ -z "$clone_exists" ] && echo true || echo false)"

  case "$method" in
    streams) clone_streams ;;
    dump) clone_dump ;;
    template)
      step 2 file-copy "re-creating $target from the retained template $template ($strategy; the source is not read)"
      recreate_from "$template"
      step_done bytes:="$(target_bytes)" ;;
    source-template)
      step 2 file-copy "re-creating $target as a TEMPLATE copy of $source_db ($strategy; new connections to $source_db wait while it copies)"
      recreate_from "$source_db"
      step_done bytes:="$(target_bytes)" ;;
  esac

  step "$steps" mark "mark complete"
  mark_complete
  step_done
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
  emit changed changed:=true method="$method"
}

clone_dump() {
  step 2 wipe "unmark and empty any earlier or partial restore"
  unmark_and_wipe
  step_done
  step 3 copy "copying data: pg_dump $source_db | psql $target (one transaction, ON_ERROR_STOP)"
  dump_restore
  step_done rows:="$(copied_rows "$work/copied.dump")" bytes:="$(target_bytes)"
  step 4 analyze "ANALYZE (a restore has no planner statistics)"
  analyze_all
  step_done
}

clone_streams() {
  step 2 source "reading $source_db at one snapshot: its schema (one pg_dump of pre-data and post-data) and the job list (started with step 1)"
  await_source_reads
  step_done
  step 3 schema "schema: unmark, empty and restore pre-data in one transaction (snapshot $snapshot)"
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
  if [ "$command" != clone ]; then
    echo "govclone engine: unknown command '$command' (the engine runs: clone)" >&2
    exit 2
  fi
  engine_params
  sweep_work_folders
  work="$(mktemp -d "${TMPDIR:-/tmp}/govclone-clone.$$.XXXXXX")"
  : >"$work/errors"
  tab="$(printf '\t')"
  trap 'engine_exit $?' EXIT
  govclone_clone
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
govclone_main "${1:-clone}" </dev/null
