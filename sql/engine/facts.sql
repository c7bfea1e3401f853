-- facts.sql (maintenance database; after prefix_guard.sql and family_guard.sql with govclone.family_mode census):
-- what a clone run depends on, in one round trip. One line each (psql -tA; newlines flattened, only a comment's start
-- is compared): what family_guard.sql found in the way (the problem, its fix and the setting naming it: empty when
-- nothing is), this family's leftovers (comma-separated), the clone's name when it alone is in the way and may be
-- adopted (family_guard.sql); then, only when nothing is in the way, an existing, valid
-- clone is closed to PUBLIC; the server version; 'present' when the template exists; the template's marker when it is a
-- connection-free template; the clone: 'valid', 'invalid' (datconnlimit -2: what an interrupted DROP DATABASE
-- leaves, PostgreSQL >= 15.4) or '' (absent); the clone's marker; the TOAST compressions the server has; the
-- most a lane's index build sorts in (kB: govclone.maintenance_work_mem); 'superuser' when this role is one (then
-- owners and privileges are restored as the source has them; otherwise the engine says what it cannot restore). Last: a
-- line never empty (read stops at an empty last line).
-- Settings: govclone.clone, govclone.template, govclone.maintenance_work_mem.
\set ON_ERROR_STOP on
SELECT replace(current_setting('govclone.family_problem'), E'\n', ' ');
SELECT replace(current_setting('govclone.family_fix'), E'\n', ' ');
SELECT current_setting('govclone.family_setting');
SELECT current_setting('govclone.leftovers');
SELECT current_setting('govclone.family_adoptable');
DO $revoke$
BEGIN
  IF current_setting('govclone.family_problem') = '' AND EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.clone') AND datconnlimit <> -2) THEN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.clone'));
  END IF;
END
$revoke$;
SELECT current_setting('server_version_num');
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_database WHERE datname = current_setting('govclone.template')) THEN 'present' ELSE '' END;
SELECT coalesce((SELECT replace(coalesce(shobj_description(oid, 'pg_database'), ''), E'\n', ' ') FROM pg_database
                 WHERE datname = current_setting('govclone.template') AND datistemplate AND NOT datallowconn AND datconnlimit <> -2), '');
SELECT coalesce((SELECT CASE WHEN datconnlimit = -2 THEN 'invalid' ELSE 'valid' END FROM pg_database WHERE datname = current_setting('govclone.clone')), '');
SELECT coalesce((SELECT replace(coalesce(shobj_description(oid, 'pg_database'), ''), E'\n', ' ') FROM pg_database WHERE datname = current_setting('govclone.clone')), '');
SELECT coalesce((SELECT array_to_string(enumvals, ',') FROM pg_settings WHERE name = 'default_toast_compression'), '');
SELECT pg_size_bytes(current_setting('govclone.maintenance_work_mem')) / 1024;
SELECT CASE WHEN rolsuper THEN 'superuser' ELSE 'not-superuser' END FROM pg_roles WHERE rolname = current_user;
