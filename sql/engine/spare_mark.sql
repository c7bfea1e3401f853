-- spare_mark.sql (maintenance database): marks the spare govclone.spare ready, last, after holder_check.sql:
-- govclone.spare_marker ('govclone:spare family=<clone> source=… generation=N'), the retained template it copies (its
-- 'at'), what that template's marker says of how it was made (method=, fidelity=), and the time. Refuses (GC003)
-- unless that template is still current.
\set ON_ERROR_STOP on
DO $mark$
DECLARE
  comment text;
  at text;
BEGIN
  SELECT coalesce(shobj_description(oid, 'pg_database'), '') INTO comment
  FROM pg_database
  WHERE datname = current_setting('govclone.template') AND datistemplate AND NOT datallowconn AND datconnlimit <> -2
    AND left(coalesce(shobj_description(oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
        = current_setting('govclone.template_marker') || ' ';
  at := substring(comment FROM ' at=([^ ]+)$');
  IF at IS NULL THEN
    RAISE EXCEPTION 'govclone: % is not a current template: the spare is left unmarked', current_setting('govclone.template') USING ERRCODE = 'GC003';
  END IF;
  EXECUTE format('ALTER DATABASE %I CONNECTION LIMIT -1', current_setting('govclone.spare')); -- the marker says it now
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.spare'),
    current_setting('govclone.spare_marker') || ' template=' || at
    || regexp_replace(substr(comment, length(current_setting('govclone.template_marker')) + 1), ' at=[^ ]+$', '')
    || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$mark$;
