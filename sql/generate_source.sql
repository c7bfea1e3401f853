-- generate_source.sql: a Directus-like production stand-in at the clean F-6 baseline.
--
-- Run once in an EMPTY database (the sandbox and the tests call it `directus`); it refuses, in its transaction, any
-- database that already holds a table, view, sequence or function of its own (a real production above all):
--   psql -X -d directus -f sql/generate_source.sql
-- Deterministic: fixed timestamps and hash-derived variety, so two runs give identical contents
-- (and identical fingerprints). Baseline: own=0, gap=210, candidates=0, dot_tools=309, axis_tables=0.

\set ON_ERROR_STOP on
BEGIN;
DO $guard$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%')
     OR EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')) THEN
    RAISE EXCEPTION 'govclone guard: refusing to generate the stand-in source in database "%": it is not empty', current_database()
      USING ERRCODE = 'GC001', HINT = 'generate_source.sql only fills a new, empty database (govclone sandbox up makes one).';
  END IF;
END
$guard$;

-- ---------------------------------------------------------------- Directus system tables
CREATE TABLE directus_roles (
  id uuid PRIMARY KEY,
  name varchar(100) NOT NULL,
  icon varchar(64) NOT NULL DEFAULT 'supervised_user_circle',
  description text,
  admin_access boolean NOT NULL DEFAULT false,
  app_access boolean NOT NULL DEFAULT true
);

CREATE TABLE directus_users (
  id uuid PRIMARY KEY,
  first_name varchar(50),
  last_name varchar(50),
  email varchar(128) UNIQUE,
  password varchar(255),
  status varchar(16) NOT NULL DEFAULT 'active',
  role uuid REFERENCES directus_roles (id) ON DELETE SET NULL,
  last_access timestamptz,
  provider varchar(128) NOT NULL DEFAULT 'default'
);

CREATE TABLE directus_collections (
  collection varchar(64) PRIMARY KEY,
  icon varchar(30),
  note text,
  hidden boolean NOT NULL DEFAULT false,
  singleton boolean NOT NULL DEFAULT false,
  sort_field varchar(64),
  accountability varchar(255) DEFAULT 'all',
  color varchar(255),
  sort integer,
  "group" varchar(64) REFERENCES directus_collections (collection),
  collapse varchar(255) NOT NULL DEFAULT 'open'
);

CREATE TABLE directus_fields (
  id serial PRIMARY KEY,
  collection varchar(64) NOT NULL REFERENCES directus_collections (collection),
  field varchar(64) NOT NULL,
  special varchar(64),
  interface varchar(64),
  options json,
  display varchar(64),
  readonly boolean NOT NULL DEFAULT false,
  hidden boolean NOT NULL DEFAULT false,
  sort integer,
  width varchar(30) DEFAULT 'full',
  note text,
  UNIQUE (collection, field)
);

CREATE TABLE directus_relations (
  id serial PRIMARY KEY,
  many_collection varchar(64) NOT NULL,
  many_field varchar(64) NOT NULL,
  one_collection varchar(64),
  one_field varchar(64),
  on_delete varchar(30) NOT NULL DEFAULT 'SET NULL'
);

CREATE TABLE directus_permissions (
  id serial PRIMARY KEY,
  role uuid REFERENCES directus_roles (id) ON DELETE CASCADE,
  collection varchar(64) NOT NULL,
  action varchar(10) NOT NULL,
  permissions json,
  validation json,
  fields text
);

CREATE TABLE directus_settings (
  id serial PRIMARY KEY,
  project_name varchar(100) NOT NULL DEFAULT 'Directus',
  project_url varchar(255),
  project_color varchar(255) DEFAULT '#6644FF',
  default_language varchar(255) NOT NULL DEFAULT 'en-US'
);

CREATE TABLE directus_migrations (
  version varchar(255) PRIMARY KEY,
  name varchar(255) NOT NULL,
  "timestamp" timestamptz DEFAULT timestamptz '2026-01-01 00:00:00+00'
);

