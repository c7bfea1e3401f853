-- spare_create.sql (maintenance database, psql): the ready spare <clone>_spare as a FILE_COPY (govclone.strategy) of
-- the retained template govclone.template, ahead of the next re-clone, which is then a swap of names (swap.sql).
-- After prefix_guard.sql and holder_check.sql; spare_seal.sql and spare_mark.sql follow, each behind
-- holder_check.sql: until the mark, nothing takes it for a spare (and the next remake drops it).
SELECT format('CREATE DATABASE %I TEMPLATE %I %s', current_setting('govclone.clone') || '_spare', current_setting('govclone.template'),
              CASE current_setting('govclone.strategy') WHEN 'STRATEGY FILE_COPY' THEN 'STRATEGY FILE_COPY' ELSE '' END) \gexec
