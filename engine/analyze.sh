# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/analyze.sh: planner statistics (a restore has none).

# A streams clone: what no lane analyzed (materialized views and partitioned tables), when there is any.
analyze_late() {
  if [ "$(cat "$work/analyze-late")" != 0 ]; then
    sql_files clone_guard.sql analyze_late.sql | in_clone
  fi
}

# The dump way: every table.
analyze_all() { sql_files clone_guard.sql analyze.sql | in_clone; }
