-- swap.sql (maintenance database; psql or Npgsql): puts govclone.origin (the <clone>_next a run built, or the ready
-- <clone>_spare) in the clone's place, in ONE transaction: the sessions on the clone (govclone.clone) and on
-- govclone.origin are ended; the clone, if any, is renamed <clone>_old and unmarked; govclone.origin is renamed to the
-- clone, made connectable, closed to PUBLIC and marked complete (govclone.marker, the whole marker before its time:
-- 'govclone:complete family=<clone> source=… generation=N method=… fidelity=…', and the time); the retired clone is
-- marked 'govclone:old family=<clone>', so it stays this family's until dropped. Until the COMMIT
-- every other session sees the old clone under the clone's name; after it, the new one: there is no moment the
-- name is missing or names a half copy, and a crash leaves one or the other. A new session that asked for the
-- clone while the renames held its lock is refused and connects again to the new one. govclone.origin_marker is the
-- marker govclone.origin must carry: the build's 'govclone:building family=<clone> role=next', or a spare's (used only
-- when marked ready: spare_mark.sql writes it last). With govclone.marker_tail_from (a template, by hand), govclone.marker
-- is its identity and the rest comes from that template's marker (method=, fidelity=). After prefix_guard.sql, holder_check.sql and family_guard.sql
-- (the clone, if any, is this family's); run with synchronous_commit on (its commit makes the copy durable).
\set ON_ERROR_STOP on
BEGIN;
DO $swap$
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
  clone text := current_setting('govclone.clone');
  source text := current_setting('govclone.origin');
  retired text := current_setting('govclone.old');
  want text := coalesce(current_setting('govclone.origin_marker', true), '');
  marker text := current_setting('govclone.marker');
  tail_from text := coalesce(current_setting('govclone.marker_tail_from', true), '');
  attempt int := 0;
BEGIN
  IF want = '' THEN
    RAISE EXCEPTION 'govclone: govclone.origin_marker is not set: % is swapped in only when its marker says it is this family''s', source
      USING ERRCODE = 'GC003';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = source AND datconnlimit <> -2 AND NOT datistemplate
                 AND (left(coalesce(shobj_description(oid, 'pg_database'), ''), length(want) + 1) = want || ' ')) THEN
    RAISE EXCEPTION 'govclone: % is not ready to take the place of % (absent, invalid, a template, or not marked ''%'')', source, clone, want
      USING ERRCODE = 'GC003';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = clone AND datconnlimit = -2) THEN
    -- An invalid clone (an interrupted DROP DATABASE) cannot be renamed: the engine drops it and builds instead.
    RAISE EXCEPTION 'govclone: % is an invalid database; it is dropped, not swapped out', clone USING ERRCODE = 'GC003';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = retired) THEN
    RAISE EXCEPTION 'govclone: % still exists: drop it first (drop_leftovers.sql)', retired USING ERRCODE = 'GC003';
  END IF;
  -- ALTER DATABASE … RENAME refuses while the database has sessions (object_in_use, after waiting 5 s for them to
  -- go): end them, and again should one connect in between.
  LOOP
    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname IN (clone, source) AND pid <> pg_backend_pid();
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_database WHERE datname = clone) THEN
        EXECUTE format('ALTER DATABASE %I RENAME TO %I', clone, retired);
        EXECUTE format('COMMENT ON DATABASE %I IS %L', retired,
          format(rule_marker_old, clone) || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
      END IF;
      EXECUTE format('ALTER DATABASE %I RENAME TO %I', source, clone);
      EXIT;
    EXCEPTION WHEN object_in_use THEN
      attempt := attempt + 1;
      IF attempt >= 5 THEN
        RAISE;
      END IF;
    END;
  END LOOP;
  IF tail_from <> '' THEN
    -- A copy of the retained template by hand: the marker says what the template's says of how the data was read.
    marker := marker || coalesce((SELECT regexp_replace(substr(shobj_description(oid, 'pg_database'), length(current_setting('govclone.template_marker')) + 1), ' at=[^ ]+$', '')
                                  FROM pg_database WHERE datname = tail_from), '');
  END IF;
  EXECUTE format('ALTER DATABASE %I WITH ALLOW_CONNECTIONS true CONNECTION LIMIT -1', clone); -- no creation fingerprint on the clone
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', clone);
  EXECUTE format('COMMENT ON DATABASE %I IS %L', clone,
    marker || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$swap$;
COMMIT;
