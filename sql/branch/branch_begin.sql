-- branch_begin.sql (maintenance database; after branch_guard.sql): right after CREATE DATABASE govclone.branch TEMPLATE
-- <the retained template>, in the same session: closes the new branch to PUBLIC (a new database lets PUBLIC connect)
-- and marks it incomplete: 'govclone:branch-incomplete family=<clone> owner=<govclone.owner> created=<time>'. Nothing
-- takes an incomplete branch for one that can be used; branch_mark.sql replaces the marker once the copy is proven whole.
\set ON_ERROR_STOP on
DO $begin$
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
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.branch'));
  EXECUTE format('ALTER DATABASE %I CONNECTION LIMIT -1', current_setting('govclone.branch')); -- its creation fingerprint: the marker says it now
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.branch'),
    format(rule_marker_branch_incomplete, current_setting('govclone.clone'), current_setting('govclone.owner'), to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
END
$begin$;
