-- purge_foreign_rows.sql: remove what keeps the clone from its state and that the seed did not write
-- (sql/foreign_rows.sql lists it): every row of the governance tables that is not the seed's, and axis_* tables.
-- Opt-in only (govclone seed --purge-foreign / reset --purge-foreign run it, then the seed or reset): the seed and
-- the reset themselves never delete rows they did not write; they refuse to run while such rows exist.
-- In one transaction: every row of those tables, the seed's own included (the seed or the reset that follows
-- writes or leaves its own as its profile says), then axis_* tables.
--   cat sql/purge_foreign_rows.sql | psql -X -v ON_ERROR_STOP=1 -d directus_gov_test_20260602 -f -
--   cat sql/seed_committed_state.sql | psql -X -v ON_ERROR_STOP=1 -d directus_gov_test_20260602 -f -
-- Refuses (guard) any database not named directus_gov_test_*.
-- govclone guard: refuse any database that is not a governance test clone.
DO $guard$
BEGIN
  IF current_database() NOT LIKE 'directus\_gov\_test\_%' THEN
    RAISE EXCEPTION 'govclone guard: refusing to modify database "%": its name does not start with directus_gov_test_', current_database()
      USING HINT = 'Point the connection at the clone (govclone:cloneDatabase), never at production.';
  END IF;
  IF current_database() ~ '[^a-z0-9_]' OR current_database() = 'directus_gov_test_' THEN
    RAISE EXCEPTION 'govclone guard: refusing to modify database %: a clone''s name is directus_gov_test_ and then only a-z, 0-9 and _ (no newline or other control character, space, quote or look-alike)', to_json(current_database())
      USING HINT = 'Point the connection at the clone (govclone:cloneDatabase), a plain lower-case name.';
  END IF;
  IF coalesce(current_setting('govclone.expected_database', true), '') NOT IN ('', current_database()) THEN
    RAISE EXCEPTION 'govclone guard: connected to "%" but the caller expected "%"', current_database(), current_setting('govclone.expected_database', true)
      USING HINT = 'The connection string and govclone:cloneDatabase disagree; fix the connection.';
  END IF;
END
$guard$;

BEGIN;
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
