-- release_family.sql (maintenance database; psql or Npgsql): releases every database of the clone's family that
-- exists (the clone govclone.clone, its retained template govclone.template, govclone.next, .old, .spare, .bspare): marks each
-- 'govclone:dropping family=<clone> role=<its role>' and clears IS_TEMPLATE, so should a DROP that follows be cut
-- short, nothing left is taken for a complete clone, a current template or a ready spare, and what is left is still
-- recognised as this family's (the next drop finishes it). After prefix_guard.sql and family_guard.sql (which refuses
-- while any of those names is another family's or unmarked); then drop_family.sql (psql) or one DROP DATABASE IF
-- EXISTS … WITH (FORCE) each. `govclone drop`, the record's by-hand drop.
\set ON_ERROR_STOP on
DO $release$
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
  role text;
  name text;
BEGIN
  FOREACH role IN ARRAY ARRAY['clone', 'template', 'next', 'old', 'spare', 'bspare'] LOOP
    name := current_setting('govclone.' || role);
    -- An invalid database (datconnlimit -2: an interrupted DROP) refuses ALTER with FATAL; DROP alone removes it.
    IF EXISTS (SELECT 1 FROM pg_database WHERE datname = name AND datconnlimit <> -2) THEN
      EXECUTE format('COMMENT ON DATABASE %I IS %L', name, format(rule_marker_dropping, current_setting('govclone.clone'), role) || ' at=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
      EXECUTE format('ALTER DATABASE %I IS_TEMPLATE false', name);
    END IF;
  END LOOP;
END
$release$;
