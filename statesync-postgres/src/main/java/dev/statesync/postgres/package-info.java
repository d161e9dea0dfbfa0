/**
 * The cross-host transport on PostgreSQL: {@link dev.statesync.postgres.PostgresStateStore}
 * keeps each topic in a revisioned row and notifies on every committed write,
 * {@link dev.statesync.postgres.PostgresInvalidationSubscriber} listens,
 * {@link dev.statesync.postgres.PostgresSnapshotProvider} reads the row for a handle, and
 * {@link dev.statesync.postgres.PostgresHostCoordination} lets one process per host do both.
 */
package dev.statesync.postgres;
