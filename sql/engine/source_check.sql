-- source_check.sql (the source, production): the last statement of every transaction govclone opens there (its
-- own Npgsql sessions, and the engine's psql sessions: the snapshot session, the job list, each table's COPY TO).
-- Fails, SQLSTATE GC004, unless the transaction is read-only and was never assigned a transaction id: PostgreSQL
-- assigns one to a transaction at its first write of any kind (a row, a catalog entry, a sequence, a temporary
-- table, a row lock), so a transaction that ends here without one wrote nothing. govclone's source transactions are
-- each one such transaction (pg_dump's: its own READ ONLY transaction, which it never commits), so a run whose
-- every source session passed this check changed nothing in production; a run where one fails, fails.
\set ON_ERROR_STOP on
DO $source$
BEGIN
  IF current_setting('transaction_read_only') <> 'on' THEN
    RAISE EXCEPTION 'govclone source check: a govclone transaction on the source (%) is not read-only; production must only be read', current_database()
      USING ERRCODE = 'GC004';
  END IF;
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'govclone source check: a govclone transaction on the source (%) wrote (it was assigned transaction id %); production must only be read',
      current_database(), pg_current_xact_id_if_assigned()
      USING ERRCODE = 'GC004';
  END IF;
END
$source$;
