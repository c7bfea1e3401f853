-- stream_tables.sql (the source, in a REPEATABLE READ transaction at the exported snapshot; psql -tA, tab-separated):
-- a streams clone's job list, biggest first. One line per big table (at least govclone.stream_table_min_bytes):
-- its quoted name, bytes, the sort memory of its index builds in kB, its column list and its own post-data oids;
-- then '-' for the rest, whose oids are the post-data that touches no big table (keys and indexes of the plain
-- small tables, foreign keys between them): the lane that loads the rest builds them.
-- sort_kb: the least sort memory that still merges in one pass, at least 8 MB, at most
-- govclone.maintenance_work_mem, from the size of the biggest index among the job's (on the source). PostgreSQL
-- sorts runs that fill the memory and merges them through 272 kB per run (two 8 kB tape blocks and a 256 kB read
-- buffer): one pass needs runs <= memory / 272 kB. A sort's data is at most about twice its index (sort slots and
-- allocation overhead; a source index with free space in its pages overstates it), so runs <= 2 x index / memory,
-- and memory >= sqrt(2 x index x 272 kB) merges in one pass: 8 MB up to a 126 MB index, 62 MB for a 7.5 GB one.
-- (lane_sort_memory.sql is the same expression for one size; a test keeps the two lines equal.)
\set ON_ERROR_STOP on
WITH big AS (
  SELECT c.oid AS relid, '"' || replace(n.nspname, '"', '""') || '"."' || replace(c.relname, '"', '""') || '"' AS name,
         pg_total_relation_size(c.oid) AS bytes,
         (SELECT max(pg_relation_size(i.indexrelid)) FROM pg_index i WHERE i.indrelid = c.oid) AS index_bytes,
         (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
         -- The table's own post-data objects (their oids, as pg_restore -l lists them): primary key,
         -- unique and exclusion constraints, and indexes that back no constraint.
         coalesce((SELECT string_agg(o::text, ' ') FROM (
           SELECT k.oid AS o FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'x')
           UNION ALL
           SELECT i.indexrelid FROM pg_index i WHERE i.indrelid = c.oid
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = c.oid)) own), '') AS own_objects
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND c.relpersistence = 'p'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    AND (n.nspname || c.relname) !~ '[\t\n\r]'
    AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.attname ~ '[\t\n\r]')
    AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')
    AND pg_total_relation_size(c.oid) >= current_setting('govclone.stream_table_min_bytes')::bigint
),
-- Plain tables outside any inheritance or partition tree, so each key, index and foreign key of theirs
-- is its own pg_restore item (a partition's are attached to its parent's, which stay for the last step).
small AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = c.oid OR h.inhparent = c.oid)
    AND c.oid NOT IN (SELECT relid FROM big)
),
early AS (
  SELECT k.oid AS o FROM pg_constraint k JOIN small t ON t.oid = k.conrelid WHERE k.contype IN ('p', 'u', 'x')
  UNION ALL
  SELECT i.indexrelid FROM pg_index i JOIN small t ON t.oid = i.indrelid
    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
  UNION ALL
  SELECT k.oid FROM pg_constraint k
    WHERE k.contype = 'f' AND k.conparentid = 0 AND k.conrelid IN (SELECT oid FROM small) AND k.confrelid IN (SELECT oid FROM small)
),
jobs AS (
  SELECT name, bytes, index_bytes, columns, own_objects FROM big
  UNION ALL
  -- (columns '-', not empty: read collapses a run of tabs, so an empty field would shift the next one into it)
  SELECT '-', greatest(pg_database_size(current_database()) - coalesce((SELECT sum(bytes) FROM big), 0), 0)::bigint,
         (SELECT max(pg_relation_size(i.indexrelid)) FROM pg_index i JOIN small t ON t.oid = i.indrelid), '-',
         coalesce((SELECT string_agg(o::text, ' ') FROM early), '')
)
SELECT j.name, j.bytes, m.sort_kb, j.columns, j.own_objects
FROM jobs j CROSS JOIN LATERAL (SELECT
       least(pg_size_bytes(current_setting('govclone.maintenance_work_mem')) / 1024, greatest(8192, ceil(sqrt(2 * coalesce(j.index_bytes, 0)::float8 * 278528) / 1024)))::bigint AS sort_kb
     ) m
ORDER BY 2 DESC, 1;
