-- clone_rows.sql (the clone): its rows by the planner's count after ANALYZE (reltuples of every user table), the
-- rows of a clone that copied none itself (from the retained template or a source-template copy).
\set ON_ERROR_STOP on
SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%';
