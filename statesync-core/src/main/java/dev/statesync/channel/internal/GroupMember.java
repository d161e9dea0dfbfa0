package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.ChannelBackpressureException;
import dev.statesync.channel.ChannelClosedException;
import dev.statesync.channel.ChannelStatus;
import dev.statesync.channel.LeaderLostException;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.Message;
import dev.statesync.channel.PostReceipt;
import dev.statesync.channel.ResyncReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * This JVM's membership in one group: the lock file, the lock thread, and either the hub or the
 * follower link. Every instance of the group in the JVM shares it (CHAN-23). All mutable state is
 * guarded by this object's monitor; blocking I/O never happens while holding it.
 */
final class GroupMember {
  final GroupConfig cfg;
  final String hash;
  final Path lockPath;
  final Path sockPath;
  final Path addrPath;
  final UUID memberId = UUID.randomUUID();
  final long pid = ProcessHandle.current().pid();
  final MemberInfo self = new MemberInfo(memberId, pid);
  final CopyOnWriteArrayList<Endpoint> endpoints = new CopyOnWriteArrayList<>();
  final CompletableFuture<Void> joined = new CompletableFuture<>();
  final CompletableFuture<Void> terminated = new CompletableFuture<>();

  // Registry state, guarded by Registry.
  int refs;
  private FileChannel fc;
  private Thread lockThread;

  // Group state, guarded by this.
  ChannelStatus status = ChannelStatus.JOINING;
  long epoch;
  long highestEpoch;
  MemberInfo leader;
  long cursorEpoch;
  long cursorSeq;
  long nextSeq = 1;
  private final ReplayRing ring;
  final LinkedHashMap<UUID, MemberInfo> members = new LinkedHashMap<>();
  boolean closing;
  private boolean wantLeave;
  private boolean requeueAfterLeave;
  boolean leaving;
  private boolean inOffice;
  private long cooldownUntil;
  private long cooldownEpoch;
  private long prevEpoch;
  private boolean prevClean;
  private long prevLastSeq;
  HubServer hub;
  FollowerLink link;
  private final ArrayDeque<Pending> outbox = new ArrayDeque<>();
  private long outboxBytes;
  final ArrayDeque<Pending> inflight = new ArrayDeque<>();
  long reconnects;
  int effectiveMaxMessageBytes;

  /** A post waiting to be written, or written and waiting for the hub's echo. */
  record Pending(UUID originId, long originSeq, ByteBuffer payload,
      CompletableFuture<PostReceipt> future) {
    ByteBuffer encode(UUID member, long epoch) {
      return FrameCodec.encode(new Frame(Frame.PUB, 0, epoch, 0, member, originId, originSeq,
          payload.duplicate()));
    }
  }

  GroupMember(GroupConfig cfg) {
    this.cfg = cfg;
    this.hash = RuntimeDirs.hash(cfg.kind(), cfg.name());
    String k = cfg.channel() ? "c" : "e";
    Path dir = cfg.dir().path();
    this.lockPath = dir.resolve(k + "-" + hash + ".lock");
    this.sockPath = dir.resolve(k + "-" + hash + ".sock");
    this.addrPath = dir.resolve(k + "-" + hash + ".addr");
    this.ring = new ReplayRing(cfg.replayFrames(), cfg.replayBytes());
    this.effectiveMaxMessageBytes = cfg.maxMessageBytes();
  }

  String label() {
    return cfg.kind() + " \"" + cfg.name() + "\"";
  }

