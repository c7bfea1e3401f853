-- reset_in_place.sql: reset the clone in place to the clean F-6 baseline (keep the DB, wipe only the
-- governance test data). Result: own=0, gap=210, candidates=0.
-- It deletes only the seed's own rows. While the clone holds rows the seed did not write (sql/foreign_rows.sql) it
-- refuses, changing nothing, and names them: remove them first with sql/purge_foreign_rows.sql
-- (govclone reset --purge-foreign) if they may go.
--   cat sql/reset_in_place.sql | psql -X -v ON_ERROR_STOP=1 -d directus_gov_test_20260602 -f -
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
-- govclone foreign rows (generated from sql/foreign_rows.sql; a test keeps it equal): refuse, changing nothing,
-- while the clone holds rows this file did not write. It deletes and writes only its own.
DO $foreign$
DECLARE
  found text;
BEGIN
  SELECT string_agg(format('%s: %s (%s)', table_name, rows, sample), '; ' ORDER BY ord) INTO found FROM (
    SELECT ord, table_name, rows, sample FROM (
      SELECT 1 AS ord, 'governance_object_ownership' AS table_name, count(*)::bigint AS rows,
             array_to_string((array_agg(format('created_by=%s (%s %s)', created_by, object_type, object_key) ORDER BY id))[1:5], '; ') AS sample
      FROM governance_object_ownership WHERE created_by <> 'CLONE_TEST_F6_SEED'
      UNION ALL
      SELECT 2, 'governance_ruleset', count(*)::bigint,
             array_to_string((array_agg(format('ruleset_version=%s (%s%s)', ruleset_version, status, CASE WHEN is_active THEN ', active' ELSE '' END) ORDER BY ruleset_version))[1:5], '; ')
      FROM governance_ruleset WHERE ruleset_version <> 'RS-CLONE-TEST-1'
      UNION ALL
      SELECT 3, 'candidate_scan_run', count(*)::bigint,
             array_to_string((array_agg(format('run_id=%s (ruleset %s)', run_id, ruleset_version) ORDER BY run_id))[1:5], '; ')
      FROM candidate_scan_run WHERE run_id NOT LIKE 'SCAN-CLONE-TEST-%'
      UNION ALL
      SELECT 4, 'governance_candidate_state', count(*)::bigint,
             array_to_string((array_agg(format('ruleset_version=%s (%s)', ruleset_version, candidate_key) ORDER BY id))[1:5], '; ')
      FROM governance_candidate_state WHERE ruleset_version <> 'RS-CLONE-TEST-1'
      UNION ALL
      SELECT 5, 'governance_candidate_object', count(*)::bigint,
             array_to_string((array_agg(format('ruleset_version=%s (%s %s)', ruleset_version, collection, item) ORDER BY id))[1:5], '; ')
      FROM governance_candidate_object WHERE ruleset_version <> 'RS-CLONE-TEST-1'
      UNION ALL
      SELECT 6, 'gov_worker_cursor', count(*)::bigint,
             array_to_string((array_agg(format('worker_name=%s (%s)', worker_name, watermark) ORDER BY worker_name))[1:5], '; ')
      FROM gov_worker_cursor WHERE worker_name <> 'clone-test-worker'
      UNION ALL
      SELECT 7, 'gov_emit_event', count(*)::bigint,
             array_to_string((array_agg(format('worker_name=%s (%s)', worker_name, event_type) ORDER BY id))[1:5], '; ')
      FROM gov_emit_event
      UNION ALL
      SELECT 8, 'axis_* tables', count(*)::bigint,
             array_to_string((array_agg(format('%I.%I', n.nspname, c.relname) ORDER BY n.nspname, c.relname))[1:5], '; ')
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND c.relname LIKE 'axis\_%'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    ) foreign_rows
    WHERE rows > 0
    ORDER BY ord
  ) f;
  IF found IS NOT NULL THEN
    RAISE EXCEPTION 'govclone: the clone holds rows the seed did not write, so it cannot reach its state: %', found
      USING ERRCODE = 'GCFRW',
            HINT = 'Nothing was changed. If they may go: govclone seed --purge-foreign (or reset --purge-foreign) deletes them first; by hand, run sql/purge_foreign_rows.sql, then this file.';
  END IF;
END
$foreign$;
-- The runbook's reset, in FK order: object -> state -> scan_run -> cursor -> ruleset, then ownership.
DELETE FROM governance_candidate_object WHERE ruleset_version='RS-CLONE-TEST-1';
DELETE FROM governance_candidate_state WHERE ruleset_version='RS-CLONE-TEST-1';
DELETE FROM candidate_scan_run WHERE run_id LIKE 'SCAN-CLONE-TEST-%';
DELETE FROM gov_worker_cursor WHERE worker_name='clone-test-worker';
DELETE FROM governance_ruleset WHERE ruleset_version='RS-CLONE-TEST-1';
DELETE FROM governance_object_ownership WHERE created_by='CLONE_TEST_F6_SEED';
COMMIT;
