-- drop_leftovers.sql (maintenance database, psql): drops what an interrupted run of this family left where a build
-- goes: <clone>_next and <clone>_old (govclone.next, govclone.old), with their sessions, but only those
-- family_guard.sql found to be this family's leftovers (govclone.leftovers: a next marked building or dropping, an
-- old marked old or dropping, each naming this family). Never a database by its name alone: one another family
-- marked, or nobody did, stops family_guard.sql before this runs. After prefix_guard.sql, holder_check.sql and
-- family_guard.sql. (DROP DATABASE cannot run in a DO block: psql's \gexec runs it.)
\set ON_ERROR_STOP on
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', n)
FROM unnest(string_to_array(current_setting('govclone.leftovers'), ',')) AS n
WHERE n IN (current_setting('govclone.next'), current_setting('govclone.old')) \gexec
