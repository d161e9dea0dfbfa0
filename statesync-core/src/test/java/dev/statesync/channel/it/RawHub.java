package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.internal.Frame;
import dev.statesync.channel.internal.FrameCodec;
import dev.statesync.channel.internal.RuntimeDirs;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;

/**
 * A hub played by the test itself: it holds the group's lock file in the test JVM (so no member
 * can take office) and binds the group's socket, then speaks the wire protocol frame by frame.
 * It can say what a real hub never would: frames of an older epoch, another protocol version.
 */
final class RawHub implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  final UUID memberId = UUID.randomUUID();
  private final FileChannel lockFile;
  private final FileLock lock;
  private final ServerSocketChannel server;
  private final Selector selector;

  /** Creates the runtime directory if needed, takes the group's lock and binds its socket. */
  RawHub(Path dir, String kind, String name) throws IOException {
    if (!Files.exists(dir)) {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    String file = (kind.equals("channel") ? "c-" : "e-") + RuntimeDirs.hash(kind, name);
    lockFile = FileChannel.open(dir.resolve(file + ".lock"), StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.CREATE);
    lock = lockFile.lock();
    Path sock = dir.resolve(file + ".sock");
    Files.deleteIfExists(sock);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(sock));
    server.configureBlocking(false);
    selector = Selector.open();
    server.register(selector, SelectionKey.OP_ACCEPT);
  }

  private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "raw-hub-watchdog");
        t.setDaemon(true);
        return t;
      });

  /**
   * Closes {@code ch} after {@code bound}, so that a blocking read that the peer never answers
   * fails the test instead of hanging it.
   */
  static SocketChannel bounded(SocketChannel ch, Duration bound) {
    WATCHDOG.schedule(() -> {
      try {
        ch.close();
      } catch (IOException ignored) {
        // Closing is all the watchdog does.
      }
    }, bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    return ch;
  }

  /**
   * Waits for the next connection; fails the test after {@code timeout}. The connection is
   * closed after twice that, so that no read on it can hang the test.
   */
  SocketChannel accept(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      SocketChannel ch = server.accept();
      if (ch != null) {
        ch.configureBlocking(true);
        return bounded(ch, timeout.multipliedBy(2));
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no member connected within " + timeout);
      }
      selector.select(Math.max(1, left / 1_000_000));
      selector.selectedKeys().clear();
    }
  }

  /** Reads the next frame; null at the end of the stream. */
  static Frame read(SocketChannel ch) throws IOException {
    try {
      return FrameCodec.read(ch, ByteBuffer.allocate(4), 16 * 1024 * 1024);
    } catch (java.io.EOFException e) {
      return null;
    }
  }

  static JsonNode json(Frame f) throws IOException {
    return JSON.readTree(f.payloadBytes());
  }

  static void write(SocketChannel ch, Frame f) throws IOException {
    ByteBuffer b = FrameCodec.encode(f);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** A WELCOME of {@code epoch} for a fresh member, with no other member. */
  Frame welcome(long epoch) {
    ObjectNode w = JSON.createObjectNode().put("epoch", epoch).put("leader", memberId.toString())
        .put("leaderPid", 1).put("nextSeq", 1).put("heartbeatMs", 1000)
        .put("maxMessageBytes", 1024 * 1024);
    w.putArray("members");
    w.putNull("resync");
    return Frame.control(Frame.WELCOME, epoch, w.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A MSG whose 8-byte payload holds {@code counter}, as {@code ChannelNode} reports it. */
  static Frame msg(long epoch, long seq, long counter) {
    UUID origin = new UUID(7, 7);
    return new Frame(Frame.MSG, 0, epoch, seq, origin, origin, seq,
        ByteBuffer.allocate(8).putLong(0, counter));
  }

  static Frame reject(String code, String message) {
    ObjectNode r = JSON.createObjectNode().put("code", code).put("message", message);
    return Frame.control(Frame.REJECT, 0, r.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Releases the lock and removes the socket, as a hub that exits would. */
  @Override
  public void close() throws IOException {
    selector.close();
    server.close();
    lock.release();
    lockFile.close();
  }
}