CREATE TABLE directus_presets (
  id serial PRIMARY KEY,
  bookmark varchar(255),
  "user" uuid REFERENCES directus_users (id) ON DELETE CASCADE,
  collection varchar(64),
  layout varchar(100) DEFAULT 'tabular',
  layout_query json
);

CREATE TABLE directus_activity (
  id serial PRIMARY KEY,
  action varchar(45) NOT NULL,
  "user" uuid,
  "timestamp" timestamptz NOT NULL,
  ip varchar(50),
  user_agent text,
  collection varchar(64) NOT NULL,
  item varchar(255) NOT NULL,
  comment text,
  origin varchar(255)
);
CREATE INDEX directus_activity_collection_idx ON directus_activity (collection, "timestamp");

CREATE TABLE directus_revisions (
  id serial PRIMARY KEY,
  activity integer NOT NULL REFERENCES directus_activity (id) ON DELETE CASCADE,
  collection varchar(64) NOT NULL,
  item varchar(255) NOT NULL,
  data json,
  delta json,
  parent integer REFERENCES directus_revisions (id)
);
CREATE INDEX directus_revisions_activity_idx ON directus_revisions (activity);

INSERT INTO directus_settings (project_name, project_url) VALUES ('One-Roof Governance', 'https://directus.example.internal');

INSERT INTO directus_migrations (version, name, "timestamp")
SELECT format('2026%s%s-%s', lpad((1 + n / 28)::text, 2, '0'), lpad((1 + n % 28)::text, 2, '0'), lpad(n::text, 3, '0')),
       format('migration %s', n), timestamptz '2026-01-01 00:00:00+00' + n * interval '1 day'
FROM generate_series(1, 60) n;

INSERT INTO directus_roles (id, name, description, admin_access)
SELECT md5('role-' || r)::uuid, r, 'role ' || r, r = 'Administrator'
FROM unnest(ARRAY['Administrator', 'Editor', 'Reviewer', 'Governance', 'Viewer', 'Integration']) r;

INSERT INTO directus_users (id, first_name, last_name, email, password, role, last_access)
SELECT md5('user-' || n)::uuid,
       (ARRAY['Ada','Ben','Cleo','Dara','Eli','Fay','Gus','Hana','Ivo','June'])[1 + n % 10],
       (ARRAY['Lind','Okafor','Moreau','Tanaka','Silva','Novak','Berg','Haddad'])[1 + n % 8],
       format('user%s@example.internal', n),
       '$argon2id$v=19$m=65536,t=3,p=4$' || md5('salt' || n),
       md5('role-' || (ARRAY['Administrator','Editor','Reviewer','Governance','Viewer','Integration'])[1 + n % 6])::uuid,
       timestamptz '2026-05-01 08:00:00+00' + n * interval '3 hours'
FROM generate_series(1, 40) n;

-- ---------------------------------------------------------------- the 210 governed collections
-- 30 folder groups (directus_collections rows with no table) x 7 collections (real tables).
DO $gen$
DECLARE
  domains text[] := ARRAY['finance','crm','hr','payroll','procurement','inventory','logistics','fleet',
                          'facilities','legal','compliance','risk','audit','marketing','sales','support',
                          'projects','engineering','quality','research','training','events','content',
                          'media','partners','grants','treasury','tax','security','analytics'];
  things text[] := ARRAY['records','events','contacts','documents','approvals','notes','metrics',
                         'assets','requests','budgets','schedules','vendors','contracts','tickets',
                         'reviews','policies','audits','tasks','reports','accounts','items'];
  g int; k int; d text; c text; rows int; sort int := 0;
