-- mask_check.sql (the source, read-only; after mask_rules.sql, one query; psql -tA -F tab, or Npgsql): every
-- masking rule in force that cannot run, one row each: the rule, the problem, the fix. No row: every rule can run.
-- govclone checks this before anything runs (GovClone.Masking.MaskingValidator, exit 2); the engine again (a refusal).
-- The tail of mask_rules.sql's query: cat mask_rules.sql mask_check.sql | psql.
\set ON_ERROR_STOP on
SELECT rule, problem, fix FROM (
  SELECT ord, rule,
         CASE
           WHEN relid IS NULL AND NOT optional THEN format('the source has no table %s.%s', nsp, rel)
           WHEN relid IS NOT NULL AND attnum IS NULL AND NOT optional THEN format('the source''s table %s.%s has no column %s', nsp, rel, col)
           WHEN attnum IS NULL THEN NULL
           WHEN generated THEN format('%s is a generated column (computed from the others)', col)
           WHEN strategy = 'null' AND attnotnull THEN format('%s is NOT NULL: null would break the constraint', col)
           WHEN strategy IN ('constant', 'redact') AND in_unique THEN format('%s is in a UNIQUE index or key: %s would make its values collide', col, strategy)
           WHEN strategy IN ('hash', 'email', 'redact') AND NOT (string_like OR (strategy = 'hash' AND is_uuid))
             THEN format('%s is %s: %s masks text columns%s', col, type_name, strategy, CASE WHEN strategy = 'hash' THEN ' and uuid' ELSE '' END)
           WHEN strategy = 'hash' AND NOT is_uuid AND max_length < 16 THEN format('%s is %s: too short for a hash that keeps its values apart (at least 16 characters)', col, type_name)
           WHEN strategy = 'email' AND max_length < 41 THEN format('%s is %s: too short for a masked address (41 characters: 24 hex digits @example.invalid)', col, type_name)
           WHEN foreign_keys IS NOT NULL AND strategy <> 'hash' THEN format('%s is in a foreign key (%s): only hash keeps it', col, foreign_keys)
           WHEN foreign_keys IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(counterparts) AS o(other)
                  WHERE NOT EXISTS (SELECT 1 FROM mask_rules m WHERE m.nsp || '.' || m.rel || '.' || m.col = o.other AND m.strategy = 'hash'))
             THEN format('%s is in a foreign key (%s) whose other side (%s) is not hashed too', col, foreign_keys, array_to_string(counterparts, ', '))
         END AS problem,
         CASE
           WHEN relid IS NULL OR attnum IS NULL THEN 'fix the rule''s table.column, or remove it'
           WHEN strategy = 'null' AND attnotnull THEN 'use hash, redact or constant:VALUE for it'
           WHEN strategy IN ('constant', 'redact') AND in_unique THEN 'use hash (or email for an address), which keeps values apart'
           WHEN strategy IN ('hash', 'email', 'redact') AND NOT (string_like OR (strategy = 'hash' AND is_uuid)) THEN 'use null or constant:VALUE for it, or remove the rule'
           WHEN foreign_keys IS NOT NULL THEN 'hash every column of the foreign key, on both sides'
           ELSE 'use another strategy (docs/masking.md), or remove the rule'
         END AS fix
  FROM mask_rules
) checked
WHERE problem IS NOT NULL
ORDER BY ord;
