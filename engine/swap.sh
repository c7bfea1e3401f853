# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/swap.sh: the end of a build: the source's database-level settings, then the swap of names that makes the
# build the clone and marks it complete (one transaction, by a run that still holds the lock), then the old clone
# retired.

# copy_database_settings [FROM [TO]]: the ALTER DATABASE … SET and ALTER ROLE … IN DATABASE … SET of FROM (default the
# source) on TO (default the build); any this role may not make is reported (a fidelity event), never skipped
# silently.
copy_database_settings() {
  local skipped
  skipped="$(sql_files holder_check.sql prefix_guard.sql family_guard.sql database_settings.sql \
    | maint_with govclone.settings_from "${1:-}" govclone.settings_to "${2:-}" -tA | sed '/^$/d')"
  if [ -n "$skipped" ]; then
    fidelity=partial
    emit fidelity level=partial setting=govclone:user \
      text="${GOVCLONE_USER:-this role} may not make these settings of $source_db, which the clone lacks: $(printf '%s' "$skipped" | tr '\n' ';' | sed 's/;/; /g')"
  fi
}

# swap_in DATABASE ITS-MARKER COMPLETE-MARKER: DATABASE (carrying ITS-MARKER: the build's building marker) takes the
# clone's place, marked complete with COMPLETE-MARKER (sql/engine/swap.sql), behind the family guard; the old clone
# becomes <clone>_old, marked old. Synchronously, whatever the environment says: this commit makes every earlier one
# durable (see in_clone).
swap_in() {
  sql_files holder_check.sql prefix_guard.sql family_guard.sql swap.sql \
    | PGOPTIONS="$PGOPTIONS -c synchronous_commit=on" maint_with govclone.origin "$1" govclone.origin_marker "$2" govclone.marker "$3"
}

# Drops <clone>_old (marked old by the swap), with its sessions: what a swap retired, or a run before left.
retire_old() {
  leftover_note "$old"
  sql_files holder_check.sql prefix_guard.sql family_guard.sql release_database.sql drop_database.sql | maint_with govclone.database "$old"
}
