package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A follower's connection to the hub with its reconnect loop (CHAN-53). Death of the hub is seen
 * as EOF, never from a timer; the lock thread competes in parallel and stops this link if it wins.
 */
final class FollowerLink {
  private final GroupMember g;
  private volatile SocketChannel ch;
  private volatile boolean stopped;
  private volatile boolean writable;
  private volatile long lastRead = System.nanoTime();
  private volatile long heartbeatMs = 1000;
  private boolean readPaused; // test hook, guarded by this
  private volatile long connections; // written by the link's thread only
  /** How long after losing the hub the link retries every ~1 ms before backing off. */
  private static final long FAST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);


  FollowerLink(GroupMember g) {
    this.g = g;
  }

  void start() {
    Threads.start(g.threadName("follower"), this::run);
  }

  boolean writable() {
    return writable && !stopped;
  }

  long lastReadNanos() {
    return lastRead;
  }

  long heartbeatMs() {
    return heartbeatMs;
  }

  /** Stops the link; with {@code sayBye} a BYE tells the hub this member leaves cleanly. */
  void stop(boolean sayBye) {
    stopped = true;
    SocketChannel c = ch;
    if (c != null) {
      if (sayBye && writable) {
        try {
          c.configureBlocking(true);
          ByteBuffer b = FrameCodec.encode(Frame.control(Frame.BYE, 0, Json.bytes(Json.object())));
          // One small frame into an otherwise idle socket buffer; it does not block in practice.
          c.write(b);
        } catch (IOException | RuntimeException ignored) {
          // The hub is gone; it will see EOF instead of BYE.
        }
      }
      HubServer.closeQuietly(c);
    }
    synchronized (g) {
      g.notifyAll();
    }
  }

  /**
   * Waits until the current connection to the hub has been read to its end (BYE, EOF or error),
   * or until the deadline. Returns at once when not connected.
   */
  void awaitEnd(long deadlineNanos) {
    long current = connections;
    synchronized (g) {
      while (writable && connections == current && !stopped) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(g, Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Test hook: see {@link TestHooks#pauseReading}. */
  synchronized void pauseReading(boolean paused) {
    readPaused = paused;
    notifyAll();
  }

  /** Test hook: see {@link TestHooks#dropConnection}. */
  void drop() {
    pauseReading(false);
    SocketChannel c = ch;
    if (c != null) {
      HubServer.closeQuietly(c);
    }
  }

  private void awaitReadAllowed() {
    synchronized (this) {
      while (readPaused && !stopped) {
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void run() {
    long lostAt = System.nanoTime();
    long delay = 0;
    while (!stopped) {
      boolean bye = false;
      try {
        bye = connectOnce();
        if (writable) {
          lostAt = System.nanoTime();
          delay = 0;
        }
      } catch (IOException | RuntimeException e) {
        g.cfg.log().debug(g.label() + ": connect attempt failed: " + e);
      } finally {
        writable = false;
        SocketChannel c = ch;
        if (c != null) {
          HubServer.closeQuietly(c);
        }
        g.onLinkLost(this);
      }
      if (stopped) {
        return;
      }
      if (bye) {
        delay = 0;
        lostAt = System.nanoTime();
        continue;
      }
      long since = System.nanoTime() - lostAt;
      long cap = since < TimeUnit.SECONDS.toNanos(2)
          ? TimeUnit.MILLISECONDS.toNanos(20) : TimeUnit.MILLISECONDS.toNanos(250);
      if (since < FAST_RETRY_NANOS) {
        // The next hub is usually bound a few ms after the kernel hands it the lock: retrying
        // every ~1 ms for a short while finds it at once instead of up to 20 ms later. An attempt
        // costs a read of .addr and a refused connect.
        delay = TimeUnit.MILLISECONDS.toNanos(1);
      } else {
        delay = delay == 0 ? TimeUnit.MILLISECONDS.toNanos(1) : Math.min(cap, delay * 2);
      }
      long sleep = (long) (delay * ThreadLocalRandom.current().nextDouble(0.75, 1.25));
      synchronized (g) {
        long until = System.nanoTime() + sleep;
        while (!stopped) {
          long left = until - System.nanoTime();
          if (left <= 0) {
            break;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(g, left);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }
  }

  /** One attempt: connect, handshake, then read until the link ends. Returns true after BYE. */
  private boolean connectOnce() throws IOException {
    String transport = null;
    int port = -1;
    String token = null;
    try {
      JsonNode a = Json.MAPPER.readTree(Files.readAllBytes(g.addrPath));
      if (a.path("epoch").asLong() < g.highestEpochSnapshot()) {
        return false; // A stale address of a dead leader; the next leader will rewrite it.
      }
      transport = a.path("transport").asText(null);
      port = a.path("port").asInt(-1);
      token = a.path("token").asText(null);
    } catch (NoSuchFileException e) {
      // No leader has published yet; try the socket path below when Unix is allowed.
    } catch (IOException e) {
      g.cfg.log().debug(g.label() + ": unparseable .addr: " + e);
    }
    if (transport == null) {
      if (g.cfg.transport() == dev.statesync.channel.Transport.TCP) {
        return false;
      }
      transport = "unix";
    }
    SocketChannel c;
    if ("tcp".equals(transport)) {
      c = SocketChannel.open();
      ch = c;
      c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } else {
      c = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch = c;
      c.connect(UnixDomainSocketAddress.of(g.sockPath));
      if (!leaderUserAllowed(c)) {
        return false;
      }
    }
    if (stopped) {
      return false;
    }
    ObjectNode h = Json.object();
    synchronized (g) {
      h.put("proto", Frame.VERSION).put("kind", g.cfg.kind()).put("name", g.cfg.name())
          .put("member", g.memberId.toString()).put("pid", g.pid)
          .put("cursorEpoch", g.cursorEpoch).put("cursorSeq", g.cursorSeq);
    }
    if (token != null) {
      h.put("token", token);
    }
    ByteBuffer hello = FrameCodec.encode(Frame.control(Frame.HELLO, 0, Json.bytes(h)));
    while (hello.hasRemaining()) {
      c.write(hello);
    }
    ScheduledFuture<?> welcomeTimer = Threads.timer().schedule(() -> {
      if (!writable) {
        HubServer.closeQuietly(c);
      }
    }, 1, TimeUnit.SECONDS);
    ByteBuffer lengthBuf = ByteBuffer.allocate(4);
    try {
      Frame w = FrameCodec.read(c, lengthBuf, g.cfg.maxMessageBytes());
      if (w.type() == Frame.REJECT) {
        JsonNode r = Json.parse(w);
        g.cfg.log().warn(g.label() + ": the hub refused this member: " + r.path("code").asText() + " "
            + r.path("message").asText());
        if ("PROTOCOL_VERSION".equals(r.path("code").asText())) {
          g.onIncompatible(r.path("message").asText());
        }
        return false;
      }
      if (w.type() != Frame.WELCOME) {
        throw new ProtocolException("PROTOCOL", "expected WELCOME, got "
            + Frame.typeName(w.type()));
      }
      JsonNode wj = Json.parse(w);
      heartbeatMs = wj.path("heartbeatMs").asLong(1000);
      lastRead = System.nanoTime();
      if (!g.onWelcome(this, wj)) {
        return false;
      }
      connections++;
      writable = true;
    } finally {
      welcomeTimer.cancel(false);
    }
    synchronized (g) {
      g.notifyAll();
    }
    Threads.start(g.threadName("follower-writer"), () -> writeLoop(c));
    try {
      while (!stopped) {
        if (TestHooks.ENABLED) {
          awaitReadAllowed();
        }
        Frame f = FrameCodec.read(c, lengthBuf, g.cfg.maxMessageBytes());
        lastRead = System.nanoTime();
        synchronized (g) {
          if (f.epoch() < g.highestEpoch && f.type() != Frame.REJECT) {
            g.cfg.log().warn(g.label() + ": dropping a frame of epoch " + f.epoch() + " below "
                + g.highestEpoch + " and closing its connection");
            return false;
          }
          g.heardFromLeaderLocked();
          if (f.sequenced()) {
            g.onSequenced(f, g.cfg.replayFrames() > 0 ? FrameCodec.encode(f) : null);
          }
        }
        if (f.type() == Frame.BYE) {
          return true;
        }
        if (f.type() == Frame.REJECT) {
          g.cfg.log().warn(g.label() + ": the hub closed this member's connection: "
              + Json.parse(f).path("message").asText());
          return false;
        }
      }
    } catch (EOFException e) {
      // The hub died or closed the connection: reconnect (CHAN-49).
    } catch (ProtocolException e) {
      g.cfg.log().warn(g.label() + ": dropping the connection to the hub: " + e.getMessage());
    }
    return false;
  }

  private boolean leaderUserAllowed(SocketChannel c) {
    try {
      jdk.net.UnixDomainPrincipal p = c.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
      String own = Files.getOwner(g.cfg.dir().path(), LinkOption.NOFOLLOW_LINKS).getName();
      if (p != null && !p.user().getName().equals(own)) {
        g.cfg.log().warn(g.label() + ": refusing a hub run by user " + p.user().getName());
        return false;
      }
    } catch (IOException | UnsupportedOperationException e) {
      g.cfg.log().debug(g.label() + ": peer credentials unavailable (" + e + ")");
    }
    return true;
  }

  private void writeLoop(SocketChannel c) {
    try {
      while (true) {
        GroupMember.Pending p = g.takeForWrite(this);
        if (p == null) {
          return;
        }
        long e;
        synchronized (g) {
          e = g.epoch;
        }
        ByteBuffer b = p.encode(g.memberId, e);
        while (b.hasRemaining()) {
          c.write(b);
        }
      }
    } catch (IOException | InterruptedException e) {
      HubServer.closeQuietly(c);
    }
  }
}