BEGIN
  FOR g IN 1 .. array_length(domains, 1) LOOP
    d := domains[g];
    INSERT INTO directus_collections (collection, icon, note, sort, collapse)
    VALUES ('grp_' || d, 'folder', initcap(d) || ' domain', g, 'closed');
    FOR k IN 0 .. 6 LOOP
      c := d || '_' || things[1 + (g * 3 + k * 2) % array_length(things, 1)];
      sort := sort + 1;
      rows := 5 + ('x' || substr(md5(c), 1, 4))::bit(16)::int % 36;
      EXECUTE format($ddl$
        CREATE TABLE %I (
          id serial PRIMARY KEY,
          name text NOT NULL,
          status varchar(20) NOT NULL DEFAULT 'draft',
          amount numeric(12,2),
          metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
          date_created timestamptz NOT NULL,
          user_created uuid REFERENCES directus_users (id)
        )$ddl$, c);
      EXECUTE format($ins$
        INSERT INTO %I (name, status, amount, metadata, date_created, user_created)
        SELECT %L || ' #' || n,
               (ARRAY['draft','published','archived','in_review'])[1 + n %% 4],
               round(((n * 7919) %% 100000) / 100.0, 2),
               jsonb_build_object('source', 'import', 'batch', n / 10, 'tags', jsonb_build_array(%L, 'gen'), 'checksum', md5(%L || n)),
               timestamptz '2026-03-01 09:00:00+00' + n * interval '13 hours',
               md5('user-' || (1 + n %% 40))::uuid
        FROM generate_series(1, %s) n$ins$, c, initcap(replace(c, '_', ' ')), d, c, rows);
      INSERT INTO directus_collections (collection, icon, note, sort, "group", sort_field)
      VALUES (c, 'table_view', initcap(replace(c, '_', ' ')), sort, 'grp_' || d, 'id');
      INSERT INTO directus_fields (collection, field, special, interface, sort)
      VALUES (c, 'id', NULL, 'input', 1), (c, 'name', NULL, 'input', 2), (c, 'status', NULL, 'select-dropdown', 3),
             (c, 'amount', NULL, 'input', 4), (c, 'metadata', 'cast-json', 'input-code', 5),
             (c, 'date_created', 'date-created', 'datetime', 6), (c, 'user_created', 'user-created', 'select-dropdown-m2o', 7);
      INSERT INTO directus_relations (many_collection, many_field, one_collection) VALUES (c, 'user_created', 'directus_users');
      INSERT INTO directus_permissions (role, collection, action, fields)
      SELECT md5('role-' || r)::uuid, c, a, '*'
      FROM unnest(ARRAY['Editor','Reviewer']) r, unnest(ARRAY['read','update']) a;
    END LOOP;
  END LOOP;
END
$gen$;

-- A baseline of audit history (sql/pad_source.sql adds more for benchmarks).
INSERT INTO directus_activity (action, "user", "timestamp", ip, user_agent, collection, item, comment, origin)
SELECT (ARRAY['create','update','update','delete','login'])[1 + n % 5],
       md5('user-' || (1 + n % 40))::uuid,
       timestamptz '2026-05-01 08:00:00+00' + n * interval '7 minutes',
       format('10.%s.%s.%s', n % 7, n % 251, n % 199),
       (ARRAY['Mozilla/5.0 (X11; Linux x86_64) Firefox/139.0','Mozilla/5.0 (Macintosh) Safari/605.1.15','directus-sdk/17.0 node/22'])[1 + n % 3],
       c.collection, (1 + n % 5)::text, NULL, 'https://directus.example.internal'
FROM generate_series(1, 2000) n
JOIN LATERAL (SELECT collection FROM directus_collections WHERE "group" IS NOT NULL ORDER BY collection OFFSET (n * 37) % 210 LIMIT 1) c ON true;

INSERT INTO directus_revisions (activity, collection, item, data, delta)
SELECT a.id, a.collection, a.item,
       json_build_object('id', a.item, 'name', initcap(replace(a.collection, '_', ' ')) || ' #' || a.item, 'status', 'published'),
       json_build_object('status', (ARRAY['draft','published','archived'])[1 + a.id % 3])
FROM directus_activity a WHERE a.action <> 'login';

