-- branch_release.sql (maintenance database; after branch_guard.sql, under the branch's lock): unmarks the branch
-- govclone.branch before its DROP DATABASE, so a drop cut short (a crash) never leaves a branch taken for complete.
-- An invalid database (datconnlimit -2: an interrupted DROP) refuses COMMENT; DROP alone removes it.
DO $release$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.branch') AND datconnlimit <> -2) THEN
    EXECUTE format('COMMENT ON DATABASE %I IS NULL', current_setting('govclone.branch'));
  END IF;
END
$release$;
