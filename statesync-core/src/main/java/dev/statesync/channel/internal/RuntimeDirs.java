package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelFileSystemException;
import dev.statesync.channel.ChannelPathTooLongException;
import dev.statesync.channel.ChannelSecurityException;
import dev.statesync.channel.RuntimeDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Resolves, checks and names the runtime directory and the per-group files in it. */
public final class RuntimeDirs {
  private static final Set<Path> CHECKED = ConcurrentHashMap.newKeySet();
  private static final Set<Path> LOGGED = ConcurrentHashMap.newKeySet();
  private static final Set<String> NETWORK_FS = Set.of("nfs", "nfs4", "cifs", "smb", "smb2",
      "smbfs", "afs", "9p", "fuse.sshfs");
  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  private static final boolean LINUX =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");

  private RuntimeDirs() {}

  /**
   * Resolves the directory: option, property, env, XDG, then {@code /tmp/statesync-<uid>}; logs
   * nothing.
   */
  public static RuntimeDirectory resolve(Optional<Path> option) {
    return resolve(option, null);
  }

  /**
   * Resolves the directory as {@link #resolve(Optional)} does and, the first time this JVM
   * resolves a path, logs it and its rule at debug to {@code log} (when not null).
   */
  static RuntimeDirectory resolve(Optional<Path> option, Log log) {
    RuntimeDirectory r;
    if (option.isPresent()) {
      r = new RuntimeDirectory(option.get(), "option");
    } else if (nonEmpty(System.getProperty("statesync.runtimeDir"))) {
      r = new RuntimeDirectory(Paths.get(System.getProperty("statesync.runtimeDir")), "property");
    } else if (nonEmpty(System.getenv("STATESYNC_RUNTIME_DIR"))) {
      r = new RuntimeDirectory(Paths.get(System.getenv("STATESYNC_RUNTIME_DIR")), "env");
    } else if (nonEmpty(System.getenv("XDG_RUNTIME_DIR"))
        && Paths.get(System.getenv("XDG_RUNTIME_DIR")).isAbsolute()) {
      r = new RuntimeDirectory(Paths.get(System.getenv("XDG_RUNTIME_DIR"), "statesync"), "xdg");
    } else if (WINDOWS) {
      r = new RuntimeDirectory(Paths.get(System.getenv("LOCALAPPDATA"), "statesync"),
          "localappdata");
    } else {
      r = new RuntimeDirectory(Paths.get("/tmp", "statesync-" + uid()), "tmp");
    }
    RuntimeDirectory abs = new RuntimeDirectory(r.path().toAbsolutePath().normalize(), r.source());
    if (log != null && LOGGED.add(abs.path())) {
      log.debug("runtime directory", Map.of("path", abs.path().toString(), "source", abs.source()));
    }
    return abs;
  }

