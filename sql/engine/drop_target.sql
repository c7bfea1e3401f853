-- drop_target.sql (maintenance database, psql): drops govclone.target with its sessions. After prefix_guard.sql and
-- holder_check.sql. (DROP DATABASE cannot run in a DO block: psql's \gexec runs the statement built here.)
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', current_setting('govclone.target')) \gexec
