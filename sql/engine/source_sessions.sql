-- source_sessions.sql (maintenance database): how many other sessions the source govclone.source has (a
-- source-template clone needs none: CREATE DATABASE … TEMPLATE fails, or blocks them, while there are).
\set ON_ERROR_STOP on
SELECT count(*) FROM pg_stat_activity WHERE datname = current_setting('govclone.source') AND pid <> pg_backend_pid();
