# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/facts.sh: what the run depends on (sql/engine/facts.sql, one round trip), and the way it takes.

# Reads the facts: first the family (sql/engine/family_guard.sql): a database of another family or role, or one
# nobody marked, where this family's clone, template, next, old or spare would be, refuses the run (exit 2) before
# anything changes, naming it and the fix; this family's leftovers (an interrupted run's next, an old, a building
# spare or template) are noted. Then the server version, the template (present? its marker when it is a
# connection-free template), the clone (valid, invalid or absent; its marker), the server's TOAST compressions and
# the lanes' most sort memory; whether this role is a superuser. An existing, valid clone is closed to PUBLIC first.
read_facts() {
  local facts family_problem family_fix family_setting adoptable
  facts="$(sql_files prefix_guard.sql family_guard.sql facts.sql | maint_with govclone.family_mode census -tA)"
  { read -r family_problem; read -r family_fix; read -r family_setting; read -r leftovers; read -r adoptable; read -r server_version; read -r template_exists; read -r template_marker; read -r clone_exists; read -r clone_marker; read -r toast_values; read -r max_sort_kb; read -r superuser; } <<<"$facts"
  # An empty database at the clone's own name that nobody marked (a provider's CREATE DATABASE before the first clone) is
  # adopted, marked building, once it is proven to hold nothing of its own; any other unmarked one is refused.
  if [ -n "$adoptable" ] && [ "${adopting:-}" != yes ] \
    && [ "$(govclone_sql database_objects.sql | "${psql_cmd[@]}" -d "$clone" -tA 2>/dev/null || echo unreadable)" = 0 ]; then
    emit note text="$clone is an empty database nobody marked (a provider's CREATE DATABASE): adopted as this family's clone, to be filled"
    sql_files prefix_guard.sql adopt_clone.sql | maint
    adopting=yes
    read_facts
    return 0
  fi
  if [ -n "$family_problem" ]; then
    fail_refused "${family_setting:-govclone:cloneDatabase}" "$family_problem" "$family_fix"
  fi
  strategy=''
  if [ "$server_version" -ge 150000 ]; then strategy='STRATEGY FILE_COPY'; fi
  # An invalid clone is never complete, whatever marker it kept; it is dropped after the refusals.
  if [ "$clone_exists" = invalid ]; then clone_marker=''; fi
  template_current=no
  case "$template_marker" in
    "$template_marker_want "*) template_current=yes ;;
  esac
}

# marker_field MARKER FIELD: the value of FIELD= in MARKER ('' when it has none).
marker_field() {
  printf '%s\n' " $1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p" | head -n 1
}

# leftover_note ROLE-NAMES...: a note for each of this family's leftovers (read by read_facts) among the names given,
# which the step that follows drops: what an interrupted run of this family left, recognised by its marker.
leftover_note() {
  local name
  for name in "$@"; do
    case ",$leftovers," in
      *",$name,"*) emit note text="dropping $name, this family's leftover (a clone a swap retired, or what an interrupted run or drop left: its marker, written when govclone made it, names $clone)" ;;
    esac
  done
}

# What of the source's schema-level state the clone gets: everything (owners, privileges and default privileges,
# the public schema's owner, ACL and comment, extensions, comments, the database's settings) when this role is a
# superuser. Otherwise pg_dump and pg_restore run with --no-owner --no-privileges, and the fidelity event says
# what the clone lacks; settings it may not make are reported by the swap step (database_settings.sql).
schema_fidelity() {
  if [ "$superuser" = superuser ]; then
    fidelity=full
    return 0
  fi
  fidelity=partial
  pg_dump_cmd+=(--no-owner --no-privileges)
  pg_restore_cmd+=(--no-owner --no-privileges)
  emit fidelity level=partial setting=govclone:user \
    text="${GOVCLONE_USER:-this role} is not a superuser: the clone's objects are all owned by it, and no GRANT, REVOKE or default privilege of the source is copied (the public schema keeps a fresh database's owner and ACL); a role that may use an object in $source_db may not in the clone. For a clone equal to the source at schema level, clone as a superuser."
}

# The way: the retained template when it is current, else the configured way (auto: streams).
choose_method() {
  local reason
  method="$method_setting"
  reason="govclone:cloneMethod is $method_setting"
  if [ "$method" = auto ]; then
    if [ "$template_current" = yes ] && [ "$retain_setting" != false ]; then
      method=template reason="auto: $template is a current template"
    elif [ "$template_current" = yes ]; then
      method=streams reason="auto: retainTemplate false"
    else
      method=streams reason="auto: no current template"
    fi
  fi
  case "$method" in
    streams) steps=7 ;;
    dump) steps=4 ;;
    template | source-template) steps=3 ;;
    *) fail_refused govclone:cloneMethod "'$method' is not a clone method" "use auto, streams, dump, template or source-template" ;;
  esac
  emit method method="$method" requested="$method_setting" reason="$reason" steps:="$steps"
}

# The refusals: checked before anything is created or changed; each exits 2.
refuse_what_cannot_run() {
  if [ "$method" = template ] && [ "$template_current" != yes ]; then
    fail_refused govclone:cloneMethod "cloneMethod is template but $template is not a current template (want '$template_marker_want', have '$template_marker')" \
      "use cloneMethod auto or streams, which make one"
  fi
  if [ "$method" = source-template ]; then
    local others
    others="$(govclone_sql source_sessions.sql | maint -tA)"
    if [ "$others" != 0 ]; then
      fail_refused govclone:cloneMethod "cloneMethod source-template needs zero sessions on $source_db; it has $others" \
        "use cloneMethod streams, which is safe with a live source"
    fi
  fi
}
