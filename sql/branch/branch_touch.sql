-- branch_touch.sql (maintenance database; after branch_guard.sql, under the branch's lock): a govclone lever used the
-- branch govclone.branch: its complete marker's used= becomes now (branch list's "last use"). An incomplete or
-- unmarked branch is left as it is.
DO $touch$
DECLARE
  marker text;
BEGIN
  SELECT coalesce(shobj_description(oid, 'pg_database'), '') INTO marker FROM pg_database
   WHERE datname = current_setting('govclone.branch') AND datconnlimit <> -2;
  IF marker LIKE 'govclone:branch %' THEN
    EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.branch'),
      regexp_replace(marker, ' used=[^ ]+', ' used=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
  END IF;
END
$touch$;
