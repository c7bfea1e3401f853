-- analyze_late.sql (the clone, after clone_guard.sql): ANALYZE of what no lane analyzed: partitioned tables and
-- populated materialized views (psql: nothing runs when there are none).
SELECT 'ANALYZE ' || string_agg(c.oid::regclass::text, ', ')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind = 'p' OR (c.relkind = 'm' AND c.relispopulated))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
HAVING count(*) > 0 \gexec
