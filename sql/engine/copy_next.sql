-- copy_next.sql (maintenance database, psql): creates govclone.target (<clone>_next) as a copy of the database
-- govclone.copy_from (the retained template, or an idle source) with govclone.strategy ('STRATEGY FILE_COPY' on
-- PostgreSQL >= 15, else ''), with its creation fingerprint (CONNECTION LIMIT govclone.fingerprint_next), closed to
-- PUBLIC and marked building (role next) at once, in this session. After
-- prefix_guard.sql, holder_check.sql, family_guard.sql and drop_leftovers.sql; swap.sql puts it in the clone's place.
\set ON_ERROR_STOP on
SELECT format('CREATE DATABASE %I TEMPLATE %I CONNECTION LIMIT %s %s', current_setting('govclone.target'), current_setting('govclone.copy_from'),
              current_setting('govclone.fingerprint_next'),
              CASE current_setting('govclone.strategy') WHEN 'STRATEGY FILE_COPY' THEN 'STRATEGY FILE_COPY' ELSE '' END) \gexec
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
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.target'));
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.target'),
    format(rule_marker_building, current_setting('govclone.clone'), 'next') || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$mark$;
