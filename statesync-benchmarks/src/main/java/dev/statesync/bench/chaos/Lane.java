package dev.statesync.bench.chaos;

/**
 * One synced topic of one source. The topic name is also the persistence key of the lane, so
 * it is unique across sources: with {@code --source both} the PostgreSQL lanes are named
 * {@code pg_<topic>}.
 */
record Lane(SourceKind source, String topic) {
  /** The form used in worker arguments: {@code <source id>:<topic>}. */
  String arg() {
    return source.id + ":" + topic;
  }

  static Lane parse(String arg) {
    int colon = arg.indexOf(':');
    return new Lane(SourceKind.ofId(arg.substring(0, colon)), arg.substring(colon + 1));
  }
}
