-- bspare_take.sql (maintenance database; after prefix_guard.sql, family_guard.sql, holder_check.sql (the spare lock)
-- and branch_guard.sql, under the branch's lock and the clone's branch budget lock): branch create's copy without a
-- copy. In ONE transaction: the ready branch spare govclone.bspare (<clone>_bspare) is checked current for the
-- retained template read before (its oid govclone.template_oid and comment govclone.template_comment, still
-- current: its marker is govclone.bspare_marker template=<the template's at> oid=<its oid>), renamed to the branch
-- govclone.branch (which must not exist), made connectable, closed to PUBLIC and marked incomplete like
-- branch_begin.sql does: 'govclone:branch-incomplete family=<clone> owner=<govclone.owner> created=<time>'. A branch
-- spare that is not current raises SQLSTATE GC003 and nothing changes (the caller drops it and copies the template).
-- branch_mark.sql marks the branch complete after, as after a copy.
\set ON_ERROR_STOP on
BEGIN;
DO $take$
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
  spare text := current_setting('govclone.bspare');
  branch text := current_setting('govclone.branch');
  want text;
BEGIN
  -- The names again, inside the transaction: the family's branch spare and a branch of this clone, both prefixed.
  IF left(clone, length(rule_prefix)) <> rule_prefix OR clone ~ '[^a-z0-9_]'
     OR spare IS DISTINCT FROM clone || rule_suffixes[array_position(rule_roles, 'bspare')]
     OR left(branch, length(clone) + 1) <> clone || '_' OR branch ~ '[^a-z0-9_]' OR branch = spare THEN
    RAISE EXCEPTION 'govclone guard: refusing to rename % to %: not the branch spare and a branch of a % clone', to_json(spare), to_json(branch), rule_prefix
      USING ERRCODE = 'GC001';
  END IF;
  SELECT current_setting('govclone.bspare_marker') || ' template=' || coalesce(substring(coalesce(shobj_description(d.oid, 'pg_database'), '') FROM ' at=([^ ]+)$'), '-')
         || ' oid=' || d.oid
    INTO want
    FROM pg_database d
   WHERE d.datname = current_setting('govclone.template') AND d.oid = current_setting('govclone.template_oid')::bigint
     AND coalesce(shobj_description(d.oid, 'pg_database'), '') = current_setting('govclone.template_comment')
     AND d.datistemplate AND NOT d.datallowconn AND d.datconnlimit <> -2
     AND left(coalesce(shobj_description(d.oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
         = current_setting('govclone.template_marker') || ' ';
  IF want IS NULL OR NOT EXISTS (SELECT 1 FROM pg_database s WHERE s.datname = spare AND NOT s.datallowconn AND s.datconnlimit <> -2 AND NOT s.datistemplate
                                   AND left(coalesce(shobj_description(s.oid, 'pg_database'), ''), length(want) + 1) = want || ' ') THEN
    RAISE EXCEPTION 'govclone: the branch spare % is not a ready copy of the retained template % as it is now', spare, current_setting('govclone.template')
      USING ERRCODE = 'GC003';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = branch) THEN
    RAISE EXCEPTION 'govclone: % exists: the branch spare is not renamed over it', branch USING ERRCODE = 'GC003';
  END IF;
  EXECUTE format('ALTER DATABASE %I RENAME TO %I', spare, branch);
  EXECUTE format('ALTER DATABASE %I WITH ALLOW_CONNECTIONS true CONNECTION LIMIT -1', branch);
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', branch);
  EXECUTE format('COMMENT ON DATABASE %I IS %L', branch,
    format(rule_marker_branch_incomplete, clone, current_setting('govclone.owner'), to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
END
$take$;
COMMIT;
