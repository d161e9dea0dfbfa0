package dev.statesync.channel;

/** Why an instance may have missed messages and must treat derived state as possibly stale. */
public enum ResyncReason {
  /** The hub crashed; messages it had accepted may be lost. */
  LEADER_LOST,
  /** A reconnect could not be covered by the hub's replay ring. */
  REPLAY_UNAVAILABLE,
  /** This instance's listeners fell behind and its local queue overflowed. */
  SLOW_SUBSCRIBER
}
