-- The sample table of 'permafrost demo' (DemoCommand.SCHEMA and its sample rows): 30,000 rows
-- over the three days before the database was created (UTC), about 20 % of the nullable values
-- NULL. ComposeInitSqlIT checks that this table matches the demo's, column for column.

CREATE TABLE permanent_data_items (
  data_item_id bytea PRIMARY KEY,
  owner_public_address bytea NOT NULL,
  byte_count bigint NOT NULL,
  uploaded_date timestamptz NOT NULL,
  assessed_winston_price numeric(20,0) NOT NULL,
  plan_id uuid NOT NULL,
  planned_date timestamptz NOT NULL,
  bundle_id bytea,
  permanent_date timestamptz,
  block_height integer,
  data_start integer,
  signature_type smallint,
  failed_bundles bytea[],
  content_type varchar,
  premium_feature_type varchar,
  deadline_height integer
);
CREATE INDEX permanent_data_items_uploaded_date ON permanent_data_items (uploaded_date);
-- Permafrost refuses tables whose out-of-line (TOAST) columns could reach it as placeholders.
ALTER TABLE permanent_data_items REPLICA IDENTITY FULL;

INSERT INTO permanent_data_items
SELECT
  sha256(('item' || g)::bytea),
  sha256(('owner' || (g % 97))::bytea),
  (g::bigint * 7919) % 10000000,
  s.t0 + (g::float8 / 30001) * interval '3 days',
  ((g::bigint * 104729) % 1000000000)::numeric * 1000000,
  md5('plan' || (g % 13))::uuid,
  s.t0 + (g::float8 / 30001) * interval '3 days' + interval '5 minutes',
  CASE WHEN g % 5 = 0 THEN NULL ELSE sha256(('bundle' || (g / 100))::bytea) END,
  CASE WHEN g % 5 = 1 THEN NULL ELSE s.t0 + (g::float8 / 30001) * interval '3 days' + interval '1 hour' END,
  1500000 + g / 50,
  CASE WHEN g % 5 = 2 THEN NULL ELSE g % 4096 END,
  CASE WHEN g % 5 = 3 THEN NULL ELSE (g % 4)::smallint END,
  CASE WHEN g % 5 = 4 THEN NULL ELSE ARRAY[sha256(('failed' || g)::bytea)] END,
  CASE WHEN g % 5 = 0 THEN NULL ELSE (ARRAY['image/png','application/json','text/html'])[g % 3 + 1] END,
  CASE WHEN g % 5 = 1 THEN NULL ELSE 'default' END,
  CASE WHEN g % 5 = 2 THEN NULL ELSE 1500000 + g / 50 + 200 END
FROM generate_series(1, 30000) g,
     (SELECT (date_trunc('day', now() AT TIME ZONE 'UTC') - interval '3 days') AT TIME ZONE 'UTC' AS t0) s;
