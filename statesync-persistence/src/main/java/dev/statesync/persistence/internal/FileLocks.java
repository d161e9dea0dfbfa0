package dev.statesync.persistence.internal;

import dev.statesync.persistence.LockTimeoutException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The JVM-wide registry of per-key lock files. POSIX record locks belong to the process, and
 * closing any channel on a file drops every lock the JVM holds on it, so each lock file is
 * opened through exactly one reference-counted channel, and a fair semaphore orders the threads
 * of this JVM before they contend with other processes through {@link FileChannel#tryLock()}.
 */
public final class FileLocks {
  private static final Map<Path, Entry> ENTRIES = new HashMap<>();
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private FileLocks() {}

  /** A held lock; closing it releases the file lock, then the permit, then the reference. */
  public interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  private static final class Entry {
    final Semaphore permit = new Semaphore(1, true);
    FileChannel channel;
    int refs;
  }

  /**
   * Acquires the in-JVM permit and the cross-process lock on {@code lockFile} within
   * {@code timeoutNanos}.
   *
   * @throws LockTimeoutException if either is not acquired in time
   * @throws IOException if the lock file cannot be opened or locked
   */
  public static Held acquire(Path lockFile, long timeoutNanos, Set<StandardOpenOption> options,
      FileAttribute<?>[] attributes) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    Path path = lockFile.toAbsolutePath().normalize();
    Entry entry = reference(path, options, attributes);
    boolean permitted = false;
    try {
      permitted = entry.permit.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS);
      if (!permitted) {
        throw timeout(path, timeoutNanos);
      }
      long backoff = TimeUnit.MILLISECONDS.toNanos(1);
      while (true) {
        FileLock lock = entry.channel.tryLock();
        if (lock != null) {
          return () -> {
            try {
              lock.release();
            } finally {
              entry.permit.release();
              unreference(path, entry);
            }
          };
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw timeout(path, timeoutNanos);
        }
        // Another process holds it; poll with a doubling backoff, since the OS offers no
        // interruptible timed wait on a file lock.
        LockSupport.parkNanos(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for lock " + path, e);
    } catch (IOException | RuntimeException e) {
      if (permitted) {
        entry.permit.release();
      }
      unreference(path, entry);
      throw e;
    }
  }

  private static LockTimeoutException timeout(Path path, long timeoutNanos) {
    return new LockTimeoutException("lock " + path + " not acquired within "
        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms; another writer holds it");
  }

  private static Entry reference(Path path, Set<StandardOpenOption> options,
      FileAttribute<?>[] attributes) throws IOException {
    synchronized (ENTRIES) {
      Entry entry = ENTRIES.computeIfAbsent(path, p -> new Entry());
      if (entry.channel == null) {
        try {
          entry.channel = FileChannel.open(path, options, attributes);
        } catch (IOException | RuntimeException e) {
          if (entry.refs == 0) {
            ENTRIES.remove(path);
          }
          throw e;
        }
      }
      entry.refs++;
      return entry;
    }
  }

  private static void unreference(Path path, Entry entry) throws IOException {
    synchronized (ENTRIES) {
      if (--entry.refs == 0) {
        ENTRIES.remove(path);
        FileChannel channel = entry.channel;
        entry.channel = null;
        channel.close();
      }
    }
  }
}
