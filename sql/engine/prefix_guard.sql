-- prefix_guard.sql (maintenance database): the names of the clone's family, checked and completed. Refuses, SQLSTATE
-- GC001, unless govclone.clone is a plain directus_gov_test_* name (a-z, 0-9, _ after the prefix, within 56 bytes:
-- room for its companions) that does not end in a reserved suffix (_template, _next, _old, _spare, _bspare: a clone named
-- x_spare would be clone x's spare). Then it sets the family's names this session's files read, from the one
-- definition of the suffixes (its rules block): govclone.next, govclone.old, govclone.spare, govclone.bspare (<clone>_next, _old,
-- _spare, _bspare) and govclone.template (default <clone>_template; a given one must not be the clone nor end in a companion
-- suffix), and govclone.target (the build: always govclone.next). Every other name it may be given must be one of
-- those: govclone.database (to release or drop) and govclone.settings_to. In front of every statement that marks,
-- creates, renames or drops a database (the clone engine, `drop`, the template's release, the spare's swap, the
-- decision record's by-hand lines); family_guard.sql then checks their markers. It also sets the creation fingerprint
-- of each name govclone creates (govclone.fingerprint_next, _template, _spare, _bspare, and _branch for govclone.branch): the
-- CONNECTION LIMIT its CREATE DATABASE carries (FamilyRules.FingerprintBase), so an interrupted run's database is known
-- as this family's even before its marker. The SQL-side twin of
-- DatabaseNameGuard.RequireClone. Parameters are settings, so this runs the same with psql and with Npgsql:
--   psql -X -d postgres -c "SET govclone.clone = 'directus_gov_test_20260602'" -f sql/engine/prefix_guard.sql
\set ON_ERROR_STOP on
DO $guard$
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
  clone text := coalesce(current_setting('govclone.clone', true), '');
  template text := coalesce(current_setting('govclone.template', true), '');
  setting text;
  given text;
  want text;
  name text;
  i int;
BEGIN
  IF clone = '' THEN
    RAISE EXCEPTION 'govclone guard: govclone.clone is not set: refusing to change any database' USING ERRCODE = 'GC001';
  END IF;
  IF template = '' THEN
    template := clone || rule_suffixes[1];
  END IF;
  -- Every name this session may create, mark, rename or drop: the prefix, plain lower-case ASCII, PostgreSQL's 63 bytes.
  FOREACH setting IN ARRAY ARRAY['govclone.clone', 'govclone.target', 'govclone.template', 'govclone.next', 'govclone.old',
                                 'govclone.spare', 'govclone.bspare', 'govclone.database', 'govclone.settings_to'] LOOP
    name := CASE setting WHEN 'govclone.template' THEN template ELSE coalesce(current_setting(setting, true), '') END;
    IF name <> '' AND (left(name, length(rule_prefix)) <> rule_prefix OR name !~ '^[a-z0-9_]+$' OR name = rule_prefix) THEN
      RAISE EXCEPTION 'govclone guard: refusing to change database %: no % prefix (%)', name, rule_prefix, setting
        USING ERRCODE = 'GC001', HINT = 'Every database govclone creates, marks or drops is named ' || rule_prefix || '*.';
    END IF;
    IF octet_length(name) > (CASE setting WHEN 'govclone.clone' THEN rule_clone_max_bytes ELSE rule_max_bytes END) THEN
      RAISE EXCEPTION 'govclone guard: refusing database %: longer than % bytes (%)', name,
        CASE setting WHEN 'govclone.clone' THEN rule_clone_max_bytes ELSE rule_max_bytes END, setting
        USING ERRCODE = 'GC001', HINT = 'A clone''s name leaves room for its longest companion (<clone>_bspare) within PostgreSQL''s 63 bytes.';
    END IF;
  END LOOP;
  -- The family's own suffixes: no clone ends in one (it would be another clone's companion), no template in a companion's.
  FOR i IN 1 .. array_length(rule_suffixes, 1) LOOP
    IF right(clone, length(rule_suffixes[i])) = rule_suffixes[i] THEN
      RAISE EXCEPTION 'govclone guard: refusing clone %: it ends in %, the suffix of a clone''s % (govclone.clone)', clone, rule_suffixes[i], rule_roles[i]
        USING ERRCODE = 'GC001', HINT = 'Name the clone so that it does not end in ' || array_to_string(rule_suffixes, ', ') || '.';
    END IF;
    IF i > 1 AND right(template, length(rule_suffixes[i])) = rule_suffixes[i] THEN
      RAISE EXCEPTION 'govclone guard: refusing template %: it ends in %, the suffix of a clone''s % (govclone.template)', template, rule_suffixes[i], rule_roles[i]
        USING ERRCODE = 'GC001', HINT = 'Name the retained template <clone>_template or any name that is not another role''s.';
    END IF;
  END LOOP;
  IF template = clone THEN
    RAISE EXCEPTION 'govclone guard: refusing template %: it is the clone itself (govclone.template)', template USING ERRCODE = 'GC001';
  END IF;
  -- The companions' names come from here; a name given for one of them must be the same.
  FOR i IN 2 .. array_length(rule_suffixes, 1) LOOP
    setting := 'govclone.' || rule_roles[i];
    want := clone || rule_suffixes[i];
    given := coalesce(current_setting(setting, true), '');
    IF given NOT IN ('', want) THEN
      RAISE EXCEPTION 'govclone guard: refusing %: the % of % is %', given, rule_roles[i], clone, want USING ERRCODE = 'GC001';
    END IF;
    PERFORM set_config(setting, want, false);
  END LOOP;
  IF coalesce(current_setting('govclone.target', true), '') NOT IN ('', current_setting('govclone.next')) THEN
    RAISE EXCEPTION 'govclone guard: refusing build %: a clone is built in %', current_setting('govclone.target'), current_setting('govclone.next')
      USING ERRCODE = 'GC001';
  END IF;
  PERFORM set_config('govclone.target', current_setting('govclone.next'), false);
  PERFORM set_config('govclone.template', template, false);
  -- The creation fingerprint of each name govclone creates (the one place it is computed).
  FOREACH setting IN ARRAY ARRAY['template', 'next', 'spare', 'bspare', 'branch'] LOOP
    name := coalesce(current_setting('govclone.' || setting, true), '');
    PERFORM set_config('govclone.fingerprint_' || setting, CASE WHEN name = '' THEN '' ELSE
      (rule_fingerprint_base + ((hashtext(clone || ':' || name)::bigint % rule_fingerprint_span) + rule_fingerprint_span) % rule_fingerprint_span)::text END, false);
  END LOOP;
  -- What a file may release, drop or give settings to: a database of this family (or the branch the session names,
  -- which branch_guard.sql checks), nothing else.
  FOREACH setting IN ARRAY ARRAY['govclone.database', 'govclone.settings_to'] LOOP
    name := coalesce(current_setting(setting, true), '');
    IF name <> '' AND name NOT IN (clone, template, current_setting('govclone.next'), current_setting('govclone.old'), current_setting('govclone.spare'), current_setting('govclone.bspare'),
                                   coalesce(nullif(current_setting('govclone.branch', true), ''), clone)) THEN
      RAISE EXCEPTION 'govclone guard: refusing database %: not a database of the family of % (%)', name, clone, setting USING ERRCODE = 'GC001';
    END IF;
  END LOOP;
END
$guard$;
