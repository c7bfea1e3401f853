-- target_size.sql (maintenance database): the size in bytes of govclone.target.
SELECT pg_database_size(current_setting('govclone.target'));
