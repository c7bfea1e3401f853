-- seed_committed_state.sql: bring the clone to the committed state EXACTLY, from any state:
--   own=30 (CLONE_TEST_F6_SEED) | gap=0 | ruleset=1 (RS-CLONE-TEST-1) | scan_run=2 | cand_state=5 |
--   cand_object=35 | cursor=1 (clone-test-worker, wm-2, events_seen=20) | gov_emit=0 | gov_active=0 |
--   dot_tools=309 | axis_tables=0
-- The reset's deletes first, then the committed rows, in one transaction. Deterministic (fixed timestamps).
-- It deletes and writes only its own rows. While the clone holds rows it did not write (sql/foreign_rows.sql: other
-- ownership, rulesets, scan runs, candidates, cursors, emitted events, axis_* tables) it refuses, changing nothing,
-- and names them: remove them first with sql/purge_foreign_rows.sql (govclone seed --purge-foreign) if they may go.
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

-- 30 ownership rows, one per folder group: together they cover all 210 governed collections (gap=0).
INSERT INTO governance_object_ownership (object_type, object_key, owner_team, steward_email, created_by, created_at)
SELECT 'group', dc.collection, replace(dc.collection, 'grp_', '') || '-stewards',
       replace(dc.collection, 'grp_', '') || '-steward@example.internal', 'CLONE_TEST_F6_SEED',
       timestamptz '2026-06-02 09:00:00+00' + (row_number() OVER (ORDER BY dc.collection)) * interval '1 minute'
FROM directus_collections dc
WHERE dc.collection LIKE 'grp\_%' AND EXISTS (SELECT 1 FROM directus_collections m WHERE m."group" = dc.collection)
ORDER BY dc.collection;

-- The test ruleset, in shadow mode: inactive, so it enforces nothing (gov_active=0).
INSERT INTO governance_ruleset (ruleset_version, status, is_active, description, rules, created_at)
VALUES ('RS-CLONE-TEST-1', 'shadow', false, 'Clone regression test ruleset (F-6 seed)',
        '[{"rule": "owner-required", "scope": "group"}, {"rule": "stale-item", "days": 90}]'::jsonb,
        timestamptz '2026-06-02 09:30:00+00');

INSERT INTO candidate_scan_run (run_id, ruleset_version, started_at, finished_at, objects_scanned)
VALUES ('SCAN-CLONE-TEST-1', 'RS-CLONE-TEST-1', timestamptz '2026-06-02 10:00:00+00', timestamptz '2026-06-02 10:04:00+00', 210),
       ('SCAN-CLONE-TEST-2', 'RS-CLONE-TEST-1', timestamptz '2026-06-02 11:00:00+00', timestamptz '2026-06-02 11:03:00+00', 210);

-- 5 candidates: the first three from scan 1, the last two from scan 2.
INSERT INTO governance_candidate_state (ruleset_version, run_id, candidate_key, state, updated_at)
SELECT 'RS-CLONE-TEST-1', CASE WHEN n <= 3 THEN 'SCAN-CLONE-TEST-1' ELSE 'SCAN-CLONE-TEST-2' END,
       'CAND-CLONE-TEST-' || n, (ARRAY['new', 'triaged', 'accepted', 'deferred', 'new'])[n],
       timestamptz '2026-06-02 12:00:00+00' + n * interval '5 minutes'
FROM generate_series(1, 5) n;

-- 35 candidate objects, 7 per candidate: the 7 collections of one folder group each, linked to its ownership row.
INSERT INTO governance_candidate_object (ruleset_version, candidate_state_id, ownership_id, collection, item)
SELECT 'RS-CLONE-TEST-1', s.id, o.id, m.collection, '1'
FROM governance_candidate_state s
JOIN LATERAL (SELECT g.collection AS grp FROM directus_collections g
              WHERE g.collection LIKE 'grp\_%' AND EXISTS (SELECT 1 FROM directus_collections x WHERE x."group" = g.collection)
              ORDER BY g.collection OFFSET (substr(s.candidate_key, 17)::int - 1) * 6 LIMIT 1) grp ON true
JOIN directus_collections m ON m."group" = grp.grp
JOIN governance_object_ownership o ON o.object_type = 'group' AND o.object_key = grp.grp
WHERE s.ruleset_version = 'RS-CLONE-TEST-1';

INSERT INTO gov_worker_cursor (worker_name, ruleset_version, watermark, events_seen, updated_at)
VALUES ('clone-test-worker', 'RS-CLONE-TEST-1', 'wm-2', 20, timestamptz '2026-06-02 13:00:00+00');
COMMIT;
