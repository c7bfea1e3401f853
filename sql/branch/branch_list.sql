-- branch_list.sql (maintenance database): the databases named like a branch of govclone.clone ('<clone>_…'), one row
-- each: name, comment (a branch marker, or none for an interrupted create), size (NULL for an invalid database),
-- sessions on it other than this one (an autovacuum worker is none: DROP DATABASE ends it itself), whether CONNECT is revoked from PUBLIC, whether it is invalid (an interrupted
-- DROP), and the server's time. BranchCatalog keeps those whose NAME is valid and whose comment is a branch marker of
-- this clone, or none at all.
\set ON_ERROR_STOP on
SELECT d.datname,
       coalesce(shobj_description(d.oid, 'pg_database'), ''),
       CASE WHEN d.datconnlimit = -2 THEN NULL ELSE pg_database_size(d.oid) END,
       (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname AND a.pid <> pg_backend_pid()
                                                  AND a.backend_type IS DISTINCT FROM 'autovacuum worker')::int,
       d.datacl IS NOT NULL AND NOT EXISTS (SELECT 1 FROM aclexplode(d.datacl) x WHERE x.grantee = 0 AND x.privilege_type = 'CONNECT'),
       d.datconnlimit = -2,
       to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM pg_database d
WHERE left(d.datname, length(current_setting('govclone.clone')) + 1) = current_setting('govclone.clone') || '_'
ORDER BY d.datname;
