package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** The leader's listening socket, its accepted connections and the fan-out to them. */
final class HubServer {
  private static final AtomicBoolean FALLBACK_WARNED = new AtomicBoolean();
  private static final SecureRandom RANDOM = new SecureRandom();

  final GroupMember group;
  final long epoch;
  private final ServerSocketChannel server;
  final boolean unix;
  final byte[] token;
  final String ownUser;
  // Registered connections, guarded by the group's monitor.
  private final List<HubConnection> conns = new ArrayList<>();
  private final List<HubConnection> all = new ArrayList<>();
  private volatile boolean stopped;
  private volatile SelectionKey acceptKey;
  private volatile ScheduledFuture<?> heartbeats;

  private HubServer(GroupMember group, long epoch, ServerSocketChannel server, boolean unix,
      byte[] token) {
    this.group = group;
    this.epoch = epoch;
    this.server = server;
    this.unix = unix;
    this.token = token;
    String user;
    try {
      user = Files.getOwner(group.cfg.dir().path(), LinkOption.NOFOLLOW_LINKS).getName();
    } catch (IOException | UnsupportedOperationException e) {
      user = null;
    }
    this.ownUser = user;
  }

  /** Deletes a stale socket, binds, and publishes {@code .addr} (CHAN-26 steps 5-7, CHAN-38). */
  static HubServer bind(GroupMember g, long epoch) throws IOException {
    Transport t = g.cfg.transport();
    ServerSocketChannel ss = null;
    boolean unix = false;
    if (t != Transport.TCP) {
      try {
        Files.deleteIfExists(g.sockPath);
        ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ss.bind(UnixDomainSocketAddress.of(g.sockPath), 128);
        unix = true;
      } catch (UnsupportedOperationException | IOException e) {
        if (ss != null) {
          ss.close();
          ss = null;
        }
        if (t == Transport.UNIX) {
          throw e instanceof IOException ? (IOException) e : new IOException(e);
        }
        if (FALLBACK_WARNED.compareAndSet(false, true)) {
          g.cfg.log().warn("Unix-domain sockets are unavailable in " + g.cfg.dir().path()
              + " (" + e + "); falling back to TCP loopback with a token file");
        }
      }
    }
    byte[] token = null;
    if (ss == null) {
      ss = ServerSocketChannel.open();
      ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
      token = new byte[16];
      RANDOM.nextBytes(token);
    }
    HubServer h = new HubServer(g, epoch, ss, unix, token);
    h.writeAddr();
    return h;
  }

