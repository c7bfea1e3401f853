-- require_template.sql (maintenance database): refuses, SQLSTATE GC003, changing nothing, unless govclone.template is
-- a current retained template: connection-free, a template, valid, and marked govclone.template_marker
-- ('govclone:template source=… clone=… generation=N'). In front of the decision record's by-hand re-clone.
\set ON_ERROR_STOP on
DO $require$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_database
                 WHERE datname = current_setting('govclone.template') AND datistemplate AND NOT datallowconn AND datconnlimit <> -2
                   AND left(coalesce(shobj_description(oid, 'pg_database'), ''), length(current_setting('govclone.template_marker')) + 1)
                       = current_setting('govclone.template_marker') || ' ') THEN
    RAISE EXCEPTION 'govclone: % is not a current template of % (want ''%''); nothing was changed: re-clone from scratch',
      current_setting('govclone.template'), current_setting('govclone.clone'), current_setting('govclone.template_marker')
      USING ERRCODE = 'GC003';
  END IF;
END
$require$;
