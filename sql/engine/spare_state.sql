-- spare_state.sql (maintenance database; psql -tA -F '|', or Npgsql): one row about the ready spare govclone.spare and
-- the retained template it is a copy of: the spare exists; it is current (connection-free, not a template, valid,
-- and marked govclone.spare_marker for the template as it is now: 'govclone:spare source=… clone=… generation=N
-- template=<the template's at>'); its size (with govclone.spare_size on); the template is current (govclone.template_marker); the template's
-- 'at'; the spare's marker (newlines flattened), last. Only a current spare is ever swapped in.
\set ON_ERROR_STOP on
WITH t AS (
  SELECT substring(coalesce(shobj_description(oid, 'pg_database'), '') FROM ' at=([^ ]+)$') AS at
  FROM pg_database
  WHERE datname = current_setting('govclone.template') AND datistemplate AND NOT datallowconn AND datconnlimit <> -2
    AND left(coalesce(shobj_description(oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
        = current_setting('govclone.template_marker') || ' '
), s AS (
  SELECT oid, datallowconn, datconnlimit, datistemplate, coalesce(shobj_description(oid, 'pg_database'), '') AS marker
  FROM pg_database WHERE datname = current_setting('govclone.spare')
)
SELECT EXISTS (SELECT 1 FROM s) AS spare_exists,
       coalesce((SELECT NOT s.datallowconn AND s.datconnlimit <> -2 AND NOT s.datistemplate
                        AND left(s.marker, length(w.want) + 1) = w.want || ' '
                 FROM s CROSS JOIN (SELECT current_setting('govclone.spare_marker') || ' template=' || t.at AS want FROM t WHERE t.at IS NOT NULL) w), false) AS spare_current,
       -- its size only when asked (govclone.spare_size on): a walk of its files, not on a re-clone's critical path
       (SELECT CASE WHEN s.datconnlimit = -2 OR NOT coalesce(current_setting('govclone.spare_size', true), '') = 'on' THEN NULL
                    ELSE pg_database_size(s.oid) END FROM s) AS spare_bytes,
       EXISTS (SELECT 1 FROM t WHERE t.at IS NOT NULL) AS template_current,
       coalesce((SELECT t.at FROM t), '') AS template_at,
       coalesce((SELECT replace(s.marker, E'\n', ' ') FROM s), '') AS spare_marker;
