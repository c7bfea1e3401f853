-- sequence_values.sql (the source, at the snapshot's session): one statement that sets every used sequence of the
-- clone to the source's value (sequences are not transactional: read after the snapshot was taken, no value is
-- below what the copied rows used, as in pg_dump). One round trip however many; no row when none is used.
\set ON_ERROR_STOP on
SELECT format('SELECT count(pg_catalog.setval(s::regclass, v, true)) FROM (VALUES %s) AS t(s, v);',
              string_agg(format('(%L, %s::bigint)', format('%I.%I', schemaname, sequencename), last_value), ', '))
FROM pg_sequences WHERE last_value IS NOT NULL AND schemaname NOT IN ('pg_catalog', 'information_schema')
HAVING count(*) > 0;
