-- The Iceberg JDBC catalog's own database (catalog.uri in deploy/compose/permafrost.yaml);
-- Iceberg creates its two tables in it on first use.
CREATE DATABASE iceberg;
