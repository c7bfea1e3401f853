-- drop_database.sql (maintenance database, psql): drops govclone.database with its sessions, after prefix_guard.sql,
-- holder_check.sql and release_database.sql. (DROP DATABASE cannot run in a DO block: psql's \gexec runs it.)
\set ON_ERROR_STOP on
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', current_setting('govclone.database'))
WHERE EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.database')) \gexec
