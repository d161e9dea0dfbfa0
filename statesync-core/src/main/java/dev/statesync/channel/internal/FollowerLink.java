package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A follower's connection to the hub with its reconnect loop (CHAN-53), driven by the I/O thread
 * ({@link IoLoop}). Death of the hub is seen as EOF, never from a timer; the lock thread competes
 * in parallel and stops this link if it wins. Posts are written by the I/O thread (a posting
 * thread only asks for OP_WRITE, see {@link Threads#maySocketIo}); every write happens under the
 * group's monitor, so frames never interleave.
 */
final class FollowerLink {
  /** How long after losing the hub the link retries every ~1 ms before backing off. */
  private static final long FAST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long WELCOME_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** The retry period while the hub answers REJECT PROTOCOL_VERSION (CHAN-46). */
  private static final long INCOMPATIBLE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final GroupMember g;
  private volatile boolean stopped;
  private volatile boolean writable;
  private volatile long lastRead = System.nanoTime();
  private volatile long heartbeatMs = 1000;
  private volatile long connections; // written by the I/O thread only
  // Guarded by g.
  private Conn conn;
  private boolean readPaused; // test hook
  private ScheduledFuture<?> retry;
  // The reconnect schedule; I/O thread only.
  private long lostAt = System.nanoTime();
  private long delay;
  private boolean incompatibleRetries;

  FollowerLink(GroupMember g) {
    this.g = g;
  }

  void start() {
    IoLoop.execute(this::attempt);
  }

  long lastReadNanos() {
    return lastRead;
  }

  long heartbeatMs() {
    return heartbeatMs;
  }

  /**
   * Stops the link; with {@code sayBye} a BYE tells the hub this member leaves cleanly. The BYE
   * is one non-blocking write into what is normally an idle socket buffer, made by the I/O thread
   * when the caller may be interrupted (the caller then waits for it at most 200 ms); when the
   * socket does not take it the hub sees EOF instead, which only makes the departure unclean.
   */
  void stop(boolean sayBye) {
    stopped = true;
    Conn c;
    ScheduledFuture<?> r;
    boolean bye;
    synchronized (g) {
      c = conn;
      r = retry;
      bye = c != null && sayBye && writable;
      g.notifyAll();
    }
    if (r != null) {
      r.cancel(false);
    }
    if (c == null) {
      return;
    }
    if (!bye) {
      IoLoop.close(c.ch, c.key);
      return;
    }
    if (Threads.maySocketIo()) {
      c.byeAndClose();
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    IoLoop.execute(() -> {
      c.byeAndClose();
      done.complete(null);
    });
    try {
      done.get(200, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      IoLoop.close(c.ch, c.key);
    } catch (ExecutionException | TimeoutException e) {
      IoLoop.close(c.ch, c.key);
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

  /** Writes queued posts that the socket takes now; caller holds the group's monitor. */
  void pumpLocked() {
    Conn c = conn;
    if (c != null) {
      c.pumpLocked();
    }
  }

  /** Test hook: see {@link TestHooks#pauseReading}. */
  void pauseReading(boolean paused) {
    synchronized (g) {
      readPaused = paused;
      if (conn != null) {
        conn.updateInterestLocked();
      }
    }
    if (!paused) {
      IoLoop.execute(() -> {
        Conn c;
        synchronized (g) {
          c = conn;
        }
        if (c != null) {
          c.drainBacklog();
        }
      });
    }
  }

  /** Test hook: see {@link TestHooks#dropConnection}. */
  void drop() {
    pauseReading(false);
    Conn c;
    synchronized (g) {
      c = conn;
    }
    if (c != null) {
      IoLoop.close(c.ch, c.key); // Unread frames are lost now, as with a network fault.
      IoLoop.execute(() -> c.end(false));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The reconnect loop, on the I/O thread.

  /** One connect attempt; the handshake and the reading continue in {@link Conn}. */
  private void attempt() {
    if (stopped) {
      return;
    }
    String transport = null;
    int port = -1;
    String token = null;
    try {
      JsonNode a = Json.MAPPER.readTree(Files.readAllBytes(g.addrPath));
      if (a.path("epoch").asLong() < g.highestEpochSnapshot()) {
        // A stale address of a dead leader; the next leader rewrites it.
        scheduleRetry(false, false, false);
        return;
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
        scheduleRetry(false, false, false);
        return;
      }
      transport = "unix";
    }
    boolean unix = !"tcp".equals(transport);
    SocketChannel ch = null;
    Conn c = null;
    try {
      SocketAddress addr;
      if (unix) {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        addr = UnixDomainSocketAddress.of(g.sockPath);
      } else {
        ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
      }
      c = new Conn(ch, unix, token);
      synchronized (g) {
        if (stopped) {
          ch.close();
          return;
        }
        conn = c;
      }
      c.key = IoLoop.here().register(ch, 0, c);
      if (ch.connect(addr)) {
        c.connected();
      } else {
        c.key.interestOps(SelectionKey.OP_CONNECT);
      }
    } catch (IOException | RuntimeException e) {
      g.cfg.log().debug(g.label() + ": connect attempt failed: " + e);
      if (c != null) {
        c.end(false);
      } else {
        if (ch != null) {
          IoLoop.close(ch, null);
        }
        scheduleRetry(false, false, false);
      }
    }
  }

  /**
   * Schedules the next attempt (CHAN-53): at once after a BYE, otherwise after a doubling,
   * jittered delay; the shared timer waits, never the I/O thread.
   */
  private void scheduleRetry(boolean bye, boolean hadWelcome, boolean incompatible) {
    if (stopped) {
      return;
    }
    long now = System.nanoTime();
    if (incompatible) {
      // CHAN-46: a hub of another protocol version stays so until it leaves; asking it once a
      // second costs nothing, and the fast schedule below starts again once it is gone.
      incompatibleRetries = true;
      synchronized (g) {
        if (!stopped) {
          retry = Threads.timer().schedule(() -> IoLoop.execute(this::attempt),
              INCOMPATIBLE_RETRY_NANOS, TimeUnit.NANOSECONDS);
        }
      }
      return;
    }
    if (bye || hadWelcome || incompatibleRetries) {
      incompatibleRetries = false;
      lostAt = now;
      delay = 0;
    }
    if (bye) {
      IoLoop.execute(this::attempt);
      return;
    }
    long since = now - lostAt;
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
    long wait = (long) (delay * ThreadLocalRandom.current().nextDouble(0.75, 1.25));
    synchronized (g) {
      if (stopped) {
        return;
      }
      retry = Threads.timer().schedule(() -> IoLoop.execute(this::attempt), wait,
          TimeUnit.NANOSECONDS);
    }
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

  /** One connection attempt and, once welcomed, the connection; events on the I/O thread. */
  private final class Conn implements IoLoop.Handler {
    final SocketChannel ch;
    final boolean unix;
    final String token;
    volatile SelectionKey key;
    private final FrameCodec.Decoder decoder = new FrameCodec.Decoder(g.cfg.maxMessageBytes());
    // I/O thread only.
    private final ArrayDeque<Frame> backlog = new ArrayDeque<>();
    private ProtocolException pendingError;
    private boolean eof;
    private ScheduledFuture<?> welcomeTimer;
    private boolean welcomed;
    private boolean incompatible;
    // Guarded by g.
    private boolean connecting = true;
    private boolean ended;
    private ByteBuffer partial;
    private boolean wantWrite;
    private final ArrayDeque<ByteBuffer> control = new ArrayDeque<>();

    Conn(SocketChannel ch, boolean unix, String token) {
      this.ch = ch;
      this.unix = unix;
      this.token = token;
    }

    @Override
    public void ready(SelectionKey k, int readyOps) {
      if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
        try {
          if (!ch.finishConnect()) {
            return;
          }
        } catch (IOException e) {
          g.cfg.log().debug(g.label() + ": connect attempt failed: " + e);
          end(false);
          return;
        }
        connected();
        return;
      }
      if ((readyOps & SelectionKey.OP_WRITE) != 0) {
        synchronized (g) {
          pumpLocked();
        }
      }
      if ((readyOps & SelectionKey.OP_READ) != 0 && k.isValid()) {
        read();
      }
    }

    @Override
    public void failed(SelectionKey k) {
      end(false);
    }

    /** Connected: checks the hub's user, sends HELLO and waits 1 s for WELCOME (CHAN-46). */
    void connected() {
      if (stopped) {
        end(false);
        return;
      }
      if (unix && !leaderUserAllowed(ch)) {
        end(false);
        return;
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
      welcomeTimer = Threads.timer().schedule(() -> IoLoop.execute(() -> {
        if (!welcomed) {
          g.cfg.log().debug(g.label() + ": no WELCOME within 1 s; reconnecting");
          end(false);
        }
      }), WELCOME_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
      synchronized (g) {
        connecting = false;
        control.add(FrameCodec.encode(Frame.control(Frame.HELLO, 0, Json.bytes(h))));
        pumpLocked();
      }
    }

    /** Writes control frames, then posts while welcomed; caller holds the group's monitor. */
    void pumpLocked() {
      if (connecting || ended) {
        return;
      }
      if (!Threads.maySocketIo()) {
        wantWrite = true; // The I/O thread writes when OP_WRITE fires, which it does at once.
        updateInterestLocked();
        return;
      }
      wantWrite = false;
      try {
        while (true) {
          if (partial == null) {
            partial = control.poll();
          }
          if (partial == null && writable && !stopped && conn == this) {
            GroupMember.Pending p = g.takeForWriteLocked();
            if (p != null) {
              partial = p.encode(g.memberId, g.epoch);
            }
          }
          if (partial == null) {
            break;
          }
          ch.write(partial);
          if (partial.hasRemaining()) {
            break; // The socket buffer is full; OP_WRITE says when it drains.
          }
          partial = null;
        }
      } catch (IOException e) {
        // The hub is gone: the read side ends the connection and fails what was in flight.
        IoLoop.execute(() -> end(false));
      }
      updateInterestLocked();
    }

    void updateInterestLocked() {
      if (connecting || ended || key == null) {
        return;
      }
      IoLoop.interest(key, (readPaused ? 0 : SelectionKey.OP_READ)
          | (partial != null || wantWrite ? SelectionKey.OP_WRITE : 0));
    }

    /** A clean goodbye in one non-blocking write, then the close; a library thread only. */
    void byeAndClose() {
      synchronized (g) {
        if (!connecting && !ended) {
          ByteBuffer bye = FrameCodec.encode(Frame.control(Frame.BYE, 0,
              Json.bytes(Json.object())));
          try {
            if (partial != null) {
              ch.write(new ByteBuffer[] {partial, bye});
            } else {
              ch.write(bye);
            }
          } catch (IOException | RuntimeException ignored) {
            // The hub is gone; it will see EOF instead of BYE.
          }
        }
      }
      IoLoop.close(ch, key);
    }

    private void read() {
      synchronized (g) {
        if (readPaused) {
          updateInterestLocked();
          return; // Frames wait in the socket (test hook).
        }
      }
      ByteBuffer buf = IoLoop.here().readBuffer;
      buf.clear();
      int n;
      try {
        n = ch.read(buf);
      } catch (IOException e) {
        end(false);
        return;
      }
      if (n < 0) {
        // The hub died or closed the connection: reconnect once what it wrote is processed.
        eof = true;
        drainBacklog();
        return;
      }
      buf.flip();
      try {
        Frame f;
        while ((f = decoder.next(buf)) != null) {
          backlog.add(f);
        }
      } catch (ProtocolException e) {
        pendingError = e; // Reported once the frames before it are processed.
      }
      drainBacklog();
    }

    /** Handles the frames read so far, unless reading is paused (test hook). */
    void drainBacklog() {
      while (!ended) {
        synchronized (g) {
          if (readPaused) {
            return;
          }
        }
        Frame f = backlog.poll();
        if (f == null) {
          break;
        }
        try {
          handle(f);
        } catch (ProtocolException e) {
          g.cfg.log().warn(g.label() + ": dropping the connection to the hub: " + e.getMessage());
          end(false);
          return;
        }
      }
      if (!ended && pendingError != null) {
        g.cfg.log().warn(g.label() + ": dropping the connection to the hub: "
            + pendingError.getMessage());
        end(false);
      } else if (!ended && eof) {
        end(false); // CHAN-49: everything the hub wrote before the EOF has been processed.
      }
    }

    private void handle(Frame f) {
      if (!welcomed) {
        if (f.type() == Frame.REJECT) {
          JsonNode r = Json.parse(f);
          String text = g.label() + ": the hub refused this member: " + r.path("code").asText()
              + " " + r.path("message").asText();
          if (incompatibleRetries) {
            g.cfg.log().debug(text); // Said at WARN when the episode began; now once a second.
          } else {
            g.cfg.log().warn(text);
          }
          if ("PROTOCOL_VERSION".equals(r.path("code").asText())) {
            g.onIncompatible(r.path("message").asText());
            incompatible = true;
          }
          end(false);
          return;
        }
        if (f.type() != Frame.WELCOME) {
          throw new ProtocolException("PROTOCOL", "expected WELCOME, got "
              + Frame.typeName(f.type()));
        }
        JsonNode wj = Json.parse(f);
        heartbeatMs = wj.path("heartbeatMs").asLong(1000);
        lastRead = System.nanoTime();
        if (!g.onWelcome(FollowerLink.this, wj)) {
          end(false);
          return;
        }
        welcomed = true;
        welcomeTimer.cancel(false);
        synchronized (g) {
          connections++;
          writable = true;
          pumpLocked();
          g.notifyAll();
        }
        return;
      }
      lastRead = System.nanoTime();
      synchronized (g) {
        if (f.epoch() < g.highestEpoch && f.type() != Frame.REJECT) {
          g.cfg.log().warn(g.label() + ": dropping a frame of epoch " + f.epoch() + " below "
              + g.highestEpoch + " and closing its connection");
          end(false);
          return;
        }
        g.heardFromLeaderLocked();
        if (f.sequenced()) {
          g.onSequenced(f, g.cfg.replayFrames() > 0 ? FrameCodec.encode(f) : null);
        }
      }
      if (f.type() == Frame.BYE) {
        end(true);
      } else if (f.type() == Frame.REJECT) {
        g.cfg.log().warn(g.label() + ": the hub closed this member's connection: "
            + Json.parse(f).path("message").asText());
        end(false);
      }
    }

    /** Ends this connection (I/O thread) and schedules the next attempt unless stopped. */
    void end(boolean bye) {
      synchronized (g) {
        if (ended) {
          return;
        }
        ended = true;
        partial = null;
        control.clear();
        if (conn == this) {
          conn = null;
          writable = false;
        }
      }
      if (welcomeTimer != null) {
        welcomeTimer.cancel(false);
      }
      backlog.clear();
      IoLoop.close(ch, key);
      g.onLinkLost(FollowerLink.this);
      synchronized (g) {
        g.notifyAll();
      }
      scheduleRetry(bye, welcomed, incompatible);
    }
  }
}
