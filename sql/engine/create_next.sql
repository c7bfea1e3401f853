-- create_next.sql (maintenance database, psql): creates govclone.target, the database a clone from the source is built
-- in (<clone>_next), as a fresh database like the source: from template0 (so public starts as in any fresh
-- database: owned by pg_database_owner, USAGE for PUBLIC, its standard comment; pg_dump then restores the source's
-- own owner, ACL and comment of it), with the source's encoding, collation, character classification and locale
-- provider; closed to PUBLIC and marked building (govclone:building family=<clone> role=next) at once, in this
-- session: what an interrupted run leaves is recognised as this family's leftover by that marker, never by its name
-- (and, should its client die between the CREATE and the marker, by the creation fingerprint the CREATE itself
-- carries: CONNECTION LIMIT govclone.fingerprint_next, from prefix_guard.sql).
-- After prefix_guard.sql, holder_check.sql, family_guard.sql and drop_leftovers.sql.
-- (CREATE DATABASE cannot run in a DO block: psql's \gexec runs the statement built here. Optional columns of
-- pg_database are read through to_jsonb, so one text serves PostgreSQL 15 to 17.)
\set ON_ERROR_STOP on
SELECT format('CREATE DATABASE %I TEMPLATE template0 CONNECTION LIMIT %s ENCODING %L LC_COLLATE %L LC_CTYPE %L%s', current_setting('govclone.target'),
              current_setting('govclone.fingerprint_next'),
              pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
              CASE j->>'datlocprovider'
                WHEN 'i' THEN format(' LOCALE_PROVIDER icu ICU_LOCALE %L', coalesce(j->>'datlocale', j->>'daticulocale'))
                              || coalesce(format(' ICU_RULES %L', j->>'daticurules'), '')
                WHEN 'b' THEN format(' LOCALE_PROVIDER builtin BUILTIN_LOCALE %L', j->>'datlocale')
                ELSE '' END)
FROM pg_database d CROSS JOIN LATERAL to_jsonb(d) AS j
WHERE d.datname = current_setting('govclone.source') \gexec
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
