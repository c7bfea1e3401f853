-- mark_complete.sql (maintenance database): marks govclone.target complete: its comment becomes govclone.marker
-- ('govclone:complete source=… generation=N') and the time. Written last, by a run that still holds the lock
-- (after holder_check.sql), and committed synchronously: its WAL flush makes every earlier commit durable.
DO $mark$
BEGIN
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.target'),
    current_setting('govclone.marker') || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$mark$;
