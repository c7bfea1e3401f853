-- bspare_take.sql (maintenance database; after prefix_guard.sql, family_guard.sql, holder_check.sql (the spare lock)
-- and branch_guard.sql, under the branch's lock and the clone's branch budget lock): branch create's copy without a
-- copy. In ONE transaction: the ready branch spare govclone.bspare (<clone>_bspare) is checked current for the
-- retained template read before (its oid govclone.template_oid and comment govclone.template_comment, still current:
-- the govclone:template-read block below, one text with branch_mark.sql's and bspare_mark.sql's, generated from
-- src/GovClone/Branches/TemplateRead.cs; the spare's marker must be govclone.bspare_marker template=<the template's
-- at> oid=<its oid>), renamed to the branch govclone.branch (which must not exist), made connectable, closed to PUBLIC
-- and marked incomplete like branch_begin.sql does: 'govclone:branch-incomplete family=<clone> owner=<govclone.owner>
-- created=<time>'. branch_mark.sql marks the branch complete after, as after a copy. Refusals, each changing nothing:
--   GC001  the names are not the family's branch spare and a branch of the clone, both directus_gov_test_*;
--   GC003  the branch spare is not a ready copy of the template as it is now (the caller drops it and copies the
--          template);
--   42P04  (duplicate_database) a database already has the branch's name: the spare is ready and stays (the caller
--          fails the create, naming that database).
-- By hand (every setting it reads; the template's oid and comment as template_state.sql or bspare_state.sql read them):
--   psql -X -d postgres -c "SET govclone.clone = 'directus_gov_test_20260602'" \
--        -c "SET govclone.bspare = 'directus_gov_test_20260602_bspare'" -c "SET govclone.branch = 'directus_gov_test_20260602_pr123'" \
--        -c "SET govclone.template = 'directus_gov_test_20260602_template'" -c "SET govclone.owner = 'me'" \
--        -c "SET govclone.template_oid = '<oid>'" -c "SET govclone.template_comment = '<its comment>'" \
--        -c "SET govclone.template_marker = 'govclone:template family=directus_gov_test_20260602 source=directus generation=1 masking=<id>'" \
--        -c "SET govclone.bspare_marker = 'govclone:branch-spare family=directus_gov_test_20260602 source=directus generation=1'" \
--        -f sql/branch/bspare_take.sql
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
  -- govclone:template-read begin (generated from src/GovClone/Branches/TemplateRead.cs; TemplateReadTests hold every copy to it and rewrite them when asked)
  -- The retained template govclone.template as it is now, in one statement: template_oid and template_comment (NULL
  -- when it is gone), template_at (its marker's at=, '-' without one), and current: it is still the one read before
  -- the copy (its oid govclone.template_oid, its comment govclone.template_comment) and current (a valid,
  -- connection-free template marked govclone.template_marker). PostgreSQL holds a lock on the template for a whole
  -- CREATE DATABASE … TEMPLATE, which its release (COMMENT, then DROP) waits for, so a template that is the same
  -- after a copy as before it was the one copied, whole. The DECLARE section ends here; the body starts with the read.
  template_oid bigint;
  template_comment text;
  template_at text;
  current boolean;
BEGIN
  SELECT d.oid::bigint, coalesce(shobj_description(d.oid, 'pg_database'), ''),
         d.oid::bigint = current_setting('govclone.template_oid')::bigint
           AND coalesce(shobj_description(d.oid, 'pg_database'), '') = current_setting('govclone.template_comment')
           AND d.datistemplate AND NOT d.datallowconn AND d.datconnlimit <> -2
           AND left(coalesce(shobj_description(d.oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
               = current_setting('govclone.template_marker') || ' '
    INTO template_oid, template_comment, current
    FROM pg_database d WHERE d.datname = current_setting('govclone.template');
  template_at := coalesce(substring(template_comment FROM ' at=([^ ]+)$'), '-');
  current := coalesce(current, false);
  -- govclone:template-read end
  -- The names again, inside the transaction: the family's branch spare and a branch of this clone, both prefixed.
  IF left(clone, length(rule_prefix)) <> rule_prefix OR clone ~ '[^a-z0-9_]'
     OR spare IS DISTINCT FROM clone || rule_suffixes[array_position(rule_roles, 'bspare')]
     OR left(branch, length(clone) + 1) <> clone || '_' OR branch ~ '[^a-z0-9_]' OR branch = spare THEN
    RAISE EXCEPTION 'govclone guard: refusing to rename % to %: not the branch spare and a branch of a % clone', to_json(spare), to_json(branch), rule_prefix
      USING ERRCODE = 'GC001';
  END IF;
  -- The branch spare's marker for the template as it is now (what bspare_mark.sql wrote after its copy).
  want := current_setting('govclone.bspare_marker') || ' template=' || template_at || ' oid=' || template_oid;
  IF NOT current OR NOT EXISTS (SELECT 1 FROM pg_database s WHERE s.datname = spare AND NOT s.datallowconn AND s.datconnlimit <> -2 AND NOT s.datistemplate
                                   AND left(coalesce(shobj_description(s.oid, 'pg_database'), ''), length(want) + 1) = want || ' ') THEN
    RAISE EXCEPTION 'govclone: the branch spare % is not a ready copy of the retained template % as it is now', spare, current_setting('govclone.template')
      USING ERRCODE = 'GC003';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = branch) THEN
    RAISE EXCEPTION 'govclone: the database % already exists: the branch spare % is not renamed over it (it stays ready)', branch, spare
      USING ERRCODE = 'duplicate_database';
  END IF;
  EXECUTE format('ALTER DATABASE %I RENAME TO %I', spare, branch);
  EXECUTE format('ALTER DATABASE %I WITH ALLOW_CONNECTIONS true CONNECTION LIMIT -1', branch);
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', branch);
  EXECUTE format('COMMENT ON DATABASE %I IS %L', branch,
    format(rule_marker_branch_incomplete, clone, current_setting('govclone.owner'), to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
END
$take$;
COMMIT;
