-- template_mark.sql (maintenance database): marks govclone.template current: govclone.template_marker
-- ('govclone:template source=… clone=… generation=N') and the time. Last, after holder_check.sql.
DO $mark$
BEGIN
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.template'),
    current_setting('govclone.template_marker') || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$mark$;
