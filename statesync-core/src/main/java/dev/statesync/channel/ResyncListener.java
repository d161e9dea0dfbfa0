package dev.statesync.channel;

/** Told when an instance may have missed messages. */
@FunctionalInterface
public interface ResyncListener {
  /**
   * Called in delivery order: every message before the discontinuity precedes it, every message
   * after follows it. Runs on the instance's dispatch queue.
   */
  void onResync(ResyncReason reason);
}
