-- template_seal.sql (maintenance database): makes govclone.template a connection-free template closed to PUBLIC.
\set ON_ERROR_STOP on
DO $seal$
BEGIN
  EXECUTE format('ALTER DATABASE %I WITH ALLOW_CONNECTIONS false IS_TEMPLATE true', current_setting('govclone.template'));
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.template'));
END
$seal$;
