-- release_family.sql (maintenance database; psql or Npgsql): unmarks every database of the clone's family that exists
-- (the clone govclone.clone, its retained template govclone.template — default <clone>_template — and
-- <clone>_next, _old, _spare) and clears IS_TEMPLATE, so should a DROP that follows be cut short, nothing left is
-- taken for a complete clone, a current template or a ready spare. After prefix_guard.sql; then drop_family.sql
-- (psql) or one DROP DATABASE IF EXISTS … WITH (FORCE) each. `govclone drop`, the record's by-hand drop.
DO $release$
DECLARE
  clone text := current_setting('govclone.clone');
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY[clone, coalesce(nullif(current_setting('govclone.template', true), ''), clone || '_template'),
                              clone || '_next', clone || '_old', clone || '_spare'] LOOP
    -- An invalid database (datconnlimit -2: an interrupted DROP) refuses ALTER with FATAL; DROP alone removes it.
    IF EXISTS (SELECT 1 FROM pg_database WHERE datname = name AND datconnlimit <> -2) THEN
      EXECUTE format('COMMENT ON DATABASE %I IS NULL', name);
      EXECUTE format('ALTER DATABASE %I IS_TEMPLATE false', name);
    END IF;
  END LOOP;
END
$release$;
