package dev.statesync.channel;

/** Told when JVMs join or leave a channel group, in the channel's total order. */
public interface MembershipListener {
  /** A member joined. Runs on the instance's dispatch queue. */
  void joined(MemberInfo member);

  /**
   * A member left; {@code clean} is true exactly when it said goodbye (closed or shut down) rather
   * than crashing or being disconnected. Runs on the instance's dispatch queue.
   */
  void left(MemberInfo member, boolean clean);
}
