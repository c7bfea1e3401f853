# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/retain.sh: keeps a connection-free FILE_COPY of the fresh clone as the retained template, so the next
# re-clone skips the source. Every write of it runs behind the run's lock check (holder_check.sql), and its
# marker comes last: a run whose tool was killed stops at its next statement, and a template without its
# marker is never taken for current (the next clone, or up, drops it).

# retain_template: prints nothing on stdout but its events; a failure here never fails the clone.
retain_template() {
  local retain="$retain_setting" bytes free
  if [ "$retain" = auto ]; then
    bytes="$(clone_bytes)"
    free="$(host_free)"
    if [ -n "$free" ] && [ $((bytes * free_space_multiple)) -lt "$free" ]; then
      retain=true
    else
      retain=false
      template_reason="$clone is $bytes bytes; host free: ${free:-unknown}; auto keeps one only under 1/$free_space_multiple of free space"
    fi
  elif [ "$retain" = false ]; then
    template_reason="retainTemplate false"
  fi
  # The spare is a copy of the template this replaces: it goes first (the spare lever makes a new one).
  drop_spare
  # Nothing to release when none is kept and none exists (read at the start, under the run lock).
  if [ "$retain" = false ] && [ -z "$template_exists" ]; then
    emit template kept:=false database="$template" reason="$template_reason"
    return 0
  fi
  leftover_note "$template"
  sql_files prefix_guard.sql family_guard.sql holder_check.sql release_database.sql holder_check.sql drop_database.sql | maint_with govclone.database "$template"
  if [ "$retain" = false ]; then
    emit template kept:=false database="$template" reason="$template_reason; dropped the old one"
    return 0
  fi
  sql_files prefix_guard.sql family_guard.sql holder_check.sql template_create.sql holder_check.sql template_seal.sql | maint_with govclone.strategy "$strategy"
  # CREATE DATABASE … TEMPLATE copies no database-level settings: the template gets the fresh clone's.
  copy_database_settings "$clone" "$template"
  sql_files prefix_guard.sql holder_check.sql template_mark.sql \
    | maint_with govclone.template_mark "$(govclone_marker template "$clone" "$source_db" "$generation" "${origin_method:-$method}" "${fidelity:-full}")"
  emit template kept:=true database="$template" reason="for re-clones${strategy:+ ($strategy)}"
}

# Free bytes of the filesystem holding the data directory (df at the server), else govclone:hostFreeBytes.
host_free() {
  local data_directory free
  data_directory="$(maint -tA -c 'SHOW data_directory' 2>/dev/null || true)"
  free="$(df -P -B1 "$data_directory" 2>/dev/null | awk 'NR == 2 { print $4 }' || true)"
  printf '%s\n' "${free:-$host_free_bytes}"
}
