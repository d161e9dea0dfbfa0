package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.RuntimeDirectory;
import dev.statesync.channel.Transport;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The per-JVM settings of a group, fixed by the first instance opened in the JVM, including the
 * log that the group's lock, hub and connection entries go to.
 */
record GroupConfig(boolean channel, String name, RuntimeDirectory dir, Transport transport,
    int maxMessageBytes, long postTimeoutNanos, long closeTimeoutNanos, long heartbeatNanos,
    long leaderTimeoutNanos, int replayFrames, long replayBytes, int subscriberQueueFrames,
    long subscriberQueueBytes, long pendingPostBytes, long rejoinGraceNanos,
    long relinquishCooldownNanos, Log log) {

  static GroupConfig of(String name, ChannelOptions o) {
    Log log = Log.of(o.logger());
    return new GroupConfig(true, name, RuntimeDirs.resolve(o.runtimeDir(), log),
        transport(o.transport()), o.maxMessageBytes(), o.postTimeout().toNanos(),
        o.closeTimeout().toNanos(), o.heartbeatInterval().toNanos(), o.leaderTimeout().toNanos(),
        o.replayFrames(), o.replayBytes(), o.subscriberQueueFrames(), o.subscriberQueueBytes(),
        o.pendingPostBytes(), o.rejoinGrace().toNanos(), Duration.ofMillis(100).toNanos(), log);
  }

  static GroupConfig of(String name, ElectionOptions o) {
    Log log = Log.of(o.logger());
    return new GroupConfig(false, name, RuntimeDirs.resolve(o.runtimeDir(), log),
        transport(o.transport()), 1, Duration.ofSeconds(5).toNanos(), o.closeTimeout().toNanos(),
        o.heartbeatInterval().toNanos(), o.leaderTimeout().toNanos(), 0, 0, 16_384,
        8L * 1024 * 1024, 1024 * 1024, Duration.ofMillis(500).toNanos(),
        o.relinquishCooldown().toNanos(), log);
  }

  /** Resolves AUTO/UNIX/TCP from the option, the property, then the environment. */
  static Transport transport(Optional<Transport> option) {
    if (option.isPresent()) {
      return option.get();
    }
    String v = System.getProperty("statesync.channel.transport");
    if (v == null || v.isEmpty()) {
      v = System.getenv("STATESYNC_CHANNEL_TRANSPORT");
    }
    if (v == null || v.isEmpty()) {
      return Transport.AUTO;
    }
    try {
      return Transport.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("statesync.channel.transport must be AUTO, UNIX or TCP, "
          + "got " + v);
    }
  }

  String kind() {
    return channel ? "channel" : "election";
  }
}
