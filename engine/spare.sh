# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/spare.sh: the ready spare <clone>_spare, a FILE_COPY of the retained template made ahead of time, so that a
# re-clone (govclone clone --force) is a swap of names (swap.sql, over govclone's lock session) instead of a copy.
# Made after each clone and re-clone, off the critical path; every write behind the lock check (the spare's own
# lock: govclone spare), its marker last: a spare without its marker is never swapped in, and the next remake
# drops it.

# Reads the spare's and the template's state (sql/engine/spare_state.sql).
read_spare_state() {
  IFS='|' read -r spare_exists spare_current spare_bytes template_current_now template_at spare_marker \
    <<<"$(govclone_sql spare_state.sql | maint -tA -F '|')"
}

# Drops the spare (unmarked first), if there is one.
drop_spare() {
  leftover_note "$spare"
  sql_files prefix_guard.sql family_guard.sql holder_check.sql release_database.sql holder_check.sql drop_database.sql | maint_with govclone.database "$spare"
}

# govclone_spare: retire a clone a swap left (<clone>_old), then make sure a current spare exists when
# govclone:keepSpare allows one (auto: while the clone is under 1/free_space_multiple of the free space left with
# the template and the spare's own size counted), or none otherwise.
govclone_spare() {
  local started="$SECONDS" keep="$spare_setting" reason bytes free
  read_facts
  read_spare_state
  retire_old
  if [ "$template_current_now" != t ]; then
    keep=false reason="no current retained template $template to copy (govclone:retainTemplate): a re-clone copies or reads the source"
  elif [ "$keep" = false ]; then
    reason="keepSpare false"
  elif [ "$spare_current" = t ]; then
    emit spare kept:=true ready:=true database="$spare" reason="current: a copy of $template (template at=$template_at)" seconds:=0
    return 0
  elif [ "$keep" = auto ]; then
    bytes="$(clone_bytes)"
    free="$(host_free)"
    if [ -n "$free" ] && [ $((bytes * free_space_multiple)) -lt "$free" ]; then
      keep=true
    else
      keep=false reason="$clone is $bytes bytes; host free: ${free:-unknown}; auto keeps a spare only under 1/$free_space_multiple of free space"
    fi
  fi
  if [ "$keep" = false ]; then
    if [ "$spare_exists" = t ]; then drop_spare; reason="$reason; dropped the old one"; fi
    emit spare kept:=false ready:=false database="$spare" reason="$reason" seconds:="$((SECONDS - started))"
    return 0
  fi
  if [ "$spare_exists" = t ]; then drop_spare; fi
  sql_files prefix_guard.sql family_guard.sql holder_check.sql spare_create.sql holder_check.sql spare_seal.sql | maint_with govclone.strategy "$strategy"
  copy_database_settings "$template" "$spare"
  sql_files prefix_guard.sql holder_check.sql spare_mark.sql | maint
  emit spare kept:=true ready:=true database="$spare" reason="a FILE_COPY of $template${strategy:+ ($strategy)}: the next re-clone is a swap of names" \
    seconds:="$((SECONDS - started))" bytes:="$(govclone_sql spare_state.sql | maint_with govclone.spare_size on -tA -F '|' | cut -d '|' -f 3)"
}
