-- analyze_rest.sql (the clone, psql, in the lane that loaded the small tables): ANALYZE of every user table not
-- streamed on its own (psql variable big: the streamed tables' quoted names, one a line), then the count of what
-- only the last step analyzes (materialized views, partitioned tables), so that step is skipped when there are none.
SELECT 'ANALYZE ' || string_agg(c.oid::regclass::text, ', ')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.oid <> ALL (coalesce(string_to_array(rtrim(:'big', E'\n'), E'\n')::regclass[], '{}'))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
HAVING count(*) > 0 \gexec
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('m', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%';
