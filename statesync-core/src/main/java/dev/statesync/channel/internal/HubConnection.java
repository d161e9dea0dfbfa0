package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.MemberInfo;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One follower's connection at the hub, driven by the I/O thread ({@link IoLoop}): it reads
 * HELLO, then PUB and BYE, and writes what is queued when the socket can take it. A library
 * thread that sends while nothing is queued writes at once (see {@link Threads#maySocketIo});
 * every other frame is queued within
 * {@code subscriberQueueFrames}/{@code subscriberQueueBytes}; a follower that lets the queue
 * overflow is disconnected instead of stalling the others (CHAN-55).
 */
final class HubConnection implements IoLoop.Handler {
  private static final long REJECT_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final HubServer hub;
  private final GroupMember group;
  private final SocketChannel ch;
  private final FrameCodec.Decoder decoder;
  private volatile SelectionKey key;
  volatile MemberInfo peer;
  private volatile ScheduledFuture<?> helloTimer;
  private volatile long lastSend = System.nanoTime();
  // Guarded by this.
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private final ByteBuffer[] batch = new ByteBuffer[64];
  private long queuedBytes;
  private boolean closed;
  private boolean rejecting;
  private boolean writeInterest;
  // I/O thread only (read by ended(), which also runs there).
  private boolean bye;
  private volatile boolean closedByHub;

  HubConnection(HubServer hub, SocketChannel ch) {
    this.hub = hub;
    this.group = hub.group;
    this.ch = ch;
    this.decoder = new FrameCodec.Decoder(group.cfg.maxMessageBytes());
  }

  /** I/O thread: registers the connection, checks the peer and starts the HELLO timeout. */
  void start() {
    try {
      if (!hub.unix) {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      }
      key = IoLoop.here().register(ch, SelectionKey.OP_READ, this);
    } catch (IOException e) {
      group.cfg.log().debug(group.label() + ": cannot register an accepted connection: " + e);
      close();
      return;
    }
    if (!peerAllowed()) {
      return;
    }
    helloTimer = Threads.timer().schedule(() -> {
      if (peer == null) {
        boolean open;
        synchronized (this) {
          open = !closed && !rejecting;
        }
        if (open) {
          group.cfg.log().warn(group.label()
              + ": closing a connection that sent no HELLO within 1 s");
          close();
        }
      }
    }, 1, TimeUnit.SECONDS);
  }

  @Override
  public void ready(SelectionKey k, int readyOps) {
    if ((readyOps & SelectionKey.OP_WRITE) != 0) {
      flush();
    }
    if ((readyOps & SelectionKey.OP_READ) != 0 && k.isValid()) {
      read();
    }
  }

  @Override
  public void failed(SelectionKey k) {
    close();
  }

  /** How long nothing has been sent on this connection (CHAN-52). */
  long idleSince(long now) {
    return now - lastSend;
  }

  /** I/O thread: reads what the socket holds and handles every complete frame. */
  private void read() {
    ByteBuffer buf = IoLoop.here().readBuffer;
    buf.clear();
    int n;
    try {
      n = ch.read(buf);
    } catch (IOException e) {
      if (!closedByHub && !isClosed()) {
        group.cfg.log().debug(group.label() + ": connection ended: " + e);
      }
      close();
      return;
    }
    if (n < 0) {
      close(); // The follower closed or died; ended() tells the others.
      return;
    }
    buf.flip();
    try {
      Frame f;
      while (!isClosedOrRejecting() && (f = decoder.next(buf)) != null) {
        handle(f);
      }
    } catch (ProtocolException e) {
      group.cfg.log().warn(group.label() + ": rejecting a connection"
          + (peer == null ? "" : " from pid " + peer.pid()) + ": " + e.getMessage());
      reject(e.code(), e.getMessage());
    }
  }

  private void handle(Frame f) {
    if (peer == null) {
      ScheduledFuture<?> t = helloTimer;
      if (t != null) {
        t.cancel(false);
      }
      if (f.type() != Frame.HELLO) {
        throw new ProtocolException("PROTOCOL", "first frame was " + Frame.typeName(f.type())
            + ", expected HELLO");
      }
      if (!acceptHello(Json.parse(f)) && !isClosedOrRejecting()) {
        close(); // This JVM no longer leads.
      }
      return;
    }
    if (f.type() == Frame.PUB) {
      if (!f.originMember().equals(peer.memberId())) {
        throw new ProtocolException("PROTOCOL", "PUB originMember field held "
            + f.originMember() + " but the connection's HELLO named " + peer.memberId());
      }
      if (f.epoch() < hub.epoch) {
        // CHAN-33: a PUB stamped for an older term is fenced off with its connection. A follower
        // writes each PUB with the epoch of the WELCOME it is connected under, so only a peer
        // that missed a change of term can send one.
        group.cfg.log().warn(group.label() + ": dropping a PUB of epoch " + f.epoch() + " below "
            + hub.epoch + " from pid " + peer.pid() + " and closing its connection");
        closedByHub = true; // A member that reconnects within rejoinGrace has not left.
        close();
        return;
      }
      group.onPub(this, f);
    } else if (f.type() == Frame.BYE) {
      bye = true;
    } else {
      throw new ProtocolException("PROTOCOL", "unexpected " + Frame.typeName(f.type())
          + " from a follower");
    }
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  private synchronized boolean isClosedOrRejecting() {
    return closed || rejecting;
  }

  /** CHAN-41: refuses a peer of another user where the platform can tell. */
  private boolean peerAllowed() {
    if (!hub.unix || hub.ownUser == null) {
      return true;
    }
    try {
      jdk.net.UnixDomainPrincipal p = ch.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
      if (p != null && !p.user().getName().equals(hub.ownUser)) {
        group.cfg.log().warn(group.label() + ": refusing a connection from user "
            + p.user().getName() + "; only " + hub.ownUser + " may join");
        reject("PEER_USER", "peer user " + p.user().getName() + " is not " + hub.ownUser);
        return false;
      }
    } catch (IOException | UnsupportedOperationException e) {
      group.cfg.log().debug(group.label() + ": peer credentials unavailable (" + e + ")");
    }
    return true;
  }

  private boolean acceptHello(JsonNode h) {
    int t = Frame.HELLO;
    int proto = Json.required(h, "proto", t).asInt();
    if (proto != Frame.VERSION) {
      reject("PROTOCOL_VERSION", "HELLO proto field held " + proto + ", this hub speaks "
          + Frame.VERSION);
      return false;
    }
    String kind = Json.required(h, "kind", t).asText();
    String name = Json.required(h, "name", t).asText();
    if (!kind.equals(group.cfg.kind()) || !name.equals(group.cfg.name())) {
      reject("NAME_MISMATCH", "HELLO named " + kind + " \"" + name + "\", this is "
          + group.label());
      return false;
    }
    if (hub.token != null) {
      JsonNode tok = h.get("token");
      byte[] given = tok == null ? new byte[0] : tok.asText().getBytes(StandardCharsets.US_ASCII);
      byte[] expected = Base64.getUrlEncoder().withoutPadding().encodeToString(hub.token)
          .getBytes(StandardCharsets.US_ASCII);
      if (!MessageDigest.isEqual(given, expected)) {
        group.cfg.log().warn(group.label() + ": refusing a TCP connection with a wrong token");
        reject("BAD_TOKEN", "missing or wrong token");
        return false;
      }
    }
    UUID member = Json.uuid(h, "member", t);
    long pid = Json.required(h, "pid", t).asLong();
    long ce = Json.required(h, "cursorEpoch", t).asLong();
    long cs = Json.required(h, "cursorSeq", t).asLong();
    synchronized (group) {
      if (group.hub != hub || !group.leadsLocked()) {
        return false;
      }
      peer = new MemberInfo(member, pid);
      if (!group.members.containsKey(member)) {
        // Stamped before the join decision, so that a replay covers the member's own joined
        // frame and its cursor has no hole.
        group.stampMemberLocked(true, peer, false);
      }
      GroupMember.Join j = group.joinDecision(ce, cs);
      send(FrameCodec.encode(Frame.control(Frame.WELCOME, group.epoch, group.welcomeLocked(j))));
      for (ByteBuffer b : j.replay()) {
        send(b);
      }
      hub.registerLocked(this);
    }
    return true;
  }

  /**
   * Queues REJECT behind the frames already queued (WELCOME at least, so the peer reads the
   * REJECT last), stops reading, and closes once it is written or after 1 s.
   */
  private void reject(String code, String message) {
    ObjectNode r = Json.object().put("code", code).put("message", message);
    ByteBuffer b = FrameCodec.encode(Frame.control(Frame.REJECT, hub.epoch, Json.bytes(r)));
    synchronized (this) {
      if (closed || rejecting) {
        return;
      }
      rejecting = true;
      queue.add(b);
      queuedBytes += b.remaining();
    }
    Threads.timer().schedule(this::close, REJECT_FLUSH_NANOS, TimeUnit.NANOSECONDS);
    flush();
  }

  /** Sends a frame, or queues it; on overflow disconnects this follower with WARN (CHAN-55). */
  void send(ByteBuffer b) {
    boolean fail = false;
    synchronized (this) {
      if (closed || rejecting) {
        return;
      }
      lastSend = System.nanoTime();
      if (queue.isEmpty() && Threads.maySocketIo()) {
        try {
          ch.write(b);
          if (!b.hasRemaining()) {
            return;
          }
        } catch (IOException e) {
          fail = true;
        }
      }
      if (!fail) {
        if (queue.size() + 1 > group.cfg.subscriberQueueFrames()
            || queuedBytes + b.remaining() > group.cfg.subscriberQueueBytes()) {
          closedByHub = true;
          fail = true;
          group.cfg.log().warn(group.label() + ": follower pid " + (peer == null ? "?" : peer.pid())
              + " is too slow (" + queue.size() + " frames, " + queuedBytes
              + " bytes queued); disconnecting it");
        } else {
          queue.add(b);
          queuedBytes += b.remaining();
          if (!writeInterest) {
            writeInterest = true;
            IoLoop.interest(key, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
          }
          return;
        }
      }
    }
    close();
  }

  /** Writes what the socket takes of the queue; I/O thread, or the rejecting thread. */
  private void flush() {
    boolean closeNow = false;
    synchronized (this) {
      if (closed) {
        return;
      }
      try {
        while (!queue.isEmpty()) {
          int n = 0;
          for (ByteBuffer q : queue) {
            batch[n++] = q;
            if (n == batch.length) {
              break;
            }
          }
          long written = ch.write(batch, 0, n);
          queuedBytes -= written;
          while (!queue.isEmpty() && !queue.peek().hasRemaining()) {
            queue.poll();
          }
          java.util.Arrays.fill(batch, 0, n, null);
          if (written == 0 || !queue.isEmpty() && n < batch.length) {
            break; // The socket buffer is full; OP_WRITE says when it drains.
          }
        }
      } catch (IOException e) {
        closeNow = true;
      }
      if (queue.isEmpty()) {
        writeInterest = false;
        closeNow |= rejecting;
        notifyAll();
        if (!closeNow) {
          IoLoop.interest(key, SelectionKey.OP_READ);
        }
      } else {
        writeInterest = true;
        IoLoop.interest(key, rejecting ? SelectionKey.OP_WRITE
            : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      }
    }
    if (closeNow) {
      close();
    }
  }

  /** Waits until everything queued has been written, or the deadline passes. */
  void awaitFlushed(long deadlineNanos) {
    synchronized (this) {
      while (!closed && !queue.isEmpty()) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Closes the connection from any thread; the departure is handled on the I/O thread. */
  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.clear();
      queuedBytes = 0;
      notifyAll();
    }
    ScheduledFuture<?> t = helloTimer;
    if (t != null) {
      t.cancel(false);
    }
    IoLoop.close(ch, key);
    IoLoop.execute(this::ended);
  }

  /** CHAN-51: a departure becomes a MEMBER left frame. */
  private void ended() {
    synchronized (group) {
      boolean registered = hub.removeLocked(this);
      if (!registered || peer == null || group.hub != hub || !group.leadsLocked()) {
        return;
      }
      if (hub.hasMember(peer.memberId()) || !group.members.containsKey(peer.memberId())) {
        return;
      }
      if (closedByHub && !bye) {
        MemberInfo p = peer;
        Threads.timer().schedule(() -> {
          synchronized (group) {
            if (group.hub == hub && group.leadsLocked() && !hub.hasMember(p.memberId())
                && group.members.containsKey(p.memberId())) {
              group.stampMemberLocked(false, p, false);
            }
          }
        }, group.cfg.rejoinGraceNanos(), TimeUnit.NANOSECONDS);
        return;
      }
      group.stampMemberLocked(false, peer, bye);
    }
  }
}
