-- analyze_rest.sql (the clone, psql, in the lane that loaded the small tables): ANALYZE of every user table not
-- streamed on its own (psql variable big: the streamed tables' quoted names, one a line), then the count of what
-- only the last step analyzes (materialized views, partitioned tables), so that step is skipped when there are none.
-- In one transaction behind the clone guard (clone_guard.sql's text): by hand on any other database it changes nothing.
\set ON_ERROR_STOP on
BEGIN;
DO $guard$
DECLARE
  -- govclone:rules begin (generated from src/GovClone/Guards/FamilyRules.cs; FamilyRulesTests hold every copy to it and rewrite them when asked)
  rule_prefix constant text := 'directus_gov_test_';
  rule_max_bytes constant int := 63;
  rule_clone_max_bytes constant int := 56;
  rule_branch_max constant int := 20;
  rule_fingerprint_base constant bigint := 1000000;
  rule_fingerprint_span constant bigint := 8999999;
  rule_suffixes constant text[] := ARRAY['_template', '_next', '_old', '_spare', '_bspare'];
  rule_roles constant text[] := ARRAY['template', 'next', 'old', 'spare', 'bspare'];
  rule_marker_complete constant text := 'govclone:complete family=%s source=%s generation=%s masking=%s method=%s fidelity=%s';
  rule_marker_template constant text := 'govclone:template family=%s source=%s generation=%s masking=%s method=%s fidelity=%s';
  rule_marker_spare constant text := 'govclone:spare family=%s source=%s generation=%s masking=%s template=%s method=%s fidelity=%s';
  rule_marker_building constant text := 'govclone:building family=%s role=%s';
  rule_marker_old constant text := 'govclone:old family=%s';
  rule_marker_dropping constant text := 'govclone:dropping family=%s role=%s';
  rule_marker_branch constant text := 'govclone:branch family=%s source=%s generation=%s template=%s owner=%s created=%s used=%s';
  rule_marker_branch_incomplete constant text := 'govclone:branch-incomplete family=%s owner=%s created=%s';
  rule_marker_branch_spare constant text := 'govclone:branch-spare family=%s source=%s generation=%s template=%s oid=%s';
  -- govclone:rules end
  db text := current_database();
  expected text := coalesce(current_setting('govclone.expected_database', true), '');
  marker text := coalesce((SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()), '');
BEGIN
  PERFORM set_config('govclone.guarded', '', false);
  IF left(db, length(rule_prefix)) <> rule_prefix THEN
    RAISE EXCEPTION 'govclone guard: refusing to modify database "%": its name does not start with %', db, rule_prefix
      USING ERRCODE = 'GC001', HINT = 'Point the connection at the clone (govclone:cloneDatabase), never at production.';
  END IF;
  IF db ~ '[^a-z0-9_]' OR db = rule_prefix THEN
    RAISE EXCEPTION 'govclone guard: refusing to modify database %: a clone''s name is % and then only a-z, 0-9 and _ (no newline or other control character, space, quote or look-alike)', to_json(db), rule_prefix
      USING ERRCODE = 'GC001', HINT = 'Point the connection at the clone (govclone:cloneDatabase), a plain lower-case name.';
  END IF;
  IF expected NOT IN ('', db) THEN
    RAISE EXCEPTION 'govclone guard: connected to "%" but the caller expected "%"', db, expected
      USING ERRCODE = 'GC001', HINT = 'The connection string and govclone:cloneDatabase disagree; fix the connection.';
  END IF;
  IF expected = '' AND left(marker, length(split_part(rule_marker_complete, ' ', 1)) + 1) <> split_part(rule_marker_complete, ' ', 1) || ' ' THEN
    RAISE EXCEPTION 'govclone guard: refusing to modify database "%": it is not marked a complete clone (its marker: "%")', db, left(marker, 80)
      USING ERRCODE = 'GC001',
            HINT = 'Run this file only on a complete clone; for a branch use govclone seed|reset --branch NAME, or name the database on purpose: psql -c "SET govclone.expected_database = ''<its name>''" -f FILE.';
  END IF;
  PERFORM set_config('govclone.guarded', db, false);
END
$guard$;
SELECT 'ANALYZE ' || string_agg(c.oid::regclass::text, ', ')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.oid <> ALL (coalesce(string_to_array(rtrim(:'big', E'\n'), E'\n')::regclass[], '{}'))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
HAVING count(*) > 0 \gexec
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('m', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%';
COMMIT;
