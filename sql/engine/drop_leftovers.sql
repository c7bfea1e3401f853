-- drop_leftovers.sql (maintenance database, psql): drops what an interrupted run left of the clone's family:
-- a half-built <clone>_next (govclone.target) and a retired <clone>_old, with their sessions. Neither is ever
-- marked (swap.sql unmarks the old clone as it retires it), so nothing took them for a clone. After
-- prefix_guard.sql and holder_check.sql. (DROP DATABASE cannot run in a DO block: psql's \gexec runs it.)
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', d.datname)
FROM pg_database d
WHERE d.datname IN (current_setting('govclone.target'), current_setting('govclone.clone') || '_old')
  AND d.datname <> current_setting('govclone.clone') \gexec
