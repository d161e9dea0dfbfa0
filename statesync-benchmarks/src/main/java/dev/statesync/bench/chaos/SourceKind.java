package dev.statesync.bench.chaos;

/** A kind of source of truth the chaos run syncs from. */
enum SourceKind {
  /** The controller's {@link TruthServer}: HTTP snapshots and an SSE event stream. */
  HTTP("http"),
  /** A PostgreSQL table: compare-and-set writes, {@code LISTEN/NOTIFY} hints, row reads. */
  POSTGRES("pg");

  /** The short name used in worker arguments, report lines and host channel names. */
  final String id;

  SourceKind(String id) {
    this.id = id;
  }

  static SourceKind ofId(String id) {
    for (SourceKind k : values()) {
      if (k.id.equals(id)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown source kind " + id);
  }
}
