package dev.statesync.channel.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads Linux's {@code /proc/locks}: which processes hold or wait for a POSIX lock on an inode. */
final class ProcLocks {
  private ProcLocks() {}

  /**
   * The POSIX locks on inode {@code ino} held or awaited by one of {@code pids}, each as
   * {@code {pid, blocked}} with {@code blocked} 1 for a waiter ({@code ->} lines), else 0.
   */
  static List<long[]> on(long ino, Set<Long> pids) {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/locks"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<long[]> out = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      int k = 1;
      boolean blocked = false;
      if (f.length > k && f[k].equals("->")) {
        blocked = true;
        k++;
      }
      // Then: POSIX ADVISORY WRITE <pid> <maj:min:ino> <start> <end>
      if (f.length < k + 5 || !f[k].equals("POSIX")) {
        continue;
      }
      long pid = Long.parseLong(f[k + 3]);
      String[] dev = f[k + 4].split(":");
      if (dev.length != 3 || Long.parseLong(dev[2]) != ino || !pids.contains(pid)) {
        continue;
      }
      out.add(new long[] {pid, blocked ? 1 : 0});
    }
    return out;
  }
}
