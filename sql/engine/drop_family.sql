-- drop_family.sql (maintenance database, psql): drops every database of the clone's family that exists, the clone
-- first, with their sessions; after prefix_guard.sql, family_guard.sql and release_family.sql. (DROP DATABASE cannot
-- run in a DO block: psql's \gexec runs each statement built here.)
\set ON_ERROR_STOP on
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', f.name)
FROM unnest(ARRAY[current_setting('govclone.clone'), current_setting('govclone.template'), current_setting('govclone.next'),
                  current_setting('govclone.old'), current_setting('govclone.spare'), current_setting('govclone.bspare')]) WITH ORDINALITY AS f(name, n)
WHERE EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = f.name)
ORDER BY f.n \gexec
