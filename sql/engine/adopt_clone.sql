-- adopt_clone.sql (maintenance database; after prefix_guard.sql): an empty database at the clone's name that carries
-- no comment at all (what a provider's CREATE DATABASE makes before the first clone fills it) becomes this family's:
-- marked 'govclone:building family=<clone> role=clone', so the clone that follows may retire it, and a drop may drop
-- it. govclone runs it only after it proved, connected to it, that the database holds no object of its own; any
-- other unmarked database is never adopted (family_guard.sql names it in a refusal).
\set ON_ERROR_STOP on
DO $adopt$
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
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.clone') AND datconnlimit <> -2
             AND shobj_description(oid, 'pg_database') IS NULL) THEN
    EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.clone'),
      format(rule_marker_building, current_setting('govclone.clone'), 'clone') || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
  END IF;
END
$adopt$;
