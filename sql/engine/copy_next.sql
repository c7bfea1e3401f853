-- copy_next.sql (maintenance database, psql): creates govclone.target (<clone>_next) as a copy of the database
-- govclone.copy_from (the retained template, or an idle source) with govclone.strategy ('STRATEGY FILE_COPY' on
-- PostgreSQL >= 15, else ''), closed to PUBLIC at once. After prefix_guard.sql, holder_check.sql and
-- drop_leftovers.sql; swap.sql puts it in the clone's place.
SELECT format('CREATE DATABASE %I TEMPLATE %I %s', current_setting('govclone.target'), current_setting('govclone.copy_from'),
              CASE current_setting('govclone.strategy') WHEN 'STRATEGY FILE_COPY' THEN 'STRATEGY FILE_COPY' ELSE '' END) \gexec
DO $revoke$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.target'));
END
$revoke$;
