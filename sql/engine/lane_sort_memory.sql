-- lane_sort_memory.sql (any database): the sort memory in kB of a lane's index builds for one index size in bytes
-- (govclone.index_bytes; '' for a table without indexes), within govclone.maintenance_work_mem: the expression of
-- stream_tables.sql (which says why), for the tests and the benchmark.
\set ON_ERROR_STOP on
SELECT
       least(pg_size_bytes(current_setting('govclone.maintenance_work_mem')) / 1024, greatest(8192, ceil(sqrt(2 * coalesce(j.index_bytes, 0)::float8 * 278528) / 1024)))::bigint AS sort_kb
FROM (SELECT nullif(current_setting('govclone.index_bytes'), '')::bigint) AS j(index_bytes);