  private static boolean nonEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  /** The current user's numeric uid on Unix, or -1 when it cannot be told. */
  public static long uid() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid();
    } catch (Throwable t) {
      return -1;
    }
  }

  /** The platform's limit for a Unix-domain socket path, in UTF-8 bytes. */
  public static int socketPathLimit() {
    return LINUX || WINDOWS ? 107 : 103;
  }

  /**
   * Throws when the socket path is over the platform limit. Runs before any file is created.
   *
   * @throws ChannelPathTooLongException naming the path, its length, the limit and the remedies
   */
  public static void checkSocketPath(Path sock) {
    int len = sock.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
    int limit = socketPathLimit();
    if (len > limit) {
      throw new ChannelPathTooLongException("socket path " + sock + " is " + len
          + " bytes, over the platform limit of " + limit + " bytes; configure a shorter "
          + "runtime directory with -Dstatesync.runtimeDir=<dir> or STATESYNC_RUNTIME_DIR "
          + "(for example /tmp/statesync-" + uid() + "), or use transport TCP "
          + "(-Dstatesync.channel.transport=TCP)");
    }
  }

  /**
   * Creates the directory 0700 if needed and checks it: a real directory, not a symlink, owned by
   * this user, not on a network file system; tightens wider permissions with a WARN.
   */
  static void ensure(RuntimeDirectory rd, Log log) {
    Path dir = rd.path();
    if (CHECKED.contains(dir)) {
      return;
    }
    synchronized (CHECKED) {
      if (CHECKED.contains(dir)) {
        return;
      }
      boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
      try {
        if ("xdg".equals(rd.source()) && !Files.exists(dir.getParent())) {
          throw new ChannelFileSystemException("XDG_RUNTIME_DIR " + dir.getParent()
              + " does not exist; set -Dstatesync.runtimeDir=<dir>");
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
          try {
            if (posix) {
              Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                  PosixFilePermissions.fromString("rwx------")));
            } else {
              Files.createDirectory(dir);
            }
          } catch (FileAlreadyExistsException raced) {
            // Another process created it first; the checks below decide whether it is usable.
          }
        }
        BasicFileAttributes attrs =
            Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isSymbolicLink()) {
          throw new ChannelSecurityException("runtime directory " + dir + " is a symbolic link; "
              + "refusing it because another user could redirect it. Point "
              + "-Dstatesync.runtimeDir (or STATESYNC_RUNTIME_DIR) at a real directory");
        }
        if (!attrs.isDirectory()) {
          throw new ChannelSecurityException("runtime directory " + dir + " is not a directory; "
              + "point -Dstatesync.runtimeDir (or STATESYNC_RUNTIME_DIR) elsewhere");
        }
        if (posix) {
          long owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS))
              .longValue();
          long me = uid();
          if (me >= 0 && owner != me) {
            String ownerName = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
            throw new ChannelSecurityException("runtime directory " + dir + " is owned by "
                + ownerName + " (uid " + owner + "), not by this user (uid " + me + "); "
                + "use a directory of your own with -Dstatesync.runtimeDir=<dir> or "
                + "STATESYNC_RUNTIME_DIR");
          }
          Set<PosixFilePermission> perms =
              Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
          if (!PosixFilePermissions.fromString("rwx------").containsAll(perms)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            log.warn("runtime directory " + dir + " had permissions "
                + PosixFilePermissions.toString(perms) + "; changed them to rwx------");
          }
        }
        String type = Files.getFileStore(dir).type().toLowerCase(Locale.ROOT);
        if (NETWORK_FS.contains(type)) {
          String msg = "runtime directory " + dir + " is on a network file system (" + type
              + "), where locks and sockets are unreliable; use a local directory";
          if (Boolean.getBoolean("statesync.channel.allowNetworkFs")) {
            log.warn(msg + " (allowed by statesync.channel.allowNetworkFs)");
          } else {
            throw new ChannelFileSystemException(msg
                + " or set -Dstatesync.channel.allowNetworkFs=true");
          }
        }
      } catch (IOException e) {
        throw new ChannelFileSystemException("cannot create or check runtime directory " + dir
            + ": " + e + "; set -Dstatesync.runtimeDir=<dir> to a writable local directory", e);
      }
      CHECKED.add(dir);
    }
  }

  /** The 16-character base32 hash naming a group's files. */
  public static String hash(String kind, String name) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest(("statesync/1/" + kind + "/" + name).getBytes(StandardCharsets.UTF_8));
      return base32(d, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  private static String base32(byte[] data, int n) {
    final String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    StringBuilder sb = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (int i = 0; i < n; i++) {
      buffer = (buffer << 8) | (data[i] & 0xff);
      bits += 8;
      while (bits >= 5) {
        sb.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      sb.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return sb.toString();
  }

  /** Validates a group name: non-empty, at most 256 UTF-8 bytes. */
  public static String checkName(String name) {
    if (name == null) {
      throw new NullPointerException("name");
    }
    int len = name.getBytes(StandardCharsets.UTF_8).length;
    if (len == 0 || len > 256) {
      throw new IllegalArgumentException("name must be 1 .. 256 UTF-8 bytes, got " + len);
    }
    return name;
  }
}
