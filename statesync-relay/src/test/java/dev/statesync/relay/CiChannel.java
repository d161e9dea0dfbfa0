package dev.statesync.relay;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;

/** Channel options and the wait bound of the relay tests, sized for a loaded 2-core CI machine. */
final class CiChannel {
  /** The bound of every wait in the relay tests: the child-JVM launcher's, 60 s. */
  static final Duration BOUND = ChildJvm.WAIT;

  private CiChannel() {}

  /**
   * Channel options for tests: the given runtime directory, and open and post timeouts of
   * {@link #BOUND} (the defaults of 5 s are for production).
   */
  static ChannelOptions.Builder options(Path runtimeDir) {
    return ChannelOptions.builder().runtimeDir(runtimeDir).openTimeout(BOUND).postTimeout(BOUND);
  }
}
