-- The statesync state table: one row per topic.
--
-- PostgresStateStore runs this statement on demand (idempotent), with the table name it was
-- configured with in place of statesync_state. To create the table yourself (for example from
-- a migration tool, with a role that may not run DDL at runtime), run it as written or with your
-- own table name, and build the store with createSchema(false).
--
--   topic      the statesync topic (1-256 UTF-16 units; the store validates it before writing)
--   epoch      a random id created with the row. A re-created row is a new incarnation.
--              The epoch a client sees is <system identifier>.<timeline>.<table oid>.<epoch>,
--              so a restore into a new cluster, a point-in-time recovery (new timeline) and a
--              re-created table are epoch changes as well.
--   revision   raised by exactly one on every committed write. A bigint: this backend's
--              revisions stop at 2^63 - 1 (9223372036854775807); a write beyond it fails.
--   data       the topic's state as JSON
--   source_id  the id of the process that made the last write (informational)
--   updated_at the writer's clock at the last write (informational; never orders anything)
--
-- Needs PostgreSQL 13 or later (gen_random_uuid() in core).
CREATE TABLE IF NOT EXISTS statesync_state (
  topic      text        NOT NULL PRIMARY KEY,
  epoch      uuid        NOT NULL DEFAULT gen_random_uuid(),
  revision   bigint      NOT NULL CHECK (revision >= 0),
  data       jsonb,
  source_id  text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
