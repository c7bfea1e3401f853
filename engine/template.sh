# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/template.sh: the FILE_COPY ways: from the retained template, or (explicit only) from an idle source.

# recreate_from DATABASE: re-creates the clone as a copy of DATABASE (sql/engine/recreate_target.sql).
recreate_from() {
  still_ours
  sql_files holder_check.sql prefix_guard.sql recreate_target.sql \
    | PGOPTIONS="$PGOPTIONS$(pg_option govclone.from "$1")$(pg_option govclone.strategy "$strategy")" maint
}
