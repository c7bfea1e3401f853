-- prefix_guard.sql (maintenance database): refuses, SQLSTATE GC001, unless every database name of the clone
-- family this session was given (govclone.clone, govclone.target, govclone.template) starts with
-- directus_gov_test_ and is plain lower-case ASCII. The SQL-side twin of DatabaseNameGuard.RequireClone, in
-- front of every statement that marks, creates, re-creates or drops a database (the clone engine, `drop`,
-- the template's release). Parameters are settings, so this runs the same with psql and with Npgsql:
--   PGOPTIONS='-c govclone.clone=directus_gov_test_20260602' psql -X -v ON_ERROR_STOP=1 -d postgres -f sql/engine/prefix_guard.sql
DO $guard$
DECLARE
  setting text;
  name text;
BEGIN
  IF coalesce(current_setting('govclone.clone', true), '') = '' THEN
    RAISE EXCEPTION 'govclone guard: govclone.clone is not set: refusing to change any database' USING ERRCODE = 'GC001';
  END IF;
  FOREACH setting IN ARRAY ARRAY['govclone.clone', 'govclone.target', 'govclone.template'] LOOP
    name := coalesce(current_setting(setting, true), '');
    IF name <> '' AND (name NOT LIKE 'directus\_gov\_test\_%' OR name !~ '^[a-z0-9_]+$' OR name = 'directus_gov_test_') THEN
      RAISE EXCEPTION 'govclone guard: refusing to change database %: no directus_gov_test_ prefix (%)', name, setting
        USING ERRCODE = 'GC001', HINT = 'Every database govclone creates, marks or drops is named directus_gov_test_*.';
    END IF;
  END LOOP;
END
$guard$;
