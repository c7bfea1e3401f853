-- production_parts.sql: what govclone compares of the source (production) before and after a run to name what
-- OTHER sessions changed meanwhile (it only reads: run it in a read-only transaction). One row per part:
--   kind 'table':     a governance table's full contents (md5), as sql/fingerprint.sql digests them
--   kind 'relation':  a relation's definition: kind, columns, constraints, indexes (md5 of their catalog rows; raw
--                     catalog columns only: pg_get_expr(…, relid), pg_get_indexdef and pg_get_constraintdef lock the
--                     table, and would wait behind a migration's ACCESS EXCLUSIVE lock)
--   kind 'functions': every function of the non-system schemas (md5)
--   kind 'writes':    a table's rows inserted/updated/deleted so far, from PostgreSQL's cumulative statistics
--                     ("ins upd del"); a session reports them about once a second while busy, so the last
--                     moment's writes may be missing
\set ON_ERROR_STOP on
SELECT 'table' AS kind, current_schema() || '.' || t.name, t.digest FROM (
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
UNION ALL
SELECT 'relation', format('%s.%s', n.nspname, c.relname), md5(concat_ws(E'\n', c.relkind::text,
         (SELECT string_agg(format('col %s %s %s %s', a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, coalesce(md5(d.adbin::text), '')),
                            E'\n' ORDER BY a.attname)
          FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
         (SELECT string_agg(format('con %s %s %s %s %s %s', co.conname, co.contype, co.conkey, co.confrelid, co.confkey, coalesce(md5(co.conbin::text), '')), E'\n' ORDER BY co.conname)
          FROM pg_constraint co WHERE co.conrelid = c.oid),
         (SELECT string_agg(format('idx %s %s %s %s %s %s', ic.relname, i.indisunique, i.indkey, i.indclass, coalesce(md5(i.indexprs::text), ''), coalesce(md5(i.indpred::text), '')),
                            E'\n' ORDER BY ic.relname)
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid)))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
UNION ALL
SELECT 'functions', 'functions', coalesce(md5(string_agg(format('fn %s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc)), E'\n' ORDER BY 1)), '-')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
UNION ALL
SELECT 'writes', format('%s.%s', s.schemaname, s.relname), format('%s %s %s', s.n_tup_ins, s.n_tup_upd, s.n_tup_del)
FROM pg_stat_user_tables s;
