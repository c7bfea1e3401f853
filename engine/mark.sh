# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/mark.sh: the complete marker, last, by a run that still holds the lock.

# Synchronously, whatever the environment says: this commit makes every earlier one durable (see in_clone).
mark_complete() {
  sql_files holder_check.sql prefix_guard.sql mark_complete.sql | PGOPTIONS="$PGOPTIONS -c synchronous_commit=on" maint
}
