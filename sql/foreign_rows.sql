-- foreign_rows.sql: THE definition of the rows in the governance tables that the seed did not write (one read-only SELECT).
--
-- seed_committed_state.sql and reset_in_place.sql delete and write only their own rows: ownership created_by
-- CLONE_TEST_F6_SEED, ruleset RS-CLONE-TEST-1 and its candidates, scan runs SCAN-CLONE-TEST-*, the cursor of
-- clone-test-worker. Any other row here keeps the clone from both profiles (committed and baseline), and so do
-- axis_* tables (the axis prototype's leftovers). Both files embed this query and refuse to run, changing nothing,
-- while it returns a row; sql/purge_foreign_rows.sql removes them when asked (govclone seed|reset --purge-foreign).
-- Columns: ord, table_name, rows (for axis_* tables: tables), sample (up to 5 of them: whose they are, and their key).
\set ON_ERROR_STOP on
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
ORDER BY ord;
