-- holder_check.sql (any database): fails, SQLSTATE GC002, unless the run lock this clone runs under is still held
-- by the session that started it (govclone.lock_pid holds the advisory lock govclone.lock_key). A run whose tool
-- was killed goes on at the server as an orphan: this stops it before any write, so it can never wipe a newer
-- run's clone, nor mark a clone or a template complete. Without a lock (govclone.lock_pid empty: a script run by
-- hand) it checks nothing.
\set ON_ERROR_STOP on
DO $holder$
DECLARE
  holder_pid text := coalesce(current_setting('govclone.lock_pid', true), '');
  holder_key bigint;
BEGIN
  IF holder_pid = '' THEN
    RETURN;
  END IF;
  holder_key := current_setting('govclone.lock_key')::bigint;
  IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = holder_pid::int
                 AND classid = ((holder_key >> 32) & 4294967295)::oid AND objid = (holder_key & 4294967295)::oid AND objsubid = 1) THEN
    RAISE EXCEPTION 'govclone guard: the run that started this clone (lock session pid %) is gone; stopping without marking it complete', holder_pid
      USING ERRCODE = 'GC002';
  END IF;
END
$holder$;
