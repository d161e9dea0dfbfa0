package dev.statesync.channel;

/** Told when an election instance gains or loses leadership. */
@FunctionalInterface
public interface LeadershipListener {
  /**
   * Called whenever {@code isLeader()} changes, with the epoch of the term gained or lost. Runs on
   * the instance's dispatch queue (the options' executor).
   */
  void changed(boolean leader, long epoch);
}