  private void writeAddr() throws IOException {
    ObjectNode a = Json.object();
    a.put("v", 1).put("epoch", epoch).put("member", group.memberId.toString())
        .put("pid", group.pid).put("transport", unix ? "unix" : "tcp");
    if (!unix) {
      a.put("port", ((InetSocketAddress) server.getLocalAddress()).getPort());
      a.put("token", Base64.getUrlEncoder().withoutPadding().encodeToString(token));
    }
    Path tmp = group.addrPath.resolveSibling(group.addrPath.getFileName() + ".tmp-" + group.pid);
    Files.deleteIfExists(tmp);
    boolean posix = tmp.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.write(Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------"))), Json.bytes(a),
          StandardOpenOption.TRUNCATE_EXISTING);
    } else {
      Files.write(tmp, Json.bytes(a));
    }
    Files.move(tmp, group.addrPath, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Deletes {@code .addr} if it still names this term and, when {@code socketToo}, the socket
   * file (CHAN-27 step 5). The socket is left alone when the lock file was replaced (CHAN-28): a
   * leader on the new file may have bound a socket at the same path, perhaps on the same recycled
   * inode, and the next leader deletes a stale socket before binding anyway (CHAN-40).
   */
  void deleteOwnFiles(boolean socketToo) {
    try {
      JsonNode a = Json.MAPPER.readTree(Files.readAllBytes(group.addrPath));
      if (group.memberId.toString().equals(a.path("member").asText())
          && a.path("epoch").asLong() == epoch) {
        Files.deleteIfExists(group.addrPath);
      }
    } catch (NoSuchFileException e) {
      // Already gone.
    } catch (IOException e) {
      group.cfg.log().warn("deleting " + group.addrPath + " failed", e);
    }
    if (unix && socketToo) {
      try {
        Files.deleteIfExists(group.sockPath);
      } catch (IOException e) {
        group.cfg.log().warn("deleting " + group.sockPath + " failed", e);
      }
    }
  }

  String describe() {
    try {
      return (unix ? "unix " : "tcp ") + server.getLocalAddress();
    } catch (IOException e) {
      return unix ? "unix" : "tcp";
    }
  }

  /** Starts accepting on the I/O thread, and the heartbeats (CHAN-52). */
  void startAccepting() {
    IoLoop.execute(() -> {
      if (stopped) {
        return;
      }
      try {
        acceptKey = IoLoop.here().register(server, SelectionKey.OP_ACCEPT, (k, ops) -> accept());
      } catch (IOException e) {
        if (!stopped) {
          group.cfg.log().warn("accept on " + group.label() + " failed", e);
        }
      }
    });
    long period = Math.max(group.cfg.heartbeatNanos() / 4, TimeUnit.MILLISECONDS.toNanos(10));
    heartbeats = Threads.timer().scheduleAtFixedRate(this::heartbeat, period, period,
        TimeUnit.NANOSECONDS);
  }

  /** I/O thread: accepts every pending connection. */
  private void accept() {
    while (!stopped) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!stopped) {
          group.cfg.log().warn("accept on " + group.label() + " failed", e);
        }
        return;
      }
      if (ch == null) {
        return;
      }
      HubConnection c = new HubConnection(this, ch);
      synchronized (group) {
        if (stopped) {
          closeQuietly(ch);
          return;
        }
        all.add(c);
      }
      c.start();
    }
  }

  /** Timer: a HEARTBEAT on every connection that has been idle for heartbeatInterval. */
  private void heartbeat() {
    long now = System.nanoTime();
    synchronized (group) {
      ByteBuffer hb = null;
      for (int i = 0; i < conns.size(); i++) {
        HubConnection c = conns.get(i);
        if (c.idleSince(now) >= group.cfg.heartbeatNanos()) {
          if (hb == null) {
            hb = FrameCodec.encode(Frame.control(Frame.HEARTBEAT, epoch, new byte[0]));
          }
          c.send(hb.duplicate());
        }
      }
    }
  }

  /** Registers a connection whose HELLO was accepted. Caller holds the group's monitor. */
  void registerLocked(HubConnection c) {
    conns.add(c);
  }

  boolean hasMember(UUID id) {
    for (HubConnection c : conns) {
      if (c.peer != null && c.peer.memberId().equals(id)) {
        return true;
      }
    }
    return false;
  }

  /** Removes a connection; returns whether it was registered. Caller holds the group monitor. */
  boolean removeLocked(HubConnection c) {
    all.remove(c);
    return conns.remove(c);
  }

  /** Fans a stamped frame out; never blocks. Caller holds the group's monitor. */
  void broadcast(ByteBuffer enc) {
    for (int i = 0; i < conns.size(); i++) {
      conns.get(i).send(enc.duplicate());
    }
  }

  void stopAccepting() {
    stopped = true;
    IoLoop.close(server, acceptKey);
  }

  /** Sends BYE{lastSeq} to every follower and waits, until the deadline, for them to flush. */
  void sayBye(long lastSeq, long deadlineNanos) {
    List<HubConnection> snapshot;
    synchronized (group) {
      snapshot = new ArrayList<>(conns);
      ObjectNode b = Json.object().put("lastSeq", lastSeq);
      ByteBuffer bye = FrameCodec.encode(Frame.control(Frame.BYE, epoch, Json.bytes(b)));
      for (HubConnection c : snapshot) {
        c.send(bye.duplicate());
      }
    }
    for (HubConnection c : snapshot) {
      c.awaitFlushed(deadlineNanos);
    }
  }

  void close() {
    stopAccepting();
    ScheduledFuture<?> h = heartbeats;
    if (h != null) {
      h.cancel(false);
    }
    List<HubConnection> snapshot;
    synchronized (group) {
      snapshot = new ArrayList<>(all);
      snapshot.addAll(conns);
    }
    for (HubConnection c : snapshot) {
      c.close();
    }
  }

  static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Closing is best effort; the peer sees EOF either way.
    }
  }
}
