-- mask_converge_end.sql (after mask_converge.sql, mask_rules.sql and mask_tables.sql, in the same session): each masked
-- table's columns rewritten by UPDATE in the guarded transaction (a hashed key and the foreign keys naming it change
-- together: a superuser's session skips the triggers' checks in between, as the engine does), COMMIT, then VACUUM FULL
-- of each masked table, which writes it anew and drops the files that held the clear values (docs/masking.md). Every
-- statement runs only under psql's \if of the guard's own verdict (govclone.guarded, set only when the guard passed,
-- in this session): on its own, or after a refusal, it changes nothing.
\set ON_ERROR_STOP on
SELECT coalesce(current_setting('govclone.guarded', true) = current_database(), false) AS govclone_guarded \gset
\if :govclone_guarded
DO $replica$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    SET LOCAL session_replication_role = replica;
  END IF;
END
$replica$;
SELECT format('UPDATE %s SET %s', name, set_list) FROM govclone_mask_tables ORDER BY name \gexec
COMMIT;
SELECT format('VACUUM (FULL, ANALYZE) %s', name) FROM govclone_mask_tables ORDER BY name \gexec
\endif
