package dev.statesync.postgres;

/**
 * A writer host for the race test: {@code count} read-modify-write updates of {@code topic},
 * each raising the tally by one. Prints {@code DONE <succeeded> <failed>} and exits.
 *
 * <p>Arguments: jdbcUrl table channel topic count.
 */
public final class WriterMain {
  private WriterMain() {}

  public static void main(String[] args) {
    PostgresStateStore store = PostgresStateStore.builder()
        .jdbcUrl(args[0]).tableName(args[1]).channel(args[2]).build();
    String topic = args[3];
    int count = Integer.parseInt(args[4]);
    int ok = 0;
    int failed = 0;
    for (int i = 0; i < count; i++) {
      try {
        store.update(topic, Tally.class, t -> new Tally(t == null ? 1 : t.count() + 1));
        ok++;
      } catch (RevisionConflictException e) {
        failed++;
      }
    }
    System.out.println("DONE " + ok + " " + failed);
    System.out.flush();
  }
}
