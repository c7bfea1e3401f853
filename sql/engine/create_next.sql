-- create_next.sql (maintenance database, psql): creates govclone.target, the database a clone from the source is built
-- in (<clone>_next), as a fresh database like the source: from template0 (so public starts as in any fresh
-- database: owned by pg_database_owner, USAGE for PUBLIC, its standard comment; pg_dump then restores the source's
-- own owner, ACL and comment of it), with the source's encoding, collation, character classification and locale
-- provider; closed to PUBLIC at once. After prefix_guard.sql and holder_check.sql, and drop_leftovers.sql.
-- (CREATE DATABASE cannot run in a DO block: psql's \gexec runs the statement built here. Optional columns of
-- pg_database are read through to_jsonb, so one text serves PostgreSQL 15 to 17.)
SELECT format('CREATE DATABASE %I TEMPLATE template0 ENCODING %L LC_COLLATE %L LC_CTYPE %L%s', current_setting('govclone.target'),
              pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
              CASE j->>'datlocprovider'
                WHEN 'i' THEN format(' LOCALE_PROVIDER icu ICU_LOCALE %L', coalesce(j->>'datlocale', j->>'daticulocale'))
                              || coalesce(format(' ICU_RULES %L', j->>'daticurules'), '')
                WHEN 'b' THEN format(' LOCALE_PROVIDER builtin BUILTIN_LOCALE %L', j->>'datlocale')
                ELSE '' END)
FROM pg_database d CROSS JOIN LATERAL to_jsonb(d) AS j
WHERE d.datname = current_setting('govclone.source') \gexec
DO $revoke$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.target'));
END
$revoke$;
