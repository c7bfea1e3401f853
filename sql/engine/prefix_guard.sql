-- prefix_guard.sql (maintenance database): refuses, SQLSTATE GC001, unless every database name of the clone
-- family this session was given, every database it may create, rename, mark or drop (govclone.clone,
-- govclone.target, govclone.template, govclone.database, govclone.settings_to; not govclone.copy_from, which is only
-- read and may be the source) starts with directus_gov_test_, is plain lower-case ASCII (a-z, 0-9, _) with something after
-- the prefix, and fits PostgreSQL's 63 bytes; the clone leaves room for its companions (<clone>_next, _old,
-- _spare: at most 57 bytes). The SQL-side twin of DatabaseNameGuard.RequireClone, in front of every statement that
-- marks, creates, renames or drops a database (the clone engine, `drop`, the template's release, the spare's swap,
-- the decision record's by-hand lines). Parameters are settings, so this runs the same with psql and with Npgsql:
--   psql -X -v ON_ERROR_STOP=1 -d postgres -c "SET govclone.clone = 'directus_gov_test_20260602'" -f sql/engine/prefix_guard.sql
DO $guard$
DECLARE
  setting text;
  name text;
  most int;
BEGIN
  IF coalesce(current_setting('govclone.clone', true), '') = '' THEN
    RAISE EXCEPTION 'govclone guard: govclone.clone is not set: refusing to change any database' USING ERRCODE = 'GC001';
  END IF;
  FOREACH setting IN ARRAY ARRAY['govclone.clone', 'govclone.target', 'govclone.template', 'govclone.database', 'govclone.settings_to'] LOOP
    name := coalesce(current_setting(setting, true), '');
    IF name <> '' AND (name NOT LIKE 'directus\_gov\_test\_%' OR name !~ '^[a-z0-9_]+$' OR name = 'directus_gov_test_') THEN
      RAISE EXCEPTION 'govclone guard: refusing to change database %: no directus_gov_test_ prefix (%)', name, setting
        USING ERRCODE = 'GC001', HINT = 'Every database govclone creates, marks or drops is named directus_gov_test_*.';
    END IF;
    most := CASE setting WHEN 'govclone.clone' THEN 57 ELSE 63 END;
    IF octet_length(name) > most THEN
      RAISE EXCEPTION 'govclone guard: refusing database %: longer than % bytes (%)', name, most, setting
        USING ERRCODE = 'GC001', HINT = 'A clone''s name leaves room for <clone>_spare within PostgreSQL''s 63 bytes.';
    END IF;
  END LOOP;
END
$guard$;
