package dev.statesync.core;

/**
 * The provider kept returning snapshots older than a revision an event announced, through every
 * re-arm the handle allows ({@code rearmLimit}). Reported under {@link SyncPhase#REFRESH}; the
 * handle then stops chasing that target until the next event.
 */
public final class TargetRevisionNotReachedException extends StateSyncException {
  private static final long serialVersionUID = 1L;

  private final transient Revision target;
  private final transient Revision local;

  /** Creates the exception for a {@code target} announced by events and the {@code local} revision reached. */
  public TargetRevisionNotReachedException(Revision target, Revision local) {
    super("provider did not reach revision " + target + " announced by events; stuck at " + local);
    this.target = target;
    this.local = local;
  }

  /** Returns the revision events announced. */
  public Revision target() {
    return target;
  }

  /** Returns the revision the handle reached. */
  public Revision local() {
    return local;
  }
}
