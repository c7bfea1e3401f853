-- spare_seal.sql (maintenance database): makes the spare connection-free and closed to PUBLIC, so it stays equal to
-- the template until it is swapped in (swap.sql makes it connectable again).
\set ON_ERROR_STOP on
DO $seal$
BEGIN
  EXECUTE format('ALTER DATABASE %I WITH ALLOW_CONNECTIONS false', current_setting('govclone.spare'));
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.spare'));
END
$seal$;
