package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.MemberInfo;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One follower's connection at the hub: a reader thread (HELLO, then PUB and BYE) and a writer
 * thread draining a bounded queue, so a slow follower is disconnected instead of stalling others.
 */
final class HubConnection {
  private final HubServer hub;
  private final GroupMember group;
  private final SocketChannel ch;
  volatile MemberInfo peer;
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private long queuedBytes;
  private boolean closed;
  private boolean rejecting;
  private volatile boolean writerStarted;
  private boolean writing;
  private volatile boolean bye;
  private volatile boolean closedByHub;

  HubConnection(HubServer hub, SocketChannel ch) {
    this.hub = hub;
    this.group = hub.group;
    this.ch = ch;
  }

  void start() {
    Threads.start(group.threadName("hub-reader"), this::readLoop);
  }

  private void readLoop() {
    ScheduledFuture<?> helloTimer = Threads.timer().schedule(() -> {
      if (peer == null) {
        group.cfg.log().warn(group.label() + ": closing a connection that sent no HELLO within 1 s");
        close();
      }
    }, 1, TimeUnit.SECONDS);
    ByteBuffer lengthBuf = ByteBuffer.allocate(4);
    try {
      if (!peerAllowed()) {
        return;
      }
      Frame hello = FrameCodec.read(ch, lengthBuf, group.cfg.maxMessageBytes());
      helloTimer.cancel(false);
      if (hello.type() != Frame.HELLO) {
        throw new ProtocolException("PROTOCOL", "first frame was " + Frame.typeName(hello.type())
            + ", expected HELLO");
      }
      if (!acceptHello(Json.parse(hello))) {
        return;
      }
      writerStarted = true;
      Threads.start(group.threadName("hub-writer-" + peer.pid()), this::writeLoop);
      while (true) {
        Frame f = FrameCodec.read(ch, lengthBuf, group.cfg.maxMessageBytes());
        if (f.type() == Frame.PUB) {
          if (!f.originMember().equals(peer.memberId())) {
            throw new ProtocolException("PROTOCOL", "PUB originMember field held "
                + f.originMember() + " but the connection's HELLO named " + peer.memberId());
          }
          group.onPub(this, f);
        } else if (f.type() == Frame.BYE) {
          bye = true;
        } else {
          throw new ProtocolException("PROTOCOL", "unexpected " + Frame.typeName(f.type())
              + " from a follower");
        }
      }
    } catch (ProtocolException e) {
      group.cfg.log().warn(group.label() + ": rejecting a connection" + (peer == null ? "" : " from pid "
          + peer.pid()) + ": " + e.getMessage());
      reject(e.code(), e.getMessage());
    } catch (EOFException e) {
      // The follower closed or died; handled below.
    } catch (IOException e) {
      if (!closedByHub && !closedQuietly()) {
        group.cfg.log().debug(group.label() + ": connection ended: " + e);
      }
    } finally {
      helloTimer.cancel(false);
      close();
      ended();
    }
  }

  private boolean closedQuietly() {
    synchronized (this) {
      return closed;
    }
  }

  /** CHAN-41: refuses a peer of another user where the platform can tell. */
  private boolean peerAllowed() {
    if (!hub.unix || hub.ownUser == null) {
      return true;
    }
    try {
      jdk.net.UnixDomainPrincipal p = ch.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
      if (p != null && !p.user().getName().equals(hub.ownUser)) {
        group.cfg.log().warn(group.label() + ": refusing a connection from user " + p.user().getName()
            + "; only " + hub.ownUser + " may join");
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

  private void reject(String code, String message) {
    ObjectNode r = Json.object().put("code", code).put("message", message);
    if (writerStarted) {
      // Frames already queued (WELCOME at least) go first, so the peer reads the REJECT last.
      synchronized (this) {
        rejecting = true;
      }
      awaitFlushed(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    }
    try {
      ByteBuffer b = FrameCodec.encode(Frame.control(Frame.REJECT, hub.epoch, Json.bytes(r)));
      while (b.hasRemaining()) {
        ch.write(b);
      }
    } catch (IOException ignored) {
      // Best effort: the peer may already be gone.
    }
    close();
  }

  /** Queues a frame; on overflow disconnects this follower and logs WARN (CHAN-55). */
  void send(ByteBuffer b) {
    synchronized (this) {
      if (closed || rejecting) {
        return;
      }
      if (queue.size() + 1 > group.cfg.subscriberQueueFrames()
          || queuedBytes + b.remaining() > group.cfg.subscriberQueueBytes()) {
        closedByHub = true;
        group.cfg.log().warn(group.label() + ": follower pid " + (peer == null ? "?" : peer.pid())
            + " is too slow (" + queue.size() + " frames, " + queuedBytes
            + " bytes queued); disconnecting it");
      } else {
        queue.add(b);
        queuedBytes += b.remaining();
        notifyAll();
        return;
      }
    }
    close();
  }

  private void writeLoop() {
    ByteBuffer[] batch = new ByteBuffer[64];
    long hbNanos = group.cfg.heartbeatNanos();
    try {
      while (true) {
        int n = 0;
        synchronized (this) {
          long deadline = System.nanoTime() + hbNanos;
          while (queue.isEmpty() && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
          }
          if (closed) {
            return;
          }
          if (queue.isEmpty()) {
            batch[n++] = FrameCodec.encode(Frame.control(Frame.HEARTBEAT, hub.epoch, new byte[0]));
          }
          while (n < batch.length && !queue.isEmpty()) {
            ByteBuffer b = queue.poll();
            queuedBytes -= b.remaining();
            batch[n++] = b;
          }
          writing = true;
        }
        long remaining = 0;
        for (int i = 0; i < n; i++) {
          remaining += batch[i].remaining();
        }
        while (remaining > 0) {
          remaining -= ch.write(batch, 0, n);
        }
        synchronized (this) {
          writing = false;
          notifyAll();
        }
      }
    } catch (IOException | InterruptedException e) {
      close();
    } finally {
      synchronized (this) {
        writing = false;
        notifyAll();
      }
    }
  }

  /** Waits until everything queued has been written, or the deadline passes. */
  void awaitFlushed(long deadlineNanos) {
    synchronized (this) {
      while (!closed && (!queue.isEmpty() || writing)) {
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
    HubServer.closeQuietly(ch);
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
