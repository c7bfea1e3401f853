-- spare_mark.sql (maintenance database): marks the spare ready, last, after holder_check.sql:
-- govclone.spare_marker ('govclone:spare source=… clone=… generation=N'), the retained template it copies (its 'at'),
-- and the time. Refuses (GC003) unless that template is still current.
DO $mark$
DECLARE
  at text;
BEGIN
  SELECT substring(coalesce(shobj_description(oid, 'pg_database'), '') FROM ' at=([^ ]+)$') INTO at
  FROM pg_database
  WHERE datname = current_setting('govclone.template') AND datistemplate AND NOT datallowconn AND datconnlimit <> -2
    AND left(coalesce(shobj_description(oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
        = current_setting('govclone.template_marker') || ' ';
  IF at IS NULL THEN
    RAISE EXCEPTION 'govclone: % is not a current template: the spare is left unmarked', current_setting('govclone.template') USING ERRCODE = 'GC003';
  END IF;
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.clone') || '_spare',
    current_setting('govclone.spare_marker') || ' template=' || at || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$mark$;
