-- create_target.sql (maintenance database, psql): creates govclone.target, closed to PUBLIC. After prefix_guard.sql
-- and holder_check.sql. (CREATE DATABASE cannot run in a DO block: psql's \gexec runs the statement built here.)
SELECT format('CREATE DATABASE %I', current_setting('govclone.target')) \gexec
DO $revoke$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.target'));
END
$revoke$;
