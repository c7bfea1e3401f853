-- mask_tables.sql (after mask_rules.sql, one query; psql -tA -F tab): one row per table with a masking rule in
-- force: its quoted name (as stream_tables.sql writes it), its column list, the same columns as masked expressions (the
-- streams clone's COPY (SELECT …) TO STDOUT: values are masked in the source's query, so a clear value never reaches
-- the clone), and the masked columns as an UPDATE's SET list (the convergence of a copy that was not masked at the
-- source). Every expression keeps the column's type and keeps NULL as NULL; hash and email are keyed per clone family:
-- the key is derived inside the query, at the server, from the cluster's system identifier and the family's name
-- (govclone.clone), so no text that govclone sends or prints holds it (docs/masking.md).
-- The tail of mask_rules.sql's query: cat mask_rules.sql mask_tables.sql | psql.
\set ON_ERROR_STOP on
, k AS (
  SELECT format('(SELECT encode(sha256(convert_to(%L || system_identifier::text || %L, ''UTF8'')), ''hex'') FROM pg_control_system())',
                'govclone-mask:', ':' || current_setting('govclone.clone')) AS key
), masked AS (
  SELECT m.relid, m.attnum, quote_ident(m.col) AS qcol,
         CASE m.strategy
           WHEN 'null' THEN format('NULL::%s', m.type_name)
           WHEN 'constant' THEN format('CASE WHEN %1$s IS NULL THEN NULL ELSE %2$L::%3$s END', quote_ident(m.col), m.value, m.type_name)
           WHEN 'redact' THEN format('CASE WHEN %1$s IS NULL THEN NULL ELSE repeat(''x'', length(%1$s::text))::%2$s END', quote_ident(m.col), m.type_name)
           WHEN 'email' THEN format('CASE WHEN %1$s IS NULL THEN NULL ELSE (left(encode(sha256(convert_to(%2$s || '':'' || %1$s::text, ''UTF8'')), ''hex''), 24) || ''@example.invalid'')::%3$s END',
                                    quote_ident(m.col), k.key, m.type_name)
           WHEN 'hash' THEN format('CASE WHEN %1$s IS NULL THEN NULL ELSE left(encode(sha256(convert_to(%2$s || '':'' || %1$s::text, ''UTF8'')), ''hex''), %3$s)::%4$s END',
                                   quote_ident(m.col), k.key, CASE WHEN m.is_uuid THEN 32 ELSE least(coalesce(m.max_length, 64), 64) END, m.type_name)
         END AS expr
  FROM mask_rules m CROSS JOIN k
  WHERE m.attnum IS NOT NULL AND NOT m.generated
)
SELECT '"' || replace(n.nspname, '"', '""') || '"."' || replace(c.relname, '"', '""') || '"' AS name,
       string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS columns,
       string_agg(coalesce(x.expr, quote_ident(a.attname)), ', ' ORDER BY a.attnum) AS select_list,
       string_agg(x.qcol || ' = ' || x.expr, ', ' ORDER BY a.attnum) FILTER (WHERE x.expr IS NOT NULL) AS set_list
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
LEFT JOIN masked x ON x.relid = c.oid AND x.attnum = a.attnum
WHERE c.oid IN (SELECT relid FROM masked)
GROUP BY n.nspname, c.relname
ORDER BY 1;
