-- fingerprint.sql: one row (governance, catalog) of md5 digests, read-only. Equal before and after an
-- operation proves the database unchanged: governance = full contents of every governance table;
-- catalog = tables, columns, constraints, indexes, views, sequences and functions of non-system schemas
-- (no OIDs, nothing a VACUUM or ANALYZE changes).
\set ON_ERROR_STOP on
WITH gov AS (
  SELECT md5(string_agg(t.name || ':' || t.digest, E'\n' ORDER BY t.name)) AS digest FROM (
    SELECT 'governance_object_ownership' AS name, coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') AS digest FROM governance_object_ownership x
    UNION ALL SELECT 'governance_ruleset', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM governance_ruleset x
    UNION ALL SELECT 'candidate_scan_run', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM candidate_scan_run x
    UNION ALL SELECT 'governance_candidate_state', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM governance_candidate_state x
    UNION ALL SELECT 'governance_candidate_object', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM governance_candidate_object x
    UNION ALL SELECT 'gov_worker_cursor', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM gov_worker_cursor x
    UNION ALL SELECT 'gov_emit_event', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM gov_emit_event x
    UNION ALL SELECT 'gov_worker_lease', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM gov_worker_lease x
    UNION ALL SELECT 'dot_tools', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM dot_tools x
    UNION ALL SELECT 'directus_collections', coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM directus_collections x
  ) t
), cat AS (
  -- Raw catalog columns only: pg_get_expr(…, relid), pg_get_indexdef and pg_get_constraintdef take a lock on the table,
  -- and so would wait behind a production migration's ACCESS EXCLUSIVE lock; these reads take none.
  SELECT md5(string_agg(line, E'\n' ORDER BY line)) AS digest FROM (
    SELECT format('rel %s.%s %s', n.nspname, c.relname, c.relkind) AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    UNION ALL
    SELECT format('col %s.%s.%s %s %s %s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  coalesce(md5(d.adbin::text), ''))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    UNION ALL
    SELECT format('con %s.%s %s %s %s %s %s %s', n.nspname, c.relname, co.conname, co.contype, co.conkey, co.confrelid::regclass, co.confkey,
                  coalesce(md5(co.conbin::text), ''))
    FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    UNION ALL
    SELECT format('idx %s.%s %s %s %s %s %s %s', n.nspname, ic.relname, c.relname, i.indisunique, i.indkey, i.indclass,
                  coalesce(md5(i.indexprs::text), ''), coalesce(md5(i.indpred::text), ''))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    UNION ALL
    SELECT format('fn %s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  ) lines
)
SELECT gov.digest AS governance, cat.digest AS catalog FROM gov, cat;
