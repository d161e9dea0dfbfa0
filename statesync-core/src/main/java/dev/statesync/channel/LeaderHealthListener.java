package dev.statesync.channel;

/**
 * Told when the leader stops or resumes sending. Purely informative: it never starts an election,
 * only the OS lock decides who leads.
 */
public interface LeaderHealthListener {
  /** Nothing arrived from the leader for {@code leaderTimeout}; called once per episode. */
  void unresponsive(long epoch, MemberInfo leader);

  /** Frames arrive again from the leader of {@code epoch}. */
  void recovered(long epoch);
}
