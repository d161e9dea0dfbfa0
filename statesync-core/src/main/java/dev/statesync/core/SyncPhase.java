package dev.statesync.core;

/** The phase of a handle's work in which an error happened; see {@link SyncErrorContext}. */
public enum SyncPhase {
  /** {@code start()} on a stopped handle. */
  START("start"),
  /** The subscriber failed to subscribe, or {@code unsubscribe()} threw. */
  SUBSCRIBE("subscribe"),
  /** An event could not be handled: null, a throwing filter, an unexpected failure. */
  INVALIDATION("invalidation"),
  /** A role returned null, a target revision was not reached, or a cycle failed otherwise. */
  REFRESH("refresh"),
  /** The provider failed or timed out. */
  GET_SNAPSHOT("getSnapshot"),
  /** The applier failed. */
  APPLY("apply"),
  /** An event or snapshot broke the wire protocol. */
  PROTOCOL("protocol"),
  /** The scheduler refused a throttle timer; the engine fetched at once instead. */
  THROTTLE("throttle");

  private final String wireName;

  SyncPhase(String wireName) {
    this.wireName = wireName;
  }

  /** Returns the phase's name in the TypeScript protocol and in log messages. */
  public String wireName() {
    return wireName;
  }
}
