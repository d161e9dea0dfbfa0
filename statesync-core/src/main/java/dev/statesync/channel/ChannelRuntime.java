package dev.statesync.channel;

import dev.statesync.channel.internal.RuntimeDirs;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import java.util.Objects;

/**
 * Host-level facts about channels: which directory processes meet in, and the default logger.
 */
public final class ChannelRuntime {
  private ChannelRuntime() {}

  /**
   * The runtime directory {@code options} resolve to and the rule that chose it (option,
   * property, env, xdg, tmp). Processes that must see each other must get the same path.
   * Creates nothing.
   */
  public static RuntimeDirectory runtimeDirectory(ChannelOptions options) {
    Objects.requireNonNull(options, "options");
    return RuntimeDirs.resolve(options.runtimeDir());
  }

  /**
   * The logger channels, elections and host coordinators use when their options name none:
   * {@link Loggers#defaultLogger(String)} on {@code dev.statesync.channel}, that is the SLF4J
   * adapter when slf4j-api and a provider are on the class path, else a console logger on
   * {@code System.err} that drops debug entries.
   */
  public static Logger defaultLogger() {
    return DefaultLogger.INSTANCE;
  }

  private static final class DefaultLogger {
    static final Logger INSTANCE = Loggers.defaultLogger("dev.statesync.channel");
  }
}
