-- branch_guard.sql (maintenance database): refuses, SQLSTATE GC001, unless govclone.branch is a branch of the clone
-- govclone.clone: '<clone>_<NAME>' with NAME 1 to 20 of a-z, 0-9 and _, not a reserved suffix of the clone family
-- (template, next, old, spare) nor ending in one, not govclone.template, directus_gov_test_ and plain lower-case ASCII,
-- at most 63 bytes; and unless the database, when it exists, carries a branch marker of this clone's family
-- (govclone:branch, govclone:branch-incomplete, or a released branch's govclone:dropping … role=branch, naming
-- family=<clone>): a database another family or role marked, or one
-- nobody marked, is never created over, marked or dropped (the one exception: a database a create of this branch made,
-- whose CREATE carried this family's creation fingerprint, CONNECTION LIMIT govclone.fingerprint_branch from
-- prefix_guard.sql, which runs first, before branch_begin.sql marked it). The SQL half of BranchName.Of
-- (C#), in front of every create, mark, touch and drop of a branch: a branch lever can never create, mark or drop the
-- clone, its template, a companion, another clone's database, an unmarked database or production.
--   psql -X -d postgres -c "SET govclone.clone = 'directus_gov_test_20260602'" \
--        -c "SET govclone.branch = 'directus_gov_test_20260602_pr123'" -c "SET govclone.template = 'directus_gov_test_20260602_template'" \
--        -f sql/branch/branch_guard.sql
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
  branch text := coalesce(current_setting('govclone.branch', true), '');
  template text := coalesce(current_setting('govclone.template', true), '');
  fingerprint text := coalesce(current_setting('govclone.fingerprint_branch', true), '');
  connlimit text;
  name text;
  marker text;
  family text;
  i int;
BEGIN
  IF clone = '' OR branch = '' THEN
    RAISE EXCEPTION 'govclone guard: govclone.clone and govclone.branch must be set: refusing to change any database' USING ERRCODE = 'GC001';
  END IF;
  IF left(clone, length(rule_prefix)) <> rule_prefix OR clone ~ '[^a-z0-9_]' OR clone = rule_prefix THEN
    RAISE EXCEPTION 'govclone guard: refusing: the clone % is not a plain % name', to_json(clone), rule_prefix USING ERRCODE = 'GC001';
  END IF;
  IF left(branch, length(clone) + 1) <> clone || '_' THEN
    RAISE EXCEPTION 'govclone guard: refusing to change database %: not a branch of % (<clone>_<NAME>)', to_json(branch), clone USING ERRCODE = 'GC001';
  END IF;
  name := substr(branch, length(clone) + 2);
  IF name !~ ('^[a-z0-9_]{1,' || rule_branch_max || '}$') OR branch ~ '[^a-z0-9_]' OR octet_length(branch) > rule_max_bytes THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: a branch''s NAME is 1 to % of a-z, 0-9 and _, and its name at most % bytes', to_json(branch), rule_branch_max, rule_max_bytes
      USING ERRCODE = 'GC001';
  END IF;
  FOR i IN 1 .. array_length(rule_roles, 1) LOOP
    IF name = rule_roles[i] OR right(name, length(rule_suffixes[i])) = rule_suffixes[i] THEN
      RAISE EXCEPTION 'govclone guard: refusing database %: % is a name the clone family uses (<clone>%)', branch, name, array_to_string(rule_suffixes, ', _')
        USING ERRCODE = 'GC001';
    END IF;
  END LOOP;
  IF branch = template THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: it is the retained template', branch USING ERRCODE = 'GC001';
  END IF;
  SELECT coalesce(shobj_description(d.oid, 'pg_database'), ''), d.datconnlimit::text INTO marker, connlimit FROM pg_database d WHERE d.datname = branch;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF left(marker, length(split_part(rule_marker_branch, ' ', 1)) + 1) <> split_part(rule_marker_branch, ' ', 1) || ' '
     AND left(marker, length(split_part(rule_marker_branch_incomplete, ' ', 1)) + 1) <> split_part(rule_marker_branch_incomplete, ' ', 1) || ' '
     AND NOT (left(marker, length(split_part(rule_marker_dropping, ' ', 1)) + 1) = split_part(rule_marker_dropping, ' ', 1) || ' '
              AND substring(marker FROM ' role=([^ ]+)') = 'branch') THEN
    IF marker = '' AND fingerprint <> '' AND connlimit = fingerprint THEN
      RETURN; -- made by a create of this branch (its CREATE carried this family's fingerprint), not marked yet
    END IF;
    IF marker = '' THEN
      RAISE EXCEPTION 'govclone guard: refusing database %: it carries no govclone marker, so nothing says it is a branch of % (a create cut short between its CREATE and its first mark, or someone else''s database); nothing was changed', branch, clone
        USING ERRCODE = 'GC001', HINT = 'govclone never drops a database it did not mark: if it is yours to remove, remove it yourself; otherwise give the branch another NAME.';
    END IF;
    RAISE EXCEPTION 'govclone guard: refusing database %: it carries another govclone marker (%), not a branch''s', branch, left(marker, 60)
      USING ERRCODE = 'GC001', HINT = 'It belongs to another family or role: give the branch another NAME.';
  END IF;
  family := coalesce(substring(marker FROM ' family=([^ ]+)'), substring(marker FROM ' parent=([^ ]+)'));
  IF family IS DISTINCT FROM clone THEN
    RAISE EXCEPTION 'govclone guard: refusing database %: it is a branch of another clone (%)', branch, left(marker, 80)
      USING ERRCODE = 'GC001', HINT = 'Give the branch another NAME.';
  END IF;
END
$guard$;
