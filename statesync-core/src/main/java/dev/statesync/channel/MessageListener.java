package dev.statesync.channel;

/** Receives messages of a channel instance, on that instance's serial dispatch queue. */
@FunctionalInterface
public interface MessageListener {
  /**
   * Called once per message posted by another instance, in the channel's total order. Runs on the
   * options' executor, never on a library I/O thread and never concurrently with another listener
   * of the same instance. An exception is logged and does not affect later messages.
   */
  void onMessage(Message message);
}
