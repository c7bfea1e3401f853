-- clone_size.sql (maintenance database): the size in bytes of the clone (govclone.clone).
\set ON_ERROR_STOP on
SELECT coalesce(pg_database_size(current_setting('govclone.clone')), 0);
