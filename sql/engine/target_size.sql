-- target_size.sql (maintenance database): the size in bytes of govclone.target.
\set ON_ERROR_STOP on
SELECT pg_database_size(current_setting('govclone.target'));