-- ---------------------------------------------------------------- governance tables
-- FK order for deletes (the runbook's): object -> state -> scan_run -> cursor -> ruleset, then ownership.
CREATE TABLE governance_object_ownership (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  object_type text NOT NULL CHECK (object_type IN ('collection', 'group')),
  object_key text NOT NULL,
  owner_team text NOT NULL,
  steward_email text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (object_type, object_key)
);
COMMENT ON TABLE governance_object_ownership IS 'Who owns each governed object: a collection, or a whole folder group of collections.';

CREATE TABLE governance_ruleset (
  ruleset_version text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('draft', 'shadow', 'active', 'retired')),
  is_active boolean NOT NULL DEFAULT false,
  description text,
  rules jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE governance_ruleset IS 'Versions of the governance rules; an active ruleset enforces on live data.';

CREATE TABLE candidate_scan_run (
  run_id text PRIMARY KEY,
  ruleset_version text NOT NULL REFERENCES governance_ruleset (ruleset_version),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  objects_scanned integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE candidate_scan_run IS 'One scan of the governed collections for governance candidates.';

CREATE TABLE governance_candidate_state (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ruleset_version text NOT NULL REFERENCES governance_ruleset (ruleset_version),
  run_id text NOT NULL REFERENCES candidate_scan_run (run_id),
  candidate_key text NOT NULL,
  state text NOT NULL CHECK (state IN ('new', 'triaged', 'accepted', 'rejected', 'deferred')),
  updated_at timestamptz NOT NULL,
  UNIQUE (ruleset_version, candidate_key)
);
COMMENT ON TABLE governance_candidate_state IS 'A governance candidate found by a scan, and where it stands.';

CREATE TABLE governance_candidate_object (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ruleset_version text NOT NULL REFERENCES governance_ruleset (ruleset_version),
  candidate_state_id bigint NOT NULL REFERENCES governance_candidate_state (id),
  ownership_id bigint REFERENCES governance_object_ownership (id),
  collection text NOT NULL,
  item text NOT NULL
);
COMMENT ON TABLE governance_candidate_object IS 'The objects (collection items) behind each candidate.';

CREATE TABLE gov_worker_cursor (
  worker_name text PRIMARY KEY,
  ruleset_version text REFERENCES governance_ruleset (ruleset_version),
  watermark text NOT NULL,
  events_seen integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE gov_worker_cursor IS 'Each governance worker''s position in the event stream.';

CREATE TABLE gov_emit_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  worker_name text NOT NULL,
  event_type text NOT NULL,
  payload jsonb NOT NULL,
  emitted_at timestamptz NOT NULL
);
COMMENT ON TABLE gov_emit_event IS 'Events governance workers emitted onto the app''s event stream.';

CREATE TABLE gov_worker_lease (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  worker_name text NOT NULL,
  lease_key text NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  released_at timestamptz
);
COMMENT ON TABLE gov_worker_lease IS 'Work leases taken by governance workers; a live one has released_at NULL and expires_at in the future.';

INSERT INTO gov_worker_lease (worker_name, lease_key, acquired_at, expires_at, released_at)
SELECT 'gov-worker-' || (1 + n % 3), 'batch-' || n,
       timestamptz '2026-05-20 00:00:00+00' + n * interval '10 minutes',
       timestamptz '2026-05-20 00:05:00+00' + n * interval '10 minutes',
       CASE WHEN n % 4 = 0 THEN NULL ELSE timestamptz '2026-05-20 00:03:00+00' + n * interval '10 minutes' END
FROM generate_series(1, 48) n;

CREATE TABLE dot_tools (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tool_key text NOT NULL UNIQUE,
  name text NOT NULL,
  category text NOT NULL,
  version text NOT NULL,
  config jsonb NOT NULL,
  enabled boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE dot_tools IS 'The DOT rehearsal tool registry (309 tools).';

INSERT INTO dot_tools (tool_key, name, category, version, config, enabled)
SELECT format('dot.%s.%s', (ARRAY['extract','transform','load','validate','notify','report','sync'])[1 + n % 7], n),
       initcap((ARRAY['extract','transform','load','validate','notify','report','sync'])[1 + n % 7]) || ' tool ' || n,
       (ARRAY['extract','transform','load','validate','notify','report','sync'])[1 + n % 7],
       format('%s.%s.%s', 1 + n % 3, n % 10, n % 7),
       jsonb_build_object('timeout_s', 30 + n % 90, 'retries', n % 4, 'owner', 'dot-team'),
       n % 11 <> 0
FROM generate_series(1, 309) n;

COMMIT;
ANALYZE;
