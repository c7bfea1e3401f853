-- bspare_state.sql (maintenance database): the retained template and the ready branch spare govclone.bspare
-- (<clone>_bspare, set by prefix_guard.sql) in one row: the template's oid (NULL when absent), its comment, whether it
-- is current (a valid, connection-free template marked govclone.template_marker), the time of its marker (at=), its
-- size; then whether the branch spare exists, whether it is current (valid, connection-free, not a template, and
-- marked govclone.bspare_marker 'govclone:branch-spare family=<clone> source=… generation=N' for the template as it is
-- now: template=<its at> oid=<its oid>), its size (NULL when invalid), its marker. Only a current branch spare is
-- ever renamed to a branch (bspare_take.sql checks it again, in the rename's transaction).
\set ON_ERROR_STOP on
WITH t AS (
  SELECT d.oid::bigint AS oid, coalesce(shobj_description(d.oid, 'pg_database'), '') AS comment,
         d.datistemplate AND NOT d.datallowconn AND d.datconnlimit <> -2
           AND left(coalesce(shobj_description(d.oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
               = current_setting('govclone.template_marker') || ' ' AS current,
         coalesce(substring(coalesce(shobj_description(d.oid, 'pg_database'), '') FROM ' at=([^ ]+)$'), '') AS at,
         CASE WHEN d.datconnlimit = -2 THEN NULL ELSE pg_database_size(d.oid) END AS bytes
  FROM pg_database d WHERE d.datname = current_setting('govclone.template')
), s AS (
  SELECT d.oid, d.datallowconn, d.datconnlimit, d.datistemplate, coalesce(shobj_description(d.oid, 'pg_database'), '') AS marker
  FROM pg_database d WHERE d.datname = current_setting('govclone.bspare')
)
SELECT (SELECT t.oid FROM t), coalesce((SELECT t.comment FROM t), ''), coalesce((SELECT t.current FROM t), false),
       coalesce((SELECT t.at FROM t), ''), (SELECT t.bytes FROM t),
       EXISTS (SELECT 1 FROM s),
       coalesce((SELECT NOT s.datallowconn AND s.datconnlimit <> -2 AND NOT s.datistemplate AND t.current
                        AND left(s.marker, length(w.want) + 1) = w.want || ' '
                 FROM s CROSS JOIN t CROSS JOIN LATERAL (SELECT current_setting('govclone.bspare_marker') || ' template=' || t.at || ' oid=' || t.oid AS want) w), false),
       (SELECT CASE WHEN s.datconnlimit = -2 THEN NULL ELSE pg_database_size(s.oid) END FROM s),
       coalesce((SELECT replace(s.marker, E'\n', ' ') FROM s), ''),
       (SELECT s.oid::bigint FROM s);
