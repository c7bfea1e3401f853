-- source_sessions.sql (maintenance database): how many other sessions the source govclone.source has (a
-- source-template clone needs none: CREATE DATABASE … TEMPLATE fails, or blocks them, while there are). An autovacuum
-- worker is not one: CREATE DATABASE and DROP DATABASE end it themselves (CountOtherDBBackends, which signals autovacuum
-- workers and waits for the others: src/backend/storage/ipc/procarray.c, PostgreSQL 15).
\set ON_ERROR_STOP on
SELECT count(*) FROM pg_stat_activity WHERE datname = current_setting('govclone.source') AND pid <> pg_backend_pid()
  AND backend_type IS DISTINCT FROM 'autovacuum worker';
