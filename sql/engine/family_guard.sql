-- family_guard.sql (maintenance database; after prefix_guard.sql, which sets the family's names): a family is a fact on
-- the server, not a name pattern. For each name of the clone's family that exists (govclone.clone, .template, .next,
-- .old, .spare, .bspare: the ready branch spare) it reads the marker, written when govclone made that database, and decides:
--   ours      the marker names this family (govclone.clone) and this role: the clone (complete; or building: an empty
--             database adopted as it; or dropping), the template, the spare, the branch spare;
--   leftover  ours, and left by an interrupted run: a next (building or dropping), an old, a building or dropping
--             template or spare; the lever holding the lock drops it;
--   foreign   another family's or another role's marker (a branch, another clone's template, this clone's spare where
--             the template should be): never dropped, renamed, swapped, copied over or re-cloned;
--   unmarked  no govclone marker at all: nothing says it is this family's, so it is never dropped, only named (a
--             database this family created whose client died before its marker carries the creation fingerprint,
--             CONNECTION LIMIT govclone.fingerprint_<role>, and is a leftover being built).
-- Markers written before families are read as their family: a template's or spare's clone=, a branch's parent=, and a
-- complete marker without family= names the database it is on.
-- Sets, for this session: govclone.leftovers (comma-separated names), govclone.family_census (one line per existing
-- name: role|name|verdict|kind|bytes|family; bytes only with govclone.family_mode census), and when any name is
-- foreign or unmarked govclone.family_problem, govclone.family_fix and govclone.family_setting (which setting names
-- the database: govclone:templateDatabase for the template, else govclone:cloneDatabase), and govclone.family_adoptable:
-- the clone's name when it alone is in the way, connectable and without any comment (adopt_clone.sql may adopt it once
-- database_objects.sql, run in it, finds nothing of its own). Then, unless
-- govclone.family_mode is census, it raises SQLSTATE GC005 with that problem (HINT: the fix), so nothing behind it
-- runs. In front of every drop, release, rename, swap and copy of a family's database; govclone and the engine also
-- run it as a census before they change anything, and refuse (exit 2) naming the database and the fix.
\set ON_ERROR_STOP on
DO $family$
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
  census boolean := coalesce(current_setting('govclone.family_mode', true), '') = 'census';
  roles text[] := ARRAY['clone', 'template', 'next', 'old', 'spare', 'bspare'];
  role text;
  name text;
  marker text;
  kind text;
  family text;
  has text;
  verdict text;
  bytes text;
  lines text[] := ARRAY[]::text[];
  leftovers text[] := ARRAY[]::text[];
  problem text := '';
  fix text := '';
  setting text := '';
  problems int := 0;
  adoptable text := '';
  allowed boolean;
  fingerprinted boolean;
  known text[] := ARRAY(SELECT split_part(split_part(t, ' ', 1), ':', 2)
                        FROM unnest(ARRAY[rule_marker_complete, rule_marker_template, rule_marker_spare, rule_marker_building, rule_marker_old,
                                          rule_marker_dropping, rule_marker_branch, rule_marker_branch_incomplete, rule_marker_branch_spare]) t);
