# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/production.sh: the engine's sessions on the source (production), which it only reads (issue 21).
#
# Each psql session on the source ends each of its transactions with sql/engine/source_check.sql: read-only, and no
# transaction id assigned (PostgreSQL assigns one at a transaction's first write of any kind), else SQLSTATE GC004 and
# the run fails. pg_dump's sessions cannot run a statement of ours: pg_dump runs its whole dump in one transaction it
# declares READ ONLY and never commits (it disconnects), under default_transaction_read_only; they are counted apart.
# Every read of the source waits at most govclone:sourceLockTimeoutSeconds for a lock a production session holds (a
# migration's ALTER TABLE): lock_timeout for psql, --lock-wait-timeout for pg_dump; then the clone fails, changing
# nothing.

# The check that ends a source transaction, as one line (psql -c, or a line on the snapshot session's fifo).
# Without psql's own line: it goes in psql -c strings, which take server SQL only.
source_check() { govclone_sql source_check.sql | sed '/^\\set ON_ERROR_STOP on$/d'; }

# source_session KIND: a psql session on the source ended with its check passed (checked=yes), or a pg_dump ran.
source_session() { printf '%s\n' "$1" >>"$work/source.$2"; }

# The source event: how many of each there were (docs/events.md).
emit_source() {
  local checked=0 dumps=0
  if [ -e "$work/source.checked" ]; then checked="$(wc -l <"$work/source.checked")"; fi
  if [ -e "$work/source.dumped" ]; then dumps="$(wc -l <"$work/source.dumped")"; fi
  emit source checked:="$((checked))" pg_dump:="$((dumps))" lock_timeout_seconds:="$source_lock_timeout"
}

# The options every session on the source gets: read-only by default, and a bounded wait for a lock.
source_options() { printf '%s' " -c default_transaction_read_only=on -c lock_timeout=${source_lock_timeout}s"; }
