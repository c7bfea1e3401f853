-- template_create.sql (maintenance database, psql): the retained template govclone.template as a copy of the fresh
-- clone govclone.clone, just swapped in (govclone.strategy). After prefix_guard.sql and holder_check.sql;
-- template_seal.sql and template_mark.sql follow, each behind holder_check.sql: until the mark, nothing takes it for
-- a template.
SELECT format('CREATE DATABASE %I TEMPLATE %I %s', current_setting('govclone.template'), current_setting('govclone.clone'),
              CASE current_setting('govclone.strategy') WHEN 'STRATEGY FILE_COPY' THEN 'STRATEGY FILE_COPY' ELSE '' END) \gexec
