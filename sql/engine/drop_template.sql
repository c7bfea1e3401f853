-- drop_template.sql (maintenance database, psql): drops govclone.template, after prefix_guard.sql,
-- holder_check.sql and release_template.sql.
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', current_setting('govclone.template')) \gexec
