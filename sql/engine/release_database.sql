-- release_database.sql (maintenance database): makes govclone.database droppable and never taken for anything:
-- unmarks it (no complete, template or spare marker) and clears IS_TEMPLATE (PostgreSQL refuses to drop a
-- template). After prefix_guard.sql; then drop_database.sql (psql) or DROP DATABASE IF EXISTS … WITH (FORCE).
DO $release$
BEGIN
  -- An invalid database (datconnlimit -2: an interrupted DROP) refuses ALTER with FATAL; DROP alone removes it.
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.database') AND datconnlimit <> -2) THEN
    EXECUTE format('COMMENT ON DATABASE %I IS NULL', current_setting('govclone.database'));
    EXECUTE format('ALTER DATABASE %I IS_TEMPLATE false', current_setting('govclone.database'));
  END IF;
END
$release$;