BEGIN
  FOREACH role IN ARRAY roles LOOP
    name := current_setting('govclone.' || role);
    SELECT coalesce(shobj_description(d.oid, 'pg_database'), ''),
           CASE WHEN census AND d.datconnlimit <> -2 THEN pg_database_size(d.oid)::text ELSE '' END,
           d.datallowconn AND d.datconnlimit <> -2 AND NOT d.datistemplate,
           d.datconnlimit::text = coalesce(current_setting('govclone.fingerprint_' || role, true), '-')
      INTO marker, bytes, allowed, fingerprinted
      FROM pg_database d WHERE d.datname = name;
    IF NOT FOUND THEN
      CONTINUE;
    END IF;
    kind := substring(marker FROM '^' || split_part(rule_marker_complete, ':', 1) || ':([a-z-]+)(?: |$)');
    IF kind IS NOT NULL AND NOT kind = ANY (known) THEN
      kind := '?'; -- a govclone marker of no kind this version knows: not this family's
    END IF;
    IF marker = '' AND fingerprinted AND role IN ('template', 'next', 'spare', 'bspare') THEN
      -- Created by this family's run (its CREATE carried this family's fingerprint for this name), whose client died
      -- before the marker that follows it in the same session: this family's leftover, being built.
      kind := split_part(split_part(rule_marker_building, ' ', 1), ':', 2);
      marker := format(rule_marker_building, clone, role) || ' (its creation fingerprint; no marker yet)';
    END IF;
    family := substring(marker FROM ' family=([^ ]+)');
    IF family IS NULL THEN
      family := CASE kind WHEN 'template' THEN substring(marker FROM ' clone=([^ ]+)')
                          WHEN 'spare' THEN substring(marker FROM ' clone=([^ ]+)')
                          WHEN 'branch' THEN substring(marker FROM ' parent=([^ ]+)')
                          WHEN 'branch-incomplete' THEN substring(marker FROM ' parent=([^ ]+)')
                          WHEN 'complete' THEN name END;
    END IF;
    has := CASE kind WHEN 'complete' THEN 'clone' WHEN 'template' THEN 'template' WHEN 'spare' THEN 'spare' WHEN 'old' THEN 'old'
                     WHEN 'branch' THEN 'branch' WHEN 'branch-incomplete' THEN 'branch' WHEN 'branch-spare' THEN 'bspare'
                     WHEN 'building' THEN substring(marker FROM ' role=([^ ]+)') WHEN 'dropping' THEN substring(marker FROM ' role=([^ ]+)') END;
    verdict := CASE
      WHEN kind IS NULL THEN 'unmarked'
      WHEN family IS DISTINCT FROM clone OR has IS DISTINCT FROM role THEN 'foreign'
      WHEN role = 'clone' THEN 'ours'
      WHEN role IN ('next', 'old') THEN 'leftover'
      WHEN kind IN ('building', 'dropping') THEN 'leftover'
      ELSE 'ours' END;
    lines := lines || format('%s|%s|%s|%s|%s|%s', role, name, verdict, coalesce(kind, ''), bytes, replace(coalesce(family, ''), E'\n', ' '));
    IF verdict IN ('foreign', 'unmarked') THEN
      problems := problems + 1;
      IF role = 'clone' AND verdict = 'unmarked' AND marker = '' AND allowed THEN
        adoptable := name;
      END IF;
    END IF;
    IF verdict = 'leftover' THEN
      leftovers := leftovers || name;
    ELSIF verdict IN ('foreign', 'unmarked') AND problem = '' THEN
      setting := CASE WHEN role = 'template' AND name <> clone || rule_suffixes[1] THEN 'govclone:templateDatabase' ELSE 'govclone:cloneDatabase' END;
      IF verdict = 'foreign' THEN
        problem := format('%s, which would be the %s of %s, belongs to %s (%s: "%s"); nothing was changed',
          name, role, clone,
          CASE WHEN has = 'branch' THEN format('%s as its branch %s', coalesce(family, 'another clone'), coalesce(substring(name FROM length(coalesce(family, '')) + 2), '?'))
               WHEN family IS NULL OR family = clone THEN format('%s as its %s, not its %s', clone, coalesce(has, 'unknown role'), role)
               ELSE format('the family of %s as its %s', family, coalesce(has, 'unknown role')) END,
          'its marker', left(marker, 120));
        fix := format('govclone never changes a database of another family or another role: set %s to a name whose family is free%s',
          setting, CASE WHEN has = 'branch' AND family IS NOT NULL THEN format(' (to work on that branch: govclone verify|seed|reset --branch %s -c cloneDatabase=%s)',
                                                                        substring(name FROM length(family) + 2), family) ELSE '' END);
      ELSE
        problem := format('%s, which would be the %s of %s, carries no govclone marker (%s), so nothing says it is this family''s; nothing was changed',
          name, role, clone, CASE WHEN marker = '' THEN 'no comment' ELSE format('comment "%s"', left(marker, 60)) END);
        fix := format('govclone never drops a database it did not mark: if %s is yours to remove, remove it yourself; otherwise set %s to a name whose family is free', name, setting);
      END IF;
    END IF;
  END LOOP;
  PERFORM set_config('govclone.leftovers', array_to_string(leftovers, ','), false);
  PERFORM set_config('govclone.family_census', array_to_string(lines, E'\n'), false);
  PERFORM set_config('govclone.family_problem', problem, false);
  PERFORM set_config('govclone.family_fix', fix, false);
  PERFORM set_config('govclone.family_setting', setting, false);
  -- The clone's own name unmarked, nothing else in the way: adopt_clone.sql may adopt it, once it is proven empty.
  PERFORM set_config('govclone.family_adoptable', CASE WHEN problems = 1 THEN adoptable ELSE '' END, false);
  IF problem <> '' AND NOT census THEN
    RAISE EXCEPTION 'govclone family guard: %', problem USING ERRCODE = 'GC005', HINT = fix;
  END IF;
END
$family$;
