-- compact.sql: VACUUM (FULL, ANALYZE) the clone's own tables (rewrites each, refreshes statistics; never a shared catalog).
--   cat sql/compact.sql | psql -X -v ON_ERROR_STOP=1 -d directus_gov_test_20260602 -f -
-- Refuses (guard) any database but a complete clone, or the one named in govclone.expected_database.
\set ON_ERROR_STOP on
-- govclone guard (sql/engine/clone_guard.sql): with ON_ERROR_STOP its refusal ends the run here.
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
-- VACUUM cannot run inside a transaction block, so no transaction can protect it: it runs only under psql's \if of
-- the guard's own verdict (govclone.guarded, set only when the guard passed, in this session), so not even a psql that
-- goes on after an error reaches it.
SELECT coalesce(current_setting('govclone.guarded', true) = current_database(), false) AS govclone_guarded \gset
-- The clone's own tables, by name: a database-wide VACUUM FULL also rewrites the server's shared catalogs
-- (pg_database, pg_authid, pg_subscription, …), queueing an exclusive lock on them that every new connection to every
-- database, production's included, then waits behind; and the queued lock waits for any session that read them in
-- an open transaction (another clone's snapshot session): a server-wide stall. So: every table and materialized view
-- of this database that is not shared and not another session's temporary table, in one VACUUM.
\if :govclone_guarded
SELECT 'VACUUM (FULL, ANALYZE) ' || string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND NOT c.relisshared AND c.relpersistence <> 't' \gexec
\endif
