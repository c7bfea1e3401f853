-- unmark.sql (maintenance database): removes the complete marker of govclone.target (the database a build writes),
-- so nothing takes it for a complete clone from here on. After prefix_guard.sql (and holder_check.sql in a run).
DO $unmark$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.target')) THEN
    EXECUTE format('COMMENT ON DATABASE %I IS NULL', current_setting('govclone.target'));
  END IF;
END
$unmark$;
