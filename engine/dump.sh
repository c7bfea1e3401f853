# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/dump.sh: the runbook's plain pg_dump | psql, in one transaction, into the fresh build.

# The restore is one transaction, committed only when pg_dump has exited 0: if pg_dump dies mid-stream (even in
# the middle of a COPY), psql reaches EOF with the transaction still open and the server rolls it back. (psql
# --single-transaction would COMMIT at EOF: a truncated dump would be committed.) Its rows to copied.dump.
dump_restore() {
  {
    printf '%s\n' "\\o '$work/copied.dump'" 'BEGIN;'
    write_guard
    dump_source && echo 'COMMIT;'
  } | in_clone -v QUIET=off -o /dev/null
}
