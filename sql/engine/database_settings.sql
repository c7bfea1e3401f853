-- database_settings.sql (maintenance database; psql -tA): gives a database (govclone.settings_to, default
-- govclone.target) the database-level settings another has (govclone.settings_from, default govclone.source) in
-- pg_db_role_setting: ALTER DATABASE … SET and ALTER ROLE … IN DATABASE … SET. pg_dump writes them only with
-- --create, for the source's own name, and CREATE DATABASE … TEMPLATE does not copy them: so a build gets the
-- source's, the retained template the fresh clone's, the spare and a re-clone the template's. Applied last,
-- before the swap, so none of them (a statement_timeout, a read-only default) acts on the build's own sessions. The
-- database's own properties stay the clone's: its owner, its ACL (closed to PUBLIC, no grant copied to any
-- role) and its comment (the marker). A setting this role may not make (a superuser-only parameter, another
-- role's setting without the privilege) is skipped and printed, one line each: the engine reports every one
-- (a fidelity event), so a clone never differs from the source without saying so.
-- List parameters (search_path and the like) are stored already quoted; like pg_dump, each element is given as
-- its own literal.
\set ON_ERROR_STOP on
DO $settings$
DECLARE
  s record;
  name text;
  value text;
  target text := coalesce(nullif(current_setting('govclone.settings_to', true), ''), current_setting('govclone.target'));
  origin text := coalesce(nullif(current_setting('govclone.settings_from', true), ''), current_setting('govclone.source'));
BEGIN
  FOR s IN SELECT r.rolname, c.item
           FROM pg_db_role_setting d
           CROSS JOIN LATERAL unnest(d.setconfig) WITH ORDINALITY AS c(item, n)
           LEFT JOIN pg_roles r ON r.oid = d.setrole
           WHERE d.setdatabase = (SELECT oid FROM pg_database WHERE datname = origin)
             AND (d.setrole = 0 OR r.oid IS NOT NULL)
           ORDER BY d.setrole, c.n
  LOOP
    name := split_part(s.item, '=', 1);
    value := substr(s.item, length(name) + 2);
    IF lower(name) IN ('search_path', 'temp_tablespaces', 'session_preload_libraries', 'shared_preload_libraries',
                       'local_preload_libraries', 'unix_socket_directories') THEN
      SELECT coalesce(string_agg(quote_literal(CASE WHEN e LIKE '"%"' THEN replace(substr(e, 2, length(e) - 2), '""', '"') ELSE e END), ', ' ORDER BY n), '''''')
      INTO value
      FROM (SELECT btrim(m[1]) AS e, n FROM regexp_matches(value, '((?:"(?:[^"]|"")*"|[^,"])+)', 'g') WITH ORDINALITY AS x(m, n)) elements;
    ELSE
      value := quote_literal(value);
    END IF;
    name := (SELECT string_agg(quote_ident(p), '.' ORDER BY k) FROM unnest(string_to_array(name, '.')) WITH ORDINALITY AS parts(p, k));
    BEGIN
      IF s.rolname IS NULL THEN
        EXECUTE format('ALTER DATABASE %I SET %s TO %s', target, name, value);
      ELSE
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET %s TO %s', s.rolname, target, name, value);
      END IF;
    EXCEPTION WHEN insufficient_privilege THEN
      PERFORM set_config('govclone.skipped_settings', coalesce(current_setting('govclone.skipped_settings', true), '')
        || CASE WHEN s.rolname IS NULL THEN 'ALTER DATABASE SET ' ELSE format('ALTER ROLE %I IN DATABASE SET ', s.rolname) END || s.item || E'\n', false);
    END;
  END LOOP;
END
$settings$;
SELECT coalesce(current_setting('govclone.skipped_settings', true), '');
