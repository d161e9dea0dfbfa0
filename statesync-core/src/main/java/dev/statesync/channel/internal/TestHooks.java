package dev.statesync.channel.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Fault injection for the multi-process acceptance tests (CHAN-64), active only when the JVM runs
 * with {@code -Dstatesync.channel.testHooks=true}; every method throws otherwise. Not API.
 */
public final class TestHooks {
  /** Whether the hooks are enabled in this JVM. */
  public static final boolean ENABLED = Boolean.getBoolean("statesync.channel.testHooks");

  private TestHooks() {}

  private static void check() {
    if (!ENABLED) {
      throw new IllegalStateException("channel test hooks are disabled; run with "
          + "-Dstatesync.channel.testHooks=true");
    }
  }

  /** How many times this JVM opened a lock file, over all groups. */
  public static int lockOpens() {
    check();
    return Registry.lockOpens();
  }

  /**
   * Stops (or resumes) reading frames from the hub on this JVM's follower link of the group. The
   * frame being read when the pause starts is still processed; later ones wait in the socket.
   */
  public static void pauseReading(String kind, String name, boolean paused) {
    for (FollowerLink l : links(kind, name)) {
      l.pauseReading(paused);
    }
  }

  /**
   * Closes this JVM's connection to the hub of the group as a network fault would: frames not yet
   * read are lost, and the link reconnects with its cursor. Ends a pause.
   */
  public static void dropConnection(String kind, String name) {
    for (FollowerLink l : links(kind, name)) {
      l.drop();
    }
  }

  private static List<FollowerLink> links(String kind, String name) {
    check();
    List<FollowerLink> out = new ArrayList<>();
    for (GroupMember g : Registry.find(kind, name)) {
      synchronized (g) {
        if (g.link != null) {
          out.add(g.link);
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException(kind + " \"" + name + "\" has no follower link in this JVM");
    }
    return out;
  }
}
