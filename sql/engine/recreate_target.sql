-- recreate_target.sql (maintenance database, psql): re-creates govclone.target as a copy of the database govclone.from
-- (the retained template, or an idle source) with govclone.strategy ('STRATEGY FILE_COPY' on PostgreSQL >= 15, else
-- ''): unmarked first, so an interruption never leaves it marked; closed to PUBLIC at once. After prefix_guard.sql
-- and holder_check.sql.
DO $unmark$
BEGIN
  EXECUTE format('COMMENT ON DATABASE %I IS NULL', current_setting('govclone.target'));
END
$unmark$;
SELECT format('DROP DATABASE %I WITH (FORCE)', current_setting('govclone.target')) \gexec
SELECT format('CREATE DATABASE %I TEMPLATE %I %s', current_setting('govclone.target'), current_setting('govclone.from'),
              CASE current_setting('govclone.strategy') WHEN 'STRATEGY FILE_COPY' THEN 'STRATEGY FILE_COPY' ELSE '' END) \gexec
DO $revoke$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.target'));
END
$revoke$;
