-- branch_mark.sql (maintenance database; after branch_guard.sql): marks the branch govclone.branch complete, but only
-- when the retained template it was copied from is still the one read before the copy (its oid
-- govclone.template_oid and its comment govclone.template_comment) and current: PostgreSQL holds a lock on the
-- template for the whole CREATE DATABASE … TEMPLATE, which the template's release (COMMENT, then DROP) waits for, so
-- a template that is the same after the copy as before it was the one copied, whole. Otherwise it raises SQLSTATE
-- GCB01 and marks nothing (the caller drops the copy and tries again). The marker:
--   govclone:branch family=<clone> source=<source> generation=<N> template=<the template's at> owner=<o>
--   created=<time> used=<time>
-- (created from the incomplete marker branch_begin.sql wrote; used= is what branch_touch.sql moves.) The check is the
-- govclone:template-read block below, one text with bspare_mark.sql's and bspare_take.sql's (generated from
-- src/GovClone/Branches/TemplateRead.cs).
\set ON_ERROR_STOP on
DO $mark$
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
  marker text;
  created text;
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
  IF NOT current THEN
    RAISE EXCEPTION 'govclone: the retained template % changed while % was copied from it (a re-clone rebuilt or dropped it); the copy is not marked',
      current_setting('govclone.template'), current_setting('govclone.branch')
      USING ERRCODE = 'GCB01';
  END IF;
  SELECT coalesce(shobj_description(oid, 'pg_database'), '') INTO marker FROM pg_database WHERE datname = current_setting('govclone.branch');
  created := coalesce(substring(marker FROM ' created=([^ ]+)'), to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.branch'),
    format(rule_marker_branch, current_setting('govclone.clone'), current_setting('govclone.source'), current_setting('govclone.generation'),
           template_at, coalesce(substring(marker FROM ' owner=([^ ]+)'), current_setting('govclone.owner')), created,
           to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
END
$mark$;
