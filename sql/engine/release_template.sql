-- release_template.sql (maintenance database): makes the retained template govclone.template droppable: unmarks it
-- (nothing takes it for a current template any more) and clears IS_TEMPLATE (PostgreSQL refuses to drop a
-- template). One text for the clone engine, `govclone drop` and `pulumi destroy`; after prefix_guard.sql; then
-- DROP DATABASE IF EXISTS … WITH (FORCE).
DO $release$
BEGIN
  -- An invalid template (datconnlimit -2: an interrupted DROP) refuses ALTER with FATAL; DROP alone removes it.
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.template') AND datconnlimit <> -2) THEN
    EXECUTE format('COMMENT ON DATABASE %I IS NULL', current_setting('govclone.template'));
    EXECUTE format('ALTER DATABASE %I IS_TEMPLATE false', current_setting('govclone.template'));
  END IF;
END
$release$;
