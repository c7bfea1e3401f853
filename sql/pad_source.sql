-- pad_source.sql: append one batch of realistic Directus audit data (activity + revisions with text and
-- json) to grow the source for benchmarks. Never touches governance tables. Deterministic per batch.
-- Parameters are custom settings, so it runs under psql and Npgsql alike:
--   SET govclone.pad_rows = '20000'; SET govclone.pad_batch = '0';
--   \i sql/pad_source.sql      (or: govclone sandbox up --size 1.2GB)
-- Refuses, in its transaction, unless both are set: run with plain psql -f it changes nothing.
\set ON_ERROR_STOP on
BEGIN;
DO $guard$
BEGIN
  IF coalesce(current_setting('govclone.pad_rows', true), '') !~ '^[0-9]+$' OR coalesce(current_setting('govclone.pad_batch', true), '') !~ '^[0-9]+$' THEN
    RAISE EXCEPTION 'govclone guard: refusing to pad database "%": govclone.pad_rows and govclone.pad_batch are not set', current_database()
      USING ERRCODE = 'GC001', HINT = 'pad_source.sql pads the sandbox''s stand-in only (govclone sandbox up --size …), which sets both.';
  END IF;
END
$guard$;
WITH params AS (
  SELECT current_setting('govclone.pad_rows')::bigint AS n_rows,
         current_setting('govclone.pad_batch')::bigint AS batch
), cols AS (
  SELECT array_agg(collection ORDER BY collection) AS names
  FROM directus_collections WHERE "group" IS NOT NULL
), ins AS (
  INSERT INTO directus_activity (action, "user", "timestamp", ip, user_agent, collection, item, comment, origin)
  SELECT (ARRAY['create','update','update','update','delete'])[1 + (g % 5)],
         md5('user-' || (1 + g % 40))::uuid,
         timestamptz '2026-01-01 00:00:00+00' + (p.batch * p.n_rows + g) * interval '11 seconds',
         format('10.%s.%s.%s', g % 13, (g / 7) % 251, (g * 31) % 199),
         (ARRAY['Mozilla/5.0 (X11; Linux x86_64; rv:139.0) Gecko/20100101 Firefox/139.0',
                'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
                'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0 Safari/537.36',
                'directus-sdk/17.0.2 node/22.11.0'])[1 + (g % 4)],
         c.names[1 + ((p.batch * 7919 + g * 104729) % 210)],
         (1 + (g * 13) % 40)::text,
         CASE WHEN g % 9 = 0 THEN 'Reviewed during batch ' || p.batch || ': ' || md5(g::text) END,
         'https://directus.example.internal'
  FROM params p, cols c, generate_series(1, p.n_rows) g
  RETURNING id, collection, item, action
)
INSERT INTO directus_revisions (activity, collection, item, data, delta)
SELECT ins.id, ins.collection, ins.item,
       json_build_object(
         'id', ins.item,
         'name', initcap(replace(ins.collection, '_', ' ')) || ' #' || ins.item,
         'status', (ARRAY['draft','published','archived','in_review'])[1 + ins.id % 4],
         'amount', round(((ins.id::bigint * 7919) % 100000) / 100.0, 2),
         'metadata', json_build_object('source', 'editor', 'revision', ins.id % 17,
                                       'tags', json_build_array(split_part(ins.collection, '_', 1), 'audit'),
                                       'checksum', md5(ins.id::text), 'summary',
                                       'Edited ' || replace(ins.collection, '_', ' ') || ' item ' || ins.item
                                       || ' after review; fields name, status and amount were checked against policy '
                                       || md5(ins.collection || ins.id)),
         'date_updated', to_char(timestamptz '2026-01-01 00:00:00+00' + ins.id::bigint * interval '11 seconds', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         -- One revision in six carries a rich-text body with a heavy-tailed length (0.1 to ~3 KB), so some
         -- values are TOASTed and compressed, as article and page revisions are in production.
         'body', CASE WHEN ins.id % 6 = 0 THEN
                   array_to_string(ARRAY(SELECT 'Paragraph ' || s || ' of ' || replace(ins.collection, '_', ' ') || ' ' || md5((ins.id::bigint * 64 + s)::text)
                                         FROM generate_series(1, 1 + 48 / (1 + (ins.id / 6) % 50)) s), E'\n') END),
       CASE WHEN ins.action = 'delete' THEN NULL
            ELSE json_build_object('status', (ARRAY['draft','published','archived','in_review'])[1 + ins.id % 4],
                                   'amount', round(((ins.id::bigint * 31) % 100000) / 100.0, 2)) END
FROM ins;
COMMIT;
