package dev.statesync.persistence.file;

import dev.statesync.core.StateSync;
import dev.statesync.core.Topics;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.persistence.CorruptRecordException;
import dev.statesync.persistence.CorruptRecordException.Reason;
import dev.statesync.persistence.Limits;
import dev.statesync.persistence.PersistenceException;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.RecordTooLargeException;
import dev.statesync.persistence.StorageBackend;
import dev.statesync.persistence.WriteMode;
import dev.statesync.persistence.WriteResult;
import dev.statesync.persistence.WriteStatus;
import dev.statesync.persistence.internal.FileLocks;
import dev.statesync.persistence.internal.HeaderJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Stores one record file per key in a directory, shared safely by every thread and process of
 * the host that uses the same directory.
 *
 * <p><b>Files.</b> A key {@code k} has the base name {@code safe(k) + "~" + h16(k)}, where
 * {@code safe} keeps {@code [A-Za-z0-9._-]}, maps every other char to {@code _}, turns a leading
 * {@code .} into {@code _} and truncates to 64 chars, and {@code h16} is the first 16 hex digits
 * of the SHA-256 of the key's UTF-8 bytes. Data lives in {@code <base>.ssrec}, the lock in
 * {@code <base>.lock}, temp files in {@code <base>.<16 hex>.tmp}, quarantined records in
 * {@code <base>.corrupt-<epochMillis>}. No file is ever created outside the directory, and keys
 * that differ only in case get different files.
 *
 * <p><b>Guarantees.</b> A write takes the per-key JVM permit and an exclusive OS file lock on the
 * dedicated lock file (within {@code lockTimeout}, else {@link
 * dev.statesync.persistence.LockTimeoutException}), deletes stray temp files, re-reads the data
 * file and applies {@link RecordFormat#decideWrite} in MONOTONIC mode, writes a {@code 0600} temp
 * file, fsyncs it, renames it over the data file with {@code ATOMIC_MOVE} (never a non-atomic
 * fallback) and fsyncs the directory. At every instant the data file is absent, the complete old
 * record or the complete new record; a completed write survives a process crash, and with
 * {@code fsync} on, power loss on file systems that honour fsync. Reads take no lock and refuse
 * symbolic links ({@link Reason#NOT_REGULAR_FILE}).
 *
 * <p><b>Threads.</b> Every operation runs on the configured executor; methods return at once.
 * After {@link #close()}, every operation throws {@link IllegalStateException}; in-flight
 * operations still complete.
 */
public final class FileStorageBackend implements StorageBackend {
  private static final String DATA_SUFFIX = ".ssrec";
  private static final boolean POSIX =
      java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<String> NETWORK_FS =
      Set.of("nfs", "nfs4", "cifs", "smb", "smbfs", "smb2");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path directory;
  private final long lockTimeoutNanos;
  private final boolean fsync;
  private final Limits limits;
  private final Executor executor;
  private final Logger logger;
  private final Mover mover;
  private volatile boolean closed;

  private FileStorageBackend(Builder b) {
    this.directory = b.directory.toAbsolutePath().normalize();
    this.lockTimeoutNanos = b.lockTimeout.toNanos();
    this.fsync = b.fsync;
    this.limits = b.limits;
    this.executor = b.executor;
    this.logger = b.logger;
    this.mover = b.mover;
    prepareDirectory();
  }

  /**
   * Returns a builder for a backend on {@code directory}.
   *
   * @throws NullPointerException if {@code directory} is null
   */
  public static Builder builder(Path directory) {
    return new Builder(Objects.requireNonNull(directory, "directory"));
  }

  /** Returns the directory, absolute and normalized. */
  public Path directory() {
    return directory;
  }

  /**
   * Returns the data file of {@code key}, inside {@link #directory()}.
   *
   * @throws IllegalArgumentException if the key breaks the topic rules
   */
  public Path dataFile(String key) {
    return directory.resolve(baseName(Topics.validate(key)) + DATA_SUFFIX);
  }

  /** Returns {@code file}. */
  @Override
  public String name() {
    return "file";
  }

  @Override
  public CompletionStage<Optional<byte[]>> read(String key) {
    String base = checked(key);
    return run(() -> readData(dataPath(base)));
  }

  @Override
  public CompletionStage<WriteResult> write(String key, byte[] record, WriteMode mode) {
    String base = checked(key);
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(mode, "mode");
    byte[] bytes = record.clone();
    return run(() -> doWrite(key, base, bytes, mode));
  }

  @Override
  public CompletionStage<Boolean> delete(String key) {
    String base = checked(key);
    return run(() -> {
      try (FileLocks.Held held = lock(base)) {
        deleteStrayTemps(base);
        boolean existed = Files.deleteIfExists(dataPath(base));
        if (existed) {
          syncDirectory();
        }
        return existed;
      }
    });
  }

  @Override
  public CompletionStage<Boolean> quarantine(String key, byte[] observed) {
    String base = checked(key);
    Objects.requireNonNull(observed, "observed");
    byte[] expected = observed.clone();
    return run(() -> {
      try (FileLocks.Held held = lock(base)) {
        Path data = dataPath(base);
        byte[] current = readRaw(data);
        if (current == null || !Arrays.equals(current, expected)) {
          return false;
        }
        Path target = directory.resolve(base + ".corrupt-" + System.currentTimeMillis());
        Files.move(data, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory();
        logger.warn("quarantined corrupt record", Map.of("key", key, "file", target.toString()));
        return true;
      }
    });
  }

  @Override
  public CompletionStage<Set<String>> keys() {
    checkOpen();
    return run(() -> {
      Set<String> keys = new HashSet<>();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + DATA_SUFFIX)) {
        for (Path file : files) {
          String fileName = file.getFileName().toString();
          try {
            byte[] bytes = readData(file).orElse(null);
            if (bytes == null) {
              continue;
            }
            String key = HeaderJson.peekKey(bytes).orElseThrow(() ->
                new CorruptRecordException(Reason.BAD_HEADER, "no readable key"));
            RecordFormat.readHeader(bytes, key);
            if (!fileName.equals(baseName(key) + DATA_SUFFIX)) {
              throw new CorruptRecordException(Reason.KEY_MISMATCH,
                  "record for key \"" + key + "\" is stored under another key's file name");
            }
            keys.add(key);
          } catch (PersistenceException e) {
            logger.warn("skipping unreadable record file",
                Map.of("file", fileName, "error", e.getMessage()));
          }
        }
      }
      return Set.copyOf(keys);
    });
  }

  /** Marks the backend closed; idempotent. In-flight operations still complete. */
  @Override
  public void close() {
    closed = true;
  }

  // ------------------------------------------------------------------------------------------

  private WriteResult doWrite(String key, String base, byte[] record, WriteMode mode)
      throws IOException {
    if (record.length > limits.maxRecordBytes()) {
      throw new RecordTooLargeException("record of " + record.length
          + " bytes exceeds maxRecordBytes " + limits.maxRecordBytes() + " for key \"" + key
          + "\"");
    }
    // Validates the incoming record too: a backend never stores bytes it could not read back.
    RecordHeader incoming = RecordFormat.readHeader(record, key);
    try (FileLocks.Held held = lock(base)) {
      deleteStrayTemps(base);
      Path data = dataPath(base);
      WriteResult result;
      if (mode == WriteMode.MONOTONIC) {
        Optional<byte[]> existing;
        try {
          existing = readData(data);
        } catch (CorruptRecordException e) {
          existing = Optional.of(new byte[0]);
        }
        result = RecordFormat.decideWrite(existing, incoming);
        if (result.status() == WriteStatus.SKIPPED_NOT_NEWER
            || result.status() == WriteStatus.REFUSED_UNSUPPORTED) {
          return result;
        }
      } else {
        result = new WriteResult(WriteStatus.WRITTEN, Optional.empty());
      }
      Path temp = directory.resolve(base + "." + HexFormat.of().toHexDigits(RANDOM.nextLong())
          + ".tmp");
      try {
        try (FileChannel out = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), privateFile())) {
          ByteBuffer buf = ByteBuffer.wrap(record);
          while (buf.hasRemaining()) {
            out.write(buf);
          }
          if (fsync) {
            out.force(true);
          }
        }
        try {
          mover.move(temp, data, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("the file system of " + directory
              + " does not support atomic rename; refusing a non-atomic write", e);
        }
      } catch (IOException | RuntimeException e) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      syncDirectory();
      return result;
    }
  }

  private FileLocks.Held lock(String base) throws IOException {
    return FileLocks.acquire(directory.resolve(base + ".lock"), lockTimeoutNanos,
        EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), privateFile());
  }

  private void deleteStrayTemps(String base) throws IOException {
    try (DirectoryStream<Path> temps = Files.newDirectoryStream(directory, base + ".*.tmp")) {
      for (Path temp : temps) {
        // Only the lock holder creates temp files, so any found here are debris of a crash.
        Files.deleteIfExists(temp);
      }
    }
  }

  private Optional<byte[]> readData(Path file) throws IOException {
    return Optional.ofNullable(readRaw(file));
  }

  private byte[] readRaw(Path file) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (!attrs.isRegularFile()) {
      throw new CorruptRecordException(Reason.NOT_REGULAR_FILE,
          file + " is a symbolic link or not a regular file");
    }
    long max = limits.maxRecordBytes() + RecordFormat.FIXED_BYTES + 65_536L;
    try (SeekableByteChannel in = Files.newByteChannel(file,
        Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      long size = in.size();
      if (size > max) {
        throw new CorruptRecordException(Reason.TOO_LARGE,
            file + " has " + size + " bytes, more than any record within the limits");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && in.read(buf) >= 0) {
        // Keep reading: a single read may return fewer bytes.
      }
      return buf.hasRemaining() ? Arrays.copyOf(buf.array(), buf.position()) : buf.array();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private void syncDirectory() {
    if (!fsync) {
      return;
    }
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Windows cannot open a directory as a channel; the rename is still atomic there.
      logger.debug("directory fsync unsupported", Map.of("directory", directory.toString()));
    }
  }

  private void prepareDirectory() {
    try {
      if (!Files.isDirectory(directory)) {
        if (POSIX) {
          Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
              EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                  PosixFilePermission.OWNER_EXECUTE)));
        } else {
          Files.createDirectories(directory);
        }
      } else if (POSIX) {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(directory);
        for (PosixFilePermission p : perms) {
          if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
            logger.warn("persistence directory is accessible to group or others",
                Map.of("directory", directory.toString(),
                    "permissions", PosixFilePermissions.toString(perms)));
            break;
          }
        }
      }
      FileStore store = Files.getFileStore(directory);
      if (NETWORK_FS.contains(store.type().toLowerCase(java.util.Locale.ROOT))) {
        logger.warn("persistence directory is on a network file system; file locks may be "
            + "unreliable", Map.of("directory", directory.toString(), "type", store.type()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare persistence directory " + directory, e);
    }
  }

  private static FileAttribute<?>[] privateFile() {
    if (!POSIX) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))};
  }

  private Path dataPath(String base) {
    return directory.resolve(base + DATA_SUFFIX);
  }

  private String checked(String key) {
    Objects.requireNonNull(key, "key");
    Topics.validate(key);
    checkOpen();
    return baseName(key);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("FileStorageBackend for " + directory + " is closed");
    }
  }

  /** The rename step, replaceable in this package's tests to act as a file-system shim. */
  @FunctionalInterface
  interface Mover {
    void move(Path source, Path target, CopyOption... options) throws IOException;
  }

  private interface IoSupplier<V> {
    V get() throws IOException;
  }

  private <V> CompletableFuture<V> run(IoSupplier<V> body) {
    Supplier<V> task = () -> {
      try {
        return body.get();
      } catch (IOException e) {
        throw new CompletionException(new UncheckedIOException(e.getMessage(), e));
      }
    };
    return CompletableFuture.supplyAsync(task, executor);
  }

  /** Returns the base file name of {@code key}: {@code safe(key) + "~" + h16(key)}. */
  static String baseName(String key) {
    StringBuilder safe = new StringBuilder(Math.min(key.length(), 64));
    for (int i = 0; i < key.length() && safe.length() < 64; i++) {
      char c = key.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      safe.append(ok ? c : '_');
    }
    if (safe.charAt(0) == '.') {
      safe.setCharAt(0, '_');
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(key.getBytes(StandardCharsets.UTF_8));
      return safe + "~" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /**
   * Builds a {@link FileStorageBackend}. Not thread-safe; {@link #build()} may be called more
   * than once.
   */
  public static final class Builder {
    private final Path directory;
    private Duration lockTimeout = Duration.ofSeconds(10);
    private boolean fsync = true;
    private Limits limits = Limits.defaults();
    private Executor executor = StateSync.defaultBlockingExecutor();
    private Logger logger = Loggers.noopLogger();
    private Mover mover = Files::move;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /** How long a write, delete or quarantine waits for the key's lock; default 10 s, > 0. */
    public Builder lockTimeout(Duration lockTimeout) {
      this.lockTimeout = Objects.requireNonNull(lockTimeout, "lockTimeout");
      return this;
    }

    /** Whether writes fsync the file and the directory; default true. */
    public Builder fsync(boolean fsync) {
      this.fsync = fsync;
      return this;
    }

    /** Size limits; default {@link Limits#defaults()}. */
    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Executor for blocking file I/O; default {@link StateSync#defaultBlockingExecutor()}. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Logger for warnings (permissions, network file systems, skipped files); default noop. */
    public Builder logger(Logger logger) {
      this.logger = Objects.requireNonNull(logger, "logger");
      return this;
    }

    /** Replaces the rename of a write; for this package's tests only. */
    Builder mover(Mover mover) {
      this.mover = Objects.requireNonNull(mover, "mover");
      return this;
    }

    /**
     * Creates the directory if it is missing (mode 0700 on POSIX) and returns the backend.
     *
     * @throws IllegalArgumentException if {@code lockTimeout} is not positive
     * @throws UncheckedIOException if the directory cannot be created or inspected
     */
    public FileStorageBackend build() {
      if (lockTimeout.isNegative() || lockTimeout.isZero()) {
        throw new IllegalArgumentException("lockTimeout must be > 0, was " + lockTimeout);
      }
      return new FileStorageBackend(this);
    }
  }
}
