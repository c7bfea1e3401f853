-- worker_leases.sql: live governance worker leases in this database (read-only). The clone must have 0.
\set ON_ERROR_STOP on
SELECT count(*)::bigint AS active_leases
FROM gov_worker_lease
WHERE released_at IS NULL AND expires_at > now();
