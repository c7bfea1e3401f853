-- template_mark.sql (maintenance database): marks govclone.template current: govclone.template_mark (the whole
-- marker: 'govclone:template family=<clone> source=… generation=N method=… fidelity=…', which must start with the
-- identity govclone.template_marker) and the time. Last, after holder_check.sql.
\set ON_ERROR_STOP on
DO $mark$
BEGIN
  IF left(current_setting('govclone.template_mark'), length(current_setting('govclone.template_marker')) + 1) <> current_setting('govclone.template_marker') || ' ' THEN
    RAISE EXCEPTION 'govclone: the template''s marker "%" does not carry its identity "%"', current_setting('govclone.template_mark'), current_setting('govclone.template_marker');
  END IF;
  EXECUTE format('ALTER DATABASE %I CONNECTION LIMIT -1', current_setting('govclone.template')); -- the marker says it now
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.template'),
    current_setting('govclone.template_mark') || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$mark$;
