package dev.statesync.channel;

import dev.statesync.channel.internal.RuntimeDirs;
import java.util.Objects;

/** Host-level facts about channels, for diagnostics: which directory processes meet in. */
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
}
