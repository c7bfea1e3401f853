-- mask_rules.sql: the masking rules in force (govclone.masking: '[?]schema.table.column=strategy[:VALUE]', ';'-separated;
-- '?' marks a profile's default, skipped where the database has no such column) resolved against this database's
-- catalog: the head of one read-only query, a WITH whose mask_rules has one row per rule with what the checks and the
-- expressions need. Not a statement of its own: mask_check.sql or mask_tables.sql completes it (the engine and govclone
-- send the two files as one text: `cat mask_rules.sql mask_check.sql | psql`). It writes nothing (no temporary
-- object either: it runs in the source's read-only transactions).
\set ON_ERROR_STOP on
WITH mask_items AS (
  SELECT r.ord, left(r.item, 1) = '?' AS optional, ltrim(r.item, '?') AS item
  FROM unnest(string_to_array(coalesce(current_setting('govclone.masking', true), ''), ';')) WITH ORDINALITY AS r(item, ord)
  WHERE r.item <> ''
), mask_parsed AS (
  SELECT ord, optional, item,
         split_part(split_part(item, '=', 1), '.', 1) AS nsp,
         split_part(split_part(item, '=', 1), '.', 2) AS rel,
         split_part(split_part(item, '=', 1), '.', 3) AS col,
         split_part(substr(item, strpos(item, '=') + 1), ':', 1) AS strategy,
         CASE WHEN strpos(substr(item, strpos(item, '=') + 1), ':') > 0
              THEN substr(substr(item, strpos(item, '=') + 1), strpos(substr(item, strpos(item, '=') + 1), ':') + 1) END AS value
  FROM mask_items
), mask_rules AS (
SELECT p.ord, p.optional, p.item, p.nsp, p.rel, p.col, p.strategy, p.value,
       CASE WHEN p.nsp = 'public' THEN '' ELSE p.nsp || '.' END || p.rel || '.' || p.col || ': ' || p.strategy
         || coalesce(':' || p.value, '') AS rule,
       c.oid AS relid,
       '"' || replace(p.nsp, '"', '""') || '"."' || replace(p.rel, '"', '""') || '"' AS qualified,
       a.attnum, a.attnotnull, a.attgenerated <> '' AS generated,
       format_type(a.atttypid, a.atttypmod) AS type_name,
       t.typcategory = 'S' AS string_like,
       a.atttypid = 'uuid'::regtype AS is_uuid,
       CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS max_length,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND a.attnum = ANY (i.indkey)) AS in_unique,
       (SELECT string_agg(format('%s.%s', k.conname, CASE WHEN k.conrelid = c.oid THEN 'referencing' ELSE 'referenced' END), ', ')
          FROM pg_constraint k
         WHERE k.contype = 'f' AND ((k.conrelid = c.oid AND a.attnum = ANY (k.conkey)) OR (k.confrelid = c.oid AND a.attnum = ANY (k.confkey)))) AS foreign_keys,
       -- every column on the other side of a foreign key this column is in, as schema.table.column
       (SELECT array_agg(DISTINCT n2.nspname || '.' || c2.relname || '.' || a2.attname)
          FROM pg_constraint k
          CROSS JOIN LATERAL unnest(CASE WHEN k.conrelid = c.oid THEN k.conkey ELSE k.confkey END,
                                    CASE WHEN k.conrelid = c.oid THEN k.confkey ELSE k.conkey END) AS u(mine, theirs)
          JOIN pg_class c2 ON c2.oid = CASE WHEN k.conrelid = c.oid THEN k.confrelid ELSE k.conrelid END
          JOIN pg_namespace n2 ON n2.oid = c2.relnamespace
          JOIN pg_attribute a2 ON a2.attrelid = c2.oid AND a2.attnum = u.theirs
         WHERE k.contype = 'f' AND u.mine = a.attnum AND (k.conrelid = c.oid OR k.confrelid = c.oid)) AS counterparts
FROM mask_parsed p
LEFT JOIN pg_namespace n ON n.nspname = p.nsp
LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.rel AND c.relkind IN ('r', 'p')
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = p.col AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type t ON t.oid = a.atttypid
)
