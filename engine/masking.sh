# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/masking.sh: masked clones (docs/masking.md). govclone:masking's rules in force arrive as GOVCLONE_MASKING (every
# session reads them as govclone.masking); sql/engine/mask_rules.sql resolves them against a catalog, mask_check.sql
# says which cannot run, mask_tables.sql gives each masked table's columns as masked expressions.
# - streams: the values are masked in the source's own query (COPY (SELECT masked…) TO STDOUT), so a clear value never
#   reaches the clone's pages or WAL;
# - dump and source-template: the copy holds clear values until mask_converge rewrites them (UPDATE, then VACUUM FULL of
#   each masked table), before the swap marks it complete; a run cut short leaves only a <clone>_next, never marked;
# - template, spare, branch: copies of a masked clone (the masking is part of their markers' identity).

# The catalog check at the source (read-only), before anything is created: a rule that cannot run refuses the run.
mask_refuse() {
  if [ -z "$masking" ]; then return 0; fi
  local problems rule problem fix
  problems="$({ printf '%s\n' 'BEGIN READ ONLY;'; sql_files mask_rules.sql mask_check.sql; printf ';\n'; source_check; printf '%s\n' 'COMMIT;'; } | in_source -tA -F "$tab")"
  source_session mask-check checked
  if [ -n "$problems" ]; then
    IFS="$tab" read -r rule problem fix <<<"$(printf '%s\n' "$problems" | head -n 1)"
    fail_refused govclone:masking "rule '$rule': $problem" "$fix"
  fi
}

# In the job list's session, at the snapshot: the masked tables (to $work/mask.tsv; nothing when no rule is in force).
mask_job_list() {
  : >"$work/mask.tsv"
  if [ -z "$masking" ]; then return 0; fi
  printf '%s\n' "\\o '$work/mask.tsv'"
  sql_files mask_rules.sql mask_tables.sql
  printf ';\n'
}

# mask_line TABLE: the table's line of mask.tsv (name, columns, select list, set list), or nothing.
mask_line() { awk -F "$tab" -v t="$1" '$1 == t { print; exit }' "$work/mask.tsv" 2>/dev/null || true; }

# The masked tables that are not streamed on their own leave pg_dump's data (mask_exclude) for masked_rest.
mask_plan_lanes() {
  mask_exclude=()
  local name columns select
  while IFS="$tab" read -r name columns select _; do
    if [ -z "$name" ]; then continue; fi
    case "$big_names" in *"$name"$'\n'*) continue ;; esac
    mask_exclude+=(--exclude-table-data="$name")
  done <"$work/mask.tsv"
  if [ -s "$work/mask.tsv" ]; then
    emit masking identity="$masking_id" tables:="$(wc -l <"$work/mask.tsv")" \
      text="masking $masking_id: $(wc -l <"$work/mask.tsv") table(s) read through masked expressions in the source's query (a clear value never reaches the clone)"
  fi
}

# copy_query TABLE COLUMNS: a big table's COPY at the source: its masked expressions when it has rules.
copy_query() {
  local line select
  line="$(mask_line "$1")"
  if [ -n "$line" ]; then
    select="$(printf '%s\n' "$line" | cut -f3)"
    printf 'COPY (SELECT %s FROM %s) TO STDOUT (FORMAT binary)' "$select" "$1"
  else
    printf 'COPY %s (%s) TO STDOUT (FORMAT binary)' "$1" "$2"
  fi
}

# The masked tables not streamed on their own, in copy_rest's transaction: COPY … FROM stdin fed by the source's masked
# COPY at the snapshot (text format), as pg_dump's own data would be. All of them from ONE source session (one connection,
# one snapshot import): its psql writes each table's COPY header (\echo), the rows of its masked COPY TO STDOUT, then the
# \. that ends it, and ends its one transaction with the source check.
masked_rest() {
  local name columns select header
  local -a commands=()
  while IFS="$tab" read -r name columns select _; do
    if [ -z "$name" ]; then continue; fi
    case "$big_names" in *"$name"$'\n'*) continue ;; esac
    # \echo's argument in single quotes: a quote doubled, a backslash doubled (psql reads \\ as one).
    header="COPY $name ($columns) FROM stdin;"
    header="${header//\\/\\\\}"
    commands+=(-c "\\echo '${header//\'/\'\'}'" -c "COPY (SELECT $select FROM $name) TO STDOUT" -c "\\echo '\\\\.'")
  done <"$work/mask.tsv"
  if [ "${#commands[@]}" -eq 0 ]; then return 0; fi
  # masked_rest runs inside copy_rest's && list, where errexit does not apply: a failed read (ON_ERROR_STOP: psql stops
  # at the failing COPY, before its \.) returns here, so the clone's session never reaches COMMIT (the lane fails, the
  # clone stays unmarked).
  in_source -c 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' -c "SET TRANSACTION SNAPSHOT '$snapshot'" \
    "${commands[@]}" -c "$(source_check)" || return 1
  source_session "copy $((${#commands[@]} / 6)) masked table(s)" checked
}

# A copy that was not masked at the source (dump, source-template) converges before the swap: each masked table's
# columns rewritten by UPDATE (the same expressions, on the build), then VACUUM FULL of it, which writes the table
# anew and drops the files that held the clear values (what they still touch: docs/masking.md). The statements are
# sql/engine/mask_converge.sql … mask_converge_end.sql, the very files the decision record's by-hand re-clone sends.
mask_converge() {
  if [ -z "$masking" ]; then return 0; fi
  step_note="masking $masking_id: rewriting the masked columns of $target (the copy was not masked at the source)"
  emit note text="$step_note"
  sql_files mask_rules.sql mask_tables.sql | { cat; printf ';\n'; } | in_clone -tA -F "$tab" >"$work/mask.tsv"
  sql_files holder_check.sql mask_converge.sql mask_rules.sql mask_tables.sql mask_converge_end.sql | in_clone -q -o /dev/null
  emit masking identity="$masking_id" tables:="$(wc -l <"$work/mask.tsv")" converged:=true \
    text="masking $masking_id: $(wc -l <"$work/mask.tsv") table(s) rewritten by UPDATE and VACUUM FULL before the swap"
}
