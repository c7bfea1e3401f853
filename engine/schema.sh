# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/schema.sh: the database a build writes (<clone>_next), and a streams clone's schema (pre-data) in it.

# The SQL that opens every write to the build: the clone guard (current_database() is the build, a
# directus_gov_test_* name) and the run's lock check.
write_guard() { sql_files clone_guard.sql holder_check.sql; }

# The same as one query's text (psql -c sends its string to the server as it is): without psql's own lines.
write_guard_query() { write_guard | sed '/^\\set ON_ERROR_STOP on$/d'; }

# Drops what an interrupted run of this family left (a half <clone>_next, a retired <clone>_old: only when their
# markers say so, family_guard.sql), then creates the build, marked building at once: for a clone from the source a
# fresh database like the source (from template0: encoding, locale); for a FILE_COPY way a copy of $1 (its step 1
# dropped the leftovers). The clone itself is not touched until the swap.
prepare_target() {
  if [ -z "${1:-}" ]; then
    drop_leftovers
    sql_files holder_check.sql prefix_guard.sql create_next.sql | maint
  else
    still_ours
    sql_files holder_check.sql prefix_guard.sql copy_next.sql | maint_with govclone.copy_from "$1" govclone.strategy "$strategy"
  fi
}

# Drops this family's leftovers where a build goes (<clone>_next, <clone>_old), saying so; behind the family guard.
drop_leftovers() {
  leftover_note "$target" "$old"
  sql_files holder_check.sql prefix_guard.sql family_guard.sql drop_leftovers.sql | maint
}

# pg_dump and pg_restore scripts go to the server as one query (fed to psql statement by statement, each
# statement would be a round trip). one_query prints the psql lines that send script $1 so, in its own
# encoding, and go back to the session's (saved first as own_encoding, so that names from the job list keep
# theirs). The only lines of such a script that are not SQL are \restrict and \unrestrict (psql
# meta-commands, PostgreSQL >= 15.14) with its own random key: exactly those two are dropped (any other would
# fail the query, not pass silently). A multi-statement query is parsed before any of it runs: the session
# needs standard_conforming_strings on up front.
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

# The source's schema (pre-data: schemas, tables, types, functions, owners and grants) in the fresh build, in one
# transaction.
streams_schema() {
  {
    printf '%s\n' 'BEGIN;'
    write_guard
    printf '%s\n' '\set own_encoding :ENCODING'
    one_query "$work/pre-data.sql"
    echo 'COMMIT;'
  } >"$work/pre-data.psql"
  PGOPTIONS="$PGOPTIONS -c standard_conforming_strings=on" in_clone -o /dev/null -f "$work/pre-data.psql"
}
