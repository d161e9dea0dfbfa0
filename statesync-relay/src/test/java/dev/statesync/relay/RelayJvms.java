package dev.statesync.relay;

import dev.statesync.testkit.ChildJvm;
import java.time.Duration;

/**
 * Starts the relay's test programs ({@link SourceProcess}, {@link MirrorProcess}) in child JVMs
 * with the shared launcher. Both print {@code ready} once their channel is open and answer each
 * command with one {@code ok} line, so tests drive them with {@link ChildJvm#ask}.
 */
final class RelayJvms {
  private RelayJvms() {}

  /**
   * Starts {@code main} with {@code args} in a JVM of at most 256 MB heap and returns once it
   * printed {@code ready}. {@link ChildJvm#close()} kills it at once: the tests end with the
   * programs' state no longer needed.
   */
  static ChildJvm start(String name, Class<?> main, String... args) {
    return ChildJvm.builder(name, main).args(args).jvmOption("-Xmx256m")
        .closeGrace(Duration.ZERO).readyLine("ready").start();
  }
}
