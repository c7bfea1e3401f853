-- template_state.sql (maintenance database): the retained template a branch is copied from, in one row: its oid
-- (NULL when absent), its comment, whether it is current (a valid, connection-free template marked
-- govclone.template_marker: 'govclone:template source=… clone=… generation=N'), the time of its marker (at=), its
-- size. A branch reads this before its copy and branch_mark.sql compares it after: a template replaced, unmarked or
-- dropped in between (a re-clone rebuilding it) fails the mark, so no branch is marked complete from it.
\set ON_ERROR_STOP on
SELECT d.oid::bigint,
       coalesce(shobj_description(d.oid, 'pg_database'), ''),
       d.datistemplate AND NOT d.datallowconn AND d.datconnlimit <> -2
         AND left(coalesce(shobj_description(d.oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
             = current_setting('govclone.template_marker') || ' ',
       coalesce(substring(coalesce(shobj_description(d.oid, 'pg_database'), '') FROM ' at=([^ ]+)$'), ''),
       CASE WHEN d.datconnlimit = -2 THEN NULL ELSE pg_database_size(d.oid) END
FROM (SELECT 1) one LEFT JOIN pg_database d ON d.datname = current_setting('govclone.template');
