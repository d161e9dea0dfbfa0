package dev.statesync.channel;

/**
 * Where this JVM stands in a group. Transitions: {@code JOINING -> HUB | FOLLOWER},
 * {@code FOLLOWER -> RECONNECTING -> HUB | FOLLOWER}, {@code FOLLOWER <-> UNRESPONSIVE}, and any
 * status to {@code CLOSED}.
 */
public enum ChannelStatus {
  /** Opening: neither holding the lock nor connected to a hub yet. */
  JOINING,
  /** This JVM holds the lock, sequences every message and fans it out. */
  HUB,
  /** Connected to the hub of another JVM. */
  FOLLOWER,
  /** The connection to the hub ended; retrying while competing for the lock. */
  RECONNECTING,
  /** Connected, but the hub has been silent for longer than {@code leaderTimeout}. */
  UNRESPONSIVE,
  /** The instance is closed. */
  CLOSED
}