  String threadName(String role) {
    return "statesync-" + cfg.kind() + "-" + cfg.name() + "-" + role;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle (called by Registry)

  /** Opens the lock file (the only descriptor this JVM ever holds on it) and starts competing. */
  void start() throws IOException {
    fc = FileChannel.open(lockPath, StandardOpenOption.READ, StandardOpenOption.WRITE,
        StandardOpenOption.CREATE);
    Registry.countLockOpen();
    synchronized (this) {
      link = new FollowerLink(this);
      link.start();
    }
    lockThread = Threads.start("statesync-lock-" + (cfg.channel() ? "c" : "e") + "-" + hash,
        this::lockLoop);
    Threads.timer().scheduleAtFixedRate(this::watchdog, cfg.heartbeatNanos(),
        Math.max(cfg.heartbeatNanos() / 4, TimeUnit.MILLISECONDS.toNanos(20)),
        TimeUnit.NANOSECONDS);
  }

  /**
   * Leaves the group after the last instance closed: a clean handover when leading, otherwise a
   * BYE to the hub; in both cases the lock file's only descriptor is closed last.
   */
  void shutdown(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    awaitOutboxDrained(deadline);
    boolean leaderPath;
    FollowerLink l;
    synchronized (this) {
      closing = true;
      leaderPath = inOffice;
      l = link;
      link = null;
      notifyAll();
    }
    if (l != null) {
      l.stop(true);
    }
    if (!leaderPath) {
      closeLockChannel();
    }
    try {
      lockThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())
          + 200));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeLockChannel();
    synchronized (this) {
      status = ChannelStatus.CLOSED;
      failAll(new ChannelClosedException(label() + " closed"));
    }
    terminated.complete(null);
  }

  private void closeLockChannel() {
    try {
      fc.close();
    } catch (IOException e) {
      Log.warn("closing lock file of " + label() + " failed", e);
    }
  }

  private void awaitOutboxDrained(long deadline) {
    synchronized (this) {
      while ((!outbox.isEmpty() || !inflight.isEmpty()) && status != ChannelStatus.HUB) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, 10_000_000L));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void failAll(Throwable t) {
    for (Pending p : outbox) {
      p.future().completeExceptionally(t);
    }
    outbox.clear();
    outboxBytes = 0;
    for (Pending p : inflight) {
      p.future().completeExceptionally(t);
    }
    inflight.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // The lock thread: the only thread that calls lock/release and touches the header (CHAN-24).

  private void lockLoop() {
    try {
      while (true) {
        synchronized (this) {
          while (!closing && cooldownUntil != 0) {
            long left = cooldownUntil - System.nanoTime();
            if (left <= 0) {
              cooldownUntil = 0;
              break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
          }
          if (closing) {
            return;
          }
        }
        FileLock fl = fc.lock();
        synchronized (this) {
          if (closing) {
            return;
          }
          inOffice = true;
        }
        takeOffice();
        synchronized (this) {
          while (!wantLeave && !closing) {
            wait();
          }
        }
        leaveOffice();
        synchronized (this) {
          inOffice = false;
          wantLeave = false;
          if (closing) {
            return;
          }
          boolean requeue = requeueAfterLeave;
          requeueAfterLeave = false;
          fl.release();
          if (requeue) {
            cooldownUntil = System.nanoTime() + Math.max(1, cfg.relinquishCooldownNanos());
            cooldownEpoch = epoch;
          }
        }
      }
    } catch (ClosedChannelException e) {
      // The last instance closed the lock file while we waited: the normal end of this thread.
    } catch (IOException e) {
      Log.error("lock thread of " + label() + " failed: " + e);
    } catch (InterruptedException e) {
      Log.warn("lock thread of " + label() + " was interrupted; it is never interrupted by the "
          + "library");
    } finally {
      synchronized (this) {
        inOffice = false;
        notifyAll();
      }
    }
  }

  private void takeOffice() throws IOException {
    LockHeader h = LockHeader.read(fc);
    long newEpoch;
    FollowerLink old;
    synchronized (this) {
      newEpoch = Math.max(h.epoch(), highestEpoch) + 1;
      old = link;
      link = null;
    }
    LockHeader.write(fc, newEpoch, memberId, pid, LockHeader.ACTIVE, 0);
    if (old != null) {
      old.stop(false);
    }
    HubServer server = HubServer.bind(this, newEpoch);
    synchronized (this) {
      epoch = newEpoch;
      highestEpoch = newEpoch;
      leader = self;
      nextSeq = 1;
      prevEpoch = h.epoch();
      prevClean = h.clean();
      prevLastSeq = h.lastSeq();
      effectiveMaxMessageBytes = cfg.maxMessageBytes();
      for (Pending p : inflight) {
        p.future().completeExceptionally(new LeaderLostException("the hub of " + label()
            + " was lost before it acknowledged this post; it may or may not have been delivered"));
      }
      inflight.clear();
      ResyncReason r = localJoinDecision();
      if (r != null) {
        for (Endpoint e : endpoints) {
          e.resync(r);
        }
      }
      hub = server;
      members.remove(memberId);
      Set<UUID> previous = new HashSet<>(members.keySet());
      boolean wasFollower = status != ChannelStatus.JOINING;
      setStatus(ChannelStatus.HUB);
      members.put(memberId, self);
      if (h.leader() != null && h.epoch() > 0 && !h.leader().equals(memberId)) {
        previous.remove(h.leader());
        ObjectNode m = Json.object();
        m.put("event", "left").put("member", h.leader().toString()).put("pid", h.pid())
            .put("clean", h.clean());
        stampLocked(Frame.MEMBER, Frame.ZERO, Frame.ZERO, 0, ByteBuffer.wrap(Json.bytes(m)), null);
      }
      cursorEpoch = epoch;
      cursorSeq = nextSeq - 1;
      if (!previous.isEmpty() && wasFollower) {
        long e = epoch;
        Threads.timer().schedule(() -> expireRejoin(e, previous), cfg.rejoinGraceNanos(),
            TimeUnit.NANOSECONDS);
      }
      while (!outbox.isEmpty()) {
        Pending p = outbox.poll();
        outboxBytes -= p.payload().remaining();
        long seq = stampLocked(Frame.MSG, memberId, p.originId(), p.originSeq(), p.payload(),
            p.originId());
        p.future().complete(new PostReceipt(epoch, seq));
      }
      leadershipChanged();
      joined.complete(null);
      notifyAll();
    }
    server.startAccepting();
    Log.debug(label() + " is now hub in epoch " + newEpoch + " (" + server.describe() + ")");
  }

  /** CHAN-50 applied to this member's own instances when it is promoted. */
  private ResyncReason localJoinDecision() {
    if (cursorEpoch == 0 && cursorSeq == 0) {
      return null;
    }
    if (prevClean && cursorEpoch == prevEpoch && cursorSeq == prevLastSeq) {
      return null;
    }
    if (!prevClean && cursorEpoch == prevEpoch) {
      return ResyncReason.LEADER_LOST;
    }
    return ResyncReason.REPLAY_UNAVAILABLE;
  }

  private void expireRejoin(long e, Set<UUID> previous) {
    synchronized (this) {
      if (hub == null || epoch != e || leaving) {
        return;
      }
      for (UUID id : previous) {
        if (members.containsKey(id) && !hub.hasMember(id)) {
          stampMemberLocked(false, members.get(id), false);
        }
      }
    }
  }

  private void leaveOffice() {
    long deadline = System.nanoTime() + cfg.closeTimeoutNanos();
    HubServer server;
    long lastSeq;
    synchronized (this) {
      leaving = true;
      server = hub;
      lastSeq = nextSeq - 1;
      leadershipChanged();
    }
    server.stopAccepting();
    server.sayBye(lastSeq, deadline);
    try {
      LockHeader.write(fc, epoch, memberId, pid, LockHeader.ENDED, lastSeq);
    } catch (IOException e) {
      Log.warn("writing the lock header of " + label() + " failed", e);
    }
    try {
      Files.deleteIfExists(addrPath);
      Files.deleteIfExists(sockPath);
    } catch (IOException e) {
      Log.warn("deleting the socket files of " + label() + " failed", e);
    }
    server.close();
    synchronized (this) {
      hub = null;
      leaving = false;
      cursorEpoch = epoch;
      cursorSeq = lastSeq;
      if (!closing) {
        setStatus(ChannelStatus.RECONNECTING);
        link = new FollowerLink(this);
        link.start();
      }
      leadershipChanged();
      notifyAll();
    }
  }

  /** Asks the lock thread to leave office and compete again after the cooldown (CHAN-30). */
  synchronized void relinquishOffice() {
    if (inOffice && status == ChannelStatus.HUB && !leaving) {
      wantLeave = true;
      requeueAfterLeave = true;
      leaving = true;
      leadershipChanged();
      notifyAll();
    }
  }

  /** A WELCOME showed a leader with a higher epoch: a relinquishing JVM may compete again. */
  synchronized void sawNewLeader(long e) {
    if (cooldownUntil != 0 && e > cooldownEpoch) {
      cooldownUntil = System.nanoTime();
      notifyAll();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Posting and sequencing

  /** Posts from a local instance; returns the receipt future (CHAN-14, CHAN-47, CHAN-57). */
  CompletableFuture<PostReceipt> post(UUID originId, java.util.function.LongSupplier originSeqs,
      ByteBuffer payload) {
    CompletableFuture<PostReceipt> f = new CompletableFuture<>();
    synchronized (this) {
      if (closing) {
        throw new ChannelClosedException(label() + " is closed");
      }
      long originSeq = originSeqs.getAsLong();
      if (status == ChannelStatus.HUB && hub != null && !leaving) {
        long seq = stampLocked(Frame.MSG, memberId, originId, originSeq, payload, originId);
        f.complete(new PostReceipt(epoch, seq));
        return f;
      }
      if (outboxBytes + payload.remaining() > cfg.pendingPostBytes()) {
        f.completeExceptionally(new ChannelBackpressureException(label() + " has "
            + outboxBytes + " bytes of posts waiting for the hub, the limit (pendingPostBytes) is "
            + cfg.pendingPostBytes() + "; the hub is absent or not reading"));
        return f;
      }
      outbox.add(new Pending(originId, originSeq, payload, f));
      outboxBytes += payload.remaining();
      notifyAll();
    }
    return f.orTimeout(cfg.postTimeoutNanos(), TimeUnit.NANOSECONDS);
  }

  /** Takes the next post to write (follower writer); moves it to in-flight. Null if stopped. */
  Pending takeForWrite(FollowerLink l) throws InterruptedException {
    synchronized (this) {
      while (true) {
        if (link != l || !l.writable()) {
          return null;
        }
        Pending p = outbox.poll();
        if (p != null) {
          if (p.future().isDone()) {
            outboxBytes -= p.payload().remaining();
            continue;
          }
          outboxBytes -= p.payload().remaining();
          inflight.add(p);
          notifyAll();
          return p;
        }
        wait();
      }
    }
  }

  /** Stamps a frame at the hub and fans it out; the caller holds the monitor. Returns the seq. */
  long stampLocked(int type, UUID originMember, UUID originId, long originSeq, ByteBuffer payload,
      UUID skipLocal) {
    long seq = nextSeq++;
    Frame f = new Frame(type, 0, epoch, seq, originMember, originId, originSeq, payload);
    ByteBuffer enc = FrameCodec.encode(f);
    ring.add(epoch, seq, enc);
    cursorEpoch = epoch;
    cursorSeq = seq;
    hub.broadcast(enc);
    applyLocked(f, skipLocal);
    return seq;
  }

  void stampMemberLocked(boolean joinedEvent, MemberInfo m, boolean clean) {
    ObjectNode n = Json.object();
    n.put("event", joinedEvent ? "joined" : "left").put("member", m.memberId().toString())
        .put("pid", m.pid()).put("clean", clean);
    stampLocked(Frame.MEMBER, Frame.ZERO, Frame.ZERO, 0, ByteBuffer.wrap(Json.bytes(n)), null);
  }

  /** A PUB arrived at the hub from a follower connection. */
  void onPub(HubConnection from, Frame f) {
    synchronized (this) {
      if (hub == null || leaving) {
        return; // Not echoed: the follower fails the post with LeaderLostException.
      }
      stampLocked(Frame.MSG, f.originMember(), f.originId(), f.originSeq(), f.payload(), null);
    }
  }

  /** Delivers a sequenced frame to the local instances and updates membership. */
  void applyLocked(Frame f, UUID skipLocal) {
    if (f.type() == Frame.MSG) {
      if (endpoints.isEmpty()) {
        return;
      }
      Message m = new Message(cfg.name(), f.epoch(), f.seq(), f.originMember(), f.originId(),
          f.originSeq(), f.payload());
      for (Endpoint e : endpoints) {
        if (!e.instanceId().equals(skipLocal)) {
          e.message(m);
        }
      }
    } else if (f.type() == Frame.MEMBER) {
      JsonNode n = Json.parse(f);
      String event = Json.required(n, "event", f.type()).asText();
      MemberInfo m = new MemberInfo(Json.uuid(n, "member", f.type()),
          Json.required(n, "pid", f.type()).asLong());
      boolean clean = n.path("clean").asBoolean(false);
      if ("joined".equals(event)) {
        members.put(m.memberId(), m);
        if (!m.memberId().equals(memberId)) {
          for (Endpoint e : endpoints) {
            e.membership(m, true, false);
          }
        }
      } else {
        members.remove(m.memberId());
        for (Endpoint e : endpoints) {
          e.membership(m, false, clean);
        }
      }
    }
  }

  /** Follower side: a sequenced frame from the hub (CHAN-12, CHAN-14, CHAN-16). */
  void onSequenced(Frame f, ByteBuffer encoded) {
    if (f.epoch() < cursorEpoch || (f.epoch() == cursorEpoch && f.seq() <= cursorSeq)) {
      return; // Already processed (replay overlap): at most once.
    }
    ring.add(f.epoch(), f.seq(), encoded);
    cursorEpoch = f.epoch();
    cursorSeq = f.seq();
    UUID skip = null;
    if (f.type() == Frame.MSG && f.originMember().equals(memberId)) {
      skip = f.originId();
      Iterator<Pending> it = inflight.iterator();
      while (it.hasNext()) {
        Pending p = it.next();
        it.remove();
        if (p.originId().equals(f.originId()) && p.originSeq() == f.originSeq()) {
          p.future().complete(new PostReceipt(f.epoch(), f.seq()));
          break;
        }
        p.future().completeExceptionally(new LeaderLostException("the hub of " + label()
            + " dropped this post; it was not delivered"));
      }
      notifyAll();
    }
    applyLocked(f, skip);
  }

  /** CHAN-50 at the hub: what a joining follower gets. Caller holds the monitor. */
  Join joinDecision(long ce, long cs) {
    if (ce == 0 && cs == 0) {
      return new Join(null, List.of(), true);
    }
    if (ce == epoch) {
      List<ByteBuffer> r = ring.range(epoch, cs + 1, nextSeq - 1);
      if (r != null) {
        return new Join(null, r, false);
      }
    } else if (ce == prevEpoch && prevClean && cs <= prevLastSeq) {
      List<ByteBuffer> a = ring.range(prevEpoch, cs + 1, prevLastSeq);
      List<ByteBuffer> b = ring.range(epoch, 1, nextSeq - 1);
      if (a != null && b != null) {
        List<ByteBuffer> all = new ArrayList<>(a);
        all.addAll(b);
        return new Join(null, all, false);
      }
    }
    ResyncReason r = !prevClean && ce == prevEpoch
        ? ResyncReason.LEADER_LOST : ResyncReason.REPLAY_UNAVAILABLE;
    return new Join(r, List.of(), false);
  }

  record Join(ResyncReason resync, List<ByteBuffer> replay, boolean fresh) {}

  /** Builds WELCOME for the current term. Caller holds the monitor. */
  byte[] welcomeLocked(Join j) {
    ObjectNode w = Json.object();
    w.put("epoch", epoch).put("leader", memberId.toString()).put("leaderPid", pid)
        .put("nextSeq", nextSeq).put("heartbeatMs", TimeUnit.NANOSECONDS.toMillis(
            cfg.heartbeatNanos())).put("maxMessageBytes", cfg.maxMessageBytes());
    ArrayNode arr = w.putArray("members");
    for (MemberInfo m : members.values()) {
      arr.addObject().put("member", m.memberId().toString()).put("pid", m.pid());
    }
    if (j.resync() == null) {
      w.putNull("resync");
    } else {
      w.put("resync", j.resync().name());
    }
    return Json.bytes(w);
  }

  private static ResyncReason resyncReason(String text) {
    try {
      return ResyncReason.valueOf(text);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("PROTOCOL", "WELCOME resync field held \"" + text + "\"");
    }
  }

  /** Follower side: WELCOME arrived. Returns false when it must be refused (fencing). */
  boolean onWelcome(FollowerLink l, JsonNode w) {
    int t = Frame.WELCOME;
    long e = Json.required(w, "epoch", t).asLong();
    UUID lead = Json.uuid(w, "leader", t);
    long leadPid = Json.required(w, "leaderPid", t).asLong();
    long next = Json.required(w, "nextSeq", t).asLong();
    int maxBytes = Json.required(w, "maxMessageBytes", t).asInt();
    JsonNode resyncNode = w.get("resync");
    ResyncReason resync = resyncNode == null || resyncNode.isNull()
        ? null : resyncReason(resyncNode.asText());
    Map<UUID, MemberInfo> set = new LinkedHashMap<>();
    for (JsonNode m : Json.required(w, "members", t)) {
      UUID id = Json.uuid(m, "member", t);
      set.put(id, new MemberInfo(id, Json.required(m, "pid", t).asLong()));
    }
    synchronized (this) {
      if (link != l || e < highestEpoch) {
        return false;
      }
      boolean fresh = cursorEpoch == 0 && cursorSeq == 0;
      highestEpoch = e;
      epoch = e;
      leader = new MemberInfo(lead, leadPid);
      effectiveMaxMessageBytes = Math.min(cfg.maxMessageBytes(), maxBytes);
      if (resync != null || fresh) {
        if (resync != null) {
          for (Endpoint ep : endpoints) {
            ep.resync(resync);
          }
          for (MemberInfo old : new ArrayList<>(members.values())) {
            if (!set.containsKey(old.memberId()) && !old.memberId().equals(memberId)) {
              for (Endpoint ep : endpoints) {
                ep.membership(old, false, false);
              }
            }
          }
          for (MemberInfo nu : set.values()) {
            if (!members.containsKey(nu.memberId()) && !nu.memberId().equals(memberId)) {
              for (Endpoint ep : endpoints) {
                ep.membership(nu, true, false);
              }
            }
          }
        }
        members.clear();
        members.putAll(set);
        cursorEpoch = e;
        cursorSeq = next - 1;
      }
      members.put(memberId, self);
      setStatus(ChannelStatus.FOLLOWER);
      leadershipChanged();
      joined.complete(null);
      notifyAll();
    }
    sawNewLeader(e);
    return true;
  }

  /** Follower side: the link to the hub ended; written-but-unechoed posts are lost (CHAN-54). */
  void onLinkLost(FollowerLink l) {
    synchronized (this) {
      if (link != l) {
        return;
      }
      for (Pending p : inflight) {
        p.future().completeExceptionally(new LeaderLostException("the hub of " + label()
            + " disconnected before it acknowledged this post; it may or may not have been "
            + "delivered"));
      }
      inflight.clear();
      if (status == ChannelStatus.FOLLOWER || status == ChannelStatus.UNRESPONSIVE) {
        reconnects++;
        setStatus(ChannelStatus.RECONNECTING);
        leadershipChanged();
      }
      notifyAll();
    }
  }

  /** The version check failed at the hub: pending opens fail (CHAN-46). */
  void onIncompatible(String message) {
    joined.completeExceptionally(new dev.statesync.channel.ChannelUnavailableException(
        "incompatible statesync versions on this host: " + message));
  }

  void setStatus(ChannelStatus s) {
    if (status != s && status != ChannelStatus.CLOSED) {
      status = s;
      for (Endpoint e : endpoints) {
        e.status(s);
      }
    }
  }

  void leadershipChanged() {
    for (Endpoint e : endpoints) {
      e.leadershipMayHaveChanged();
    }
  }

  /** Whether the JVM currently leads and is not handing over; caller holds the monitor. */
  boolean leadsLocked() {
    return status == ChannelStatus.HUB && hub != null && !leaving;
  }

  /** CHAN-52: silence detection; never elects. */
  private void watchdog() {
    FollowerLink l;
    synchronized (this) {
      l = link;
    }
    if (l == null) {
      return;
    }
    long silence = System.nanoTime() - l.lastReadNanos();
    long limit = Math.max(cfg.leaderTimeoutNanos(), 3 * TimeUnit.MILLISECONDS.toNanos(
        l.heartbeatMs()));
    synchronized (this) {
      if (link == l && status == ChannelStatus.FOLLOWER && silence > limit) {
        setStatus(ChannelStatus.UNRESPONSIVE);
        for (Endpoint e : endpoints) {
          e.leaderHealth(true, epoch, leader);
        }
      }
    }
  }

  /** A frame arrived from the hub: ends an unresponsive episode. Caller holds the monitor. */
  void heardFromLeaderLocked() {
    if (status == ChannelStatus.UNRESPONSIVE) {
      setStatus(ChannelStatus.FOLLOWER);
      for (Endpoint e : endpoints) {
        e.leaderHealth(false, epoch, leader);
      }
    }
  }

  synchronized long highestEpochSnapshot() {
    return highestEpoch;
  }

  /** Lets the next opener of this group wait until this JVM's descriptor is closed. */
  volatile boolean terminating;
}
