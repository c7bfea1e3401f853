-- metrics.sql: THE single definition of the committed-state metrics (one read-only SELECT).
--
-- govclone status/verify run this text through Npgsql; the regression suite
-- (A_coverage_regression_suite_clone.sql) is generated from it. Columns: ord, metric, value, detail.
--
--   own          rows of governance_object_ownership; detail = the distinct created_by markers
--                (the committed state's rows carry CLONE_TEST_F6_SEED).
--   gap          governed collections that no ownership row covers. A governed collection is a row of
--                directus_collections that is backed by a real table in this database and is not a
--                directus_* system collection (folders have no table, so they are not counted). It is
--                covered by an ownership row for the collection itself (object_type 'collection') or
--                for its folder group (object_type 'group', object_key = its "group"). 210 at baseline.
--   ruleset      rows of governance_ruleset; detail = the ruleset versions (RS-CLONE-TEST-1).
--   scan_run     rows of candidate_scan_run.
--   cand_state   rows of governance_candidate_state.
--   cand_object  rows of governance_candidate_object. (candidates = cand_state + cand_object)
--   cursor       rows of gov_worker_cursor; detail = "worker, watermark, events_seen=N" per row.
--   gov_emit     rows of gov_emit_event: events governance emitted onto the app's event stream.
--   gov_active   governance_ruleset rows with is_active: rulesets enforcing on live data.
--   dot_tools    rows of dot_tools, the DOT rehearsal tool registry (309).
--   axis_tables  tables (ordinary or partitioned) in non-system schemas whose name starts with axis_:
--                leftovers of the axis prototype experiments.
\set ON_ERROR_STOP on
SELECT ord, metric, value, detail FROM (
  SELECT 1 AS ord, 'own' AS metric, count(*)::bigint AS value,
         string_agg(DISTINCT created_by, ', ' ORDER BY created_by) AS detail
  FROM governance_object_ownership
  UNION ALL
  SELECT 2, 'gap', count(*)::bigint, NULL
  FROM directus_collections dc
  WHERE dc.collection NOT LIKE 'directus\_%'
    AND EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relname = dc.collection AND c.relkind IN ('r', 'p')
                  AND n.nspname = ANY (current_schemas(false)))
    AND NOT EXISTS (SELECT 1 FROM governance_object_ownership o
                    WHERE (o.object_type = 'collection' AND o.object_key = dc.collection)
                       OR (o.object_type = 'group' AND o.object_key = dc."group"))
  UNION ALL
  SELECT 3, 'ruleset', count(*)::bigint, string_agg(ruleset_version, ', ' ORDER BY ruleset_version)
  FROM governance_ruleset
  UNION ALL
  SELECT 4, 'scan_run', count(*)::bigint, NULL FROM candidate_scan_run
  UNION ALL
  SELECT 5, 'cand_state', count(*)::bigint, NULL FROM governance_candidate_state
  UNION ALL
  SELECT 6, 'cand_object', count(*)::bigint, NULL FROM governance_candidate_object
  UNION ALL
  SELECT 7, 'cursor', count(*)::bigint,
         string_agg(format('%s, %s, events_seen=%s', worker_name, watermark, events_seen), '; ' ORDER BY worker_name)
  FROM gov_worker_cursor
  UNION ALL
  SELECT 8, 'gov_emit', count(*)::bigint, NULL FROM gov_emit_event
  UNION ALL
  SELECT 9, 'gov_active', count(*)::bigint, NULL FROM governance_ruleset WHERE is_active
  UNION ALL
  SELECT 10, 'dot_tools', count(*)::bigint, NULL FROM dot_tools
  UNION ALL
  SELECT 11, 'axis_tables', count(*)::bigint, NULL
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND c.relname LIKE 'axis\_%'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
) metrics
ORDER BY ord;
