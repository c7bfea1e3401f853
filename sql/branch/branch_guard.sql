-- branch_guard.sql (maintenance database): refuses, SQLSTATE GC001, unless govclone.branch is a branch of the clone
-- govclone.clone: '<clone>_<NAME>' with NAME 1 to 20 of a-z, 0-9 and _, not a companion suffix of the clone family
-- (template, next, old, spare) nor ending in one, not govclone.template, directus_gov_test_ and plain lower-case ASCII,
-- at most 63 bytes; and unless the database, when it exists, carries no govclone marker but a branch's of this clone.
-- The SQL half of BranchName.Of (C#), in front of every create, mark, touch and drop of a branch: a branch lever
-- can never create, mark or drop the clone, its template, a companion, another clone's database or production.
--   psql -X -v ON_ERROR_STOP=1 -d postgres -c "SET govclone.clone = 'directus_gov_test_20260602'" \
--        -c "SET govclone.branch = 'directus_gov_test_20260602_pr123'" -c "SET govclone.template = 'directus_gov_test_20260602_template'" \
--        -f sql/branch/branch_guard.sql
DO $guard$
DECLARE
  clone text := coalesce(current_setting('govclone.clone', true), '');
  branch text := coalesce(current_setting('govclone.branch', true), '');
  template text := coalesce(current_setting('govclone.template', true), '');
  name text;
  marker text;
BEGIN
  IF clone = '' OR branch = '' THEN
    RAISE EXCEPTION 'govclone guard: govclone.clone and govclone.branch must be set: refusing to change any database' USING ERRCODE = 'GC001';
  END IF;
  IF clone NOT LIKE 'directus\_gov\_test\_%' OR clone ~ '[^a-z0-9_]' OR clone = 'directus_gov_test_' THEN
    RAISE EXCEPTION 'govclone guard: refusing: the clone % is not a plain directus_gov_test_ name', to_json(clone) USING ERRCODE = 'GC001';
  END IF;
  IF left(branch, length(clone) + 1) <> clone || '_' THEN
    RAISE EXCEPTION 'govclone guard: refusing to change database %: not a branch of % (<clone>_<NAME>)', to_json(branch), clone USING ERRCODE = 'GC001';
  END IF;
  name := substr(branch, length(clone) + 2);
  IF name !~ '^[a-z0-9_]{1,20}$' OR branch ~ '[^a-z0-9_]' OR octet_length(branch) > 63 THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: a branch''s NAME is 1 to 20 of a-z, 0-9 and _, and its name at most 63 bytes', to_json(branch)
      USING ERRCODE = 'GC001';
  END IF;
  IF name IN ('template', 'next', 'old', 'spare') OR name ~ '_(template|next|old|spare)$' THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: % is a name the clone family uses (<clone>_template, _next, _old, _spare)', branch, name
      USING ERRCODE = 'GC001';
  END IF;
  IF branch = template THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: it is the retained template', branch USING ERRCODE = 'GC001';
  END IF;
  SELECT coalesce(shobj_description(oid, 'pg_database'), '') INTO marker FROM pg_database WHERE datname = branch;
  IF marker LIKE 'govclone:%' AND marker NOT LIKE 'govclone:branch %' AND marker NOT LIKE 'govclone:branch-incomplete %' THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: it carries another govclone marker (%), not a branch''s', branch, left(marker, 60)
      USING ERRCODE = 'GC001';
  END IF;
  IF marker LIKE 'govclone:branch%' AND position(' parent=' || clone || ' ' IN marker || ' ') = 0 THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: it is a branch of another clone (%)', branch, left(marker, 80)
      USING ERRCODE = 'GC001';
  END IF;
END
$guard$;
