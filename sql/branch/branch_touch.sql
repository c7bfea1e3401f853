-- branch_touch.sql (maintenance database; after branch_guard.sql, under the branch's lock): a govclone lever used the
-- branch govclone.branch: its complete marker's used= becomes now (branch list's "last use"). An incomplete or
-- unmarked branch is left as it is.
\set ON_ERROR_STOP on
DO $touch$
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
BEGIN
  SELECT coalesce(shobj_description(oid, 'pg_database'), '') INTO marker FROM pg_database
   WHERE datname = current_setting('govclone.branch') AND datconnlimit <> -2;
  IF left(marker, length(split_part(rule_marker_branch, ' ', 1)) + 1) = split_part(rule_marker_branch, ' ', 1) || ' ' THEN
    EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.branch'),
      regexp_replace(marker, ' used=[^ ]+', ' used=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
  END IF;
END
$touch$;
