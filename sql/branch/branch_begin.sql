-- branch_begin.sql (maintenance database; after branch_guard.sql): right after CREATE DATABASE govclone.branch TEMPLATE
-- <the retained template>: closes the new branch to PUBLIC (a new database lets PUBLIC connect) and marks it
-- incomplete: 'govclone:branch-incomplete parent=<clone> owner=<govclone.owner> created=<time>'. Nothing takes an
-- incomplete branch for one that can be used; branch_mark.sql replaces the marker once the copy is proven whole.
DO $begin$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_setting('govclone.branch'));
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_setting('govclone.branch'),
    'govclone:branch-incomplete parent=' || current_setting('govclone.clone') || ' owner=' || current_setting('govclone.owner')
    || ' created=' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
END
$begin$;
