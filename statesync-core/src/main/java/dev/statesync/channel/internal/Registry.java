package dev.statesync.channel.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-JVM, reference-counted registry of groups (CHAN-23). POSIX locks belong to the process,
 * so closing a second descriptor of a lock file would silently drop the lock: the file is opened
 * exactly once per JVM, and a new entry waits until the previous one has closed its descriptor.
 */
final class Registry {
  private static final Map<Path, GroupMember> GROUPS = new HashMap<>();
  private static final AtomicInteger LOCK_OPENS = new AtomicInteger();
  private static boolean hookInstalled;

  private Registry() {}

  static void countLockOpen() {
    LOCK_OPENS.incrementAndGet();
  }

  /** How many times this JVM opened a lock file (exposed to test hooks only). */
  static int lockOpens() {
    return LOCK_OPENS.get();
  }

  /** The groups of this kind and name open in this JVM (for test hooks). */
  static List<GroupMember> find(String kind, String name) {
    List<GroupMember> out = new ArrayList<>();
    synchronized (GROUPS) {
      for (GroupMember g : GROUPS.values()) {
        if (g.cfg.kind().equals(kind) && g.cfg.name().equals(name)) {
          out.add(g);
        }
      }
    }
    return out;
  }

  /** Takes a reference on the group, creating and starting it when this JVM has none. */
  static GroupMember acquire(GroupConfig cfg) {
    if (cfg.transport() != dev.statesync.channel.Transport.TCP) {
      GroupMember probe = new GroupMember(cfg);
      RuntimeDirs.checkSocketPath(probe.sockPath);
    }
    RuntimeDirs.ensure(cfg.dir(), cfg.log());
    while (true) {
      GroupMember previous;
      synchronized (GROUPS) {
        installHook();
        GroupMember tmp = new GroupMember(cfg);
        Path key;
        try {
          key = tmp.lockPath.getParent().toRealPath().resolve(tmp.lockPath.getFileName());
        } catch (IOException e) {
          throw new dev.statesync.channel.ChannelFileSystemException("cannot resolve "
              + tmp.lockPath.getParent() + ": " + e, e);
        }
        GroupMember g = GROUPS.get(key);
        if (g == null) {
          tmp.refs = 1;
          try {
            tmp.start();
          } catch (IOException e) {
            throw new dev.statesync.channel.ChannelFileSystemException("cannot open the lock file "
                + "of " + tmp.label() + " in " + cfg.dir().path() + ": " + e, e);
          }
          GROUPS.put(key, tmp);
          return tmp;
        }
        if (!g.terminating) {
          g.refs++;
          return g;
        }
        previous = g;
      }
      previous.terminated.join();
    }
  }

  /** Drops a reference; the last one leaves the group and closes the lock file. */
  static void release(GroupMember g, long timeoutNanos) {
    synchronized (GROUPS) {
      if (--g.refs > 0) {
        return;
      }
      g.terminating = true;
    }
    try {
      g.shutdown(timeoutNanos);
    } finally {
      synchronized (GROUPS) {
        GROUPS.values().remove(g);
      }
    }
  }

  private static void installHook() {
    if (hookInstalled) {
      return;
    }
    hookInstalled = true;
    Runtime.getRuntime().addShutdownHook(new Thread(Registry::shutdownAll,
        "statesync-shutdown"));
  }

  /** CHAN-59: hands every group over cleanly within 500 ms in total. */
  private static void shutdownAll() {
    List<GroupMember> all;
    synchronized (GROUPS) {
      all = new ArrayList<>(GROUPS.values());
      for (GroupMember g : all) {
        g.terminating = true;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
    List<Thread> threads = new ArrayList<>();
    for (GroupMember g : all) {
      threads.add(Threads.start("statesync-shutdown-" + g.cfg.name(),
          () -> g.shutdown(Math.max(1, deadline - System.nanoTime() - 100_000_000L))));
    }
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
