# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: the engine's globals are set in one file and read in another: engine_params and main.sh set them.)
# engine/lifeline.sh: an engine run by govclone stops, with everything it started, when govclone is gone (issue 21).
#
# govclone keeps the engine's stdin open for as long as it runs (ServerTransport.BashScript). Its end means govclone
# was killed, or the ssh connection or the docker exec to it was cut: a run nobody waits for any more. Without this,
# such an orphan would go on reading production (pg_dump, COPY TO) and holding its table locks, behind which a
# migration's ALTER TABLE, and every app query behind that, would wait. The engine runs in a process group of its own
# (job control), so the watcher ends all of it (psql, pg_dump, the lanes): their sessions end, their locks go.
# Killing the engine's top shell instead ends the rest the same way. By hand (`bash engine/main.sh`) there is no
# lifeline: GOVCLONE_LIFELINE is set only by govclone's stdin preamble.

# govclone_supervise COMMAND: govclone_main COMMAND in its own process group, watched; exits with its status.
govclone_supervise() {
  local engine status=0 shell="$$"
  set -m
  govclone_main "$1" </dev/null &
  engine=$!
  set +m
  # The watcher reads the lifeline: the top shell's stdin, opened anew through /proc (bash -s reads its commands
  # from its fd 0, which must not be duplicated under it; and a background job's own stdin is /dev/null). EOF (read returns 1), or the top shell or the engine gone
  # (the read timed out and one of them is not there): stop.
  (
    local got
    while :; do
      got=0
      IFS= read -r -t 1 _ || got=$?
      if [ "$got" -eq 0 ]; then continue; fi
      if [ "$got" -gt 128 ] && kill -0 "$shell" 2>/dev/null && kill -0 "$engine" 2>/dev/null; then continue; fi
      break
    done
    stop_engine "$engine"
  ) <"/proc/$shell/fd/0" >/dev/null 2>&1 &
  local watcher=$!
  wait "$engine" || status=$?
  kill "$watcher" 2>/dev/null || true
  # Whatever of the engine is still running (a failed run's stragglers) goes with it.
  kill -TERM -- "-$engine" 2>/dev/null || true
  exit "$status"
}

# stop_engine PGID: TERM to the whole group, then KILL what is left after a moment.
stop_engine() {
  kill -TERM -- "-$1" 2>/dev/null || return 0
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    if ! kill -0 -- "-$1" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  kill -KILL -- "-$1" 2>/dev/null || true
}
