-- purge_foreign_rows.sql: remove what keeps the clone from its state and that the seed did not write
-- (sql/foreign_rows.sql lists it): every row of the governance tables that is not the seed's, and axis_* tables.
-- Opt-in only (govclone seed --purge-foreign / reset --purge-foreign run it, then the seed or reset): the seed and
-- the reset themselves never delete rows they did not write; they refuse to run while such rows exist.
-- In one transaction: every row of those tables, the seed's own included (the seed or the reset that follows
-- writes or leaves its own as its profile says), then axis_* tables.
--   cat sql/purge_foreign_rows.sql | psql -X -v ON_ERROR_STOP=1 -d directus_gov_test_20260602 -f -
--   cat sql/seed_committed_state.sql | psql -X -v ON_ERROR_STOP=1 -d directus_gov_test_20260602 -f -
-- Refuses (guard, in its transaction) any database but a complete clone, or the one named in govclone.expected_database.
\set ON_ERROR_STOP on
BEGIN;
-- govclone guard (sql/engine/clone_guard.sql; inside the transaction: a refusal aborts it, whatever ON_ERROR_STOP says)
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
-- Every row, children first (a foreign row may reference one of the seed's, or the other way round): what is left
-- after this and the seed or reset is exactly that file's profile.
DELETE FROM governance_candidate_object;
DELETE FROM governance_candidate_state;
DELETE FROM candidate_scan_run;
DELETE FROM gov_worker_cursor;
DELETE FROM governance_ruleset;
DELETE FROM governance_object_ownership;
DELETE FROM gov_emit_event;
DO $axis$
DECLARE t record;
BEGIN
  FOR t IN SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND c.relname LIKE 'axis\_%'
             AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
           ORDER BY c.relispartition, n.nspname, c.relname -- a partitioned table takes its partitions with it
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', t.nspname, t.relname);
  END LOOP;
END
$axis$;
COMMIT;
