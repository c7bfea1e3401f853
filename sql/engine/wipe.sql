-- wipe.sql (the clone, after clone_guard.sql): empties it: drops every user schema with all in it, and makes an
-- empty public.
DO $wipe$
DECLARE s record;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
  END LOOP;
  CREATE SCHEMA public;
END
$wipe$;
