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
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
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
import java.util.concurrent.ScheduledFuture;
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
  // The only descriptor this JVM holds on the lock file; replaced only by the lock thread when
  // the inode guard finds the file deleted or replaced (CHAN-28).
  private volatile FileChannel fc;
  private Thread lockThread;
  private ScheduledFuture<?> watchdogTask;
  private ScheduledFuture<?> inodeGuardTask;

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
  private long closeDeadline;
  private Object lockFileKey;
  private boolean reopenRequested;
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

  // ---------------------------------------------------------------------------------------------
  // Lifecycle (called by Registry)

  /** Opens the lock file (the only descriptor this JVM ever holds on it) and starts competing. */
  void start() throws IOException {
    fc = openLockFile();
    synchronized (this) {
      link = new FollowerLink(this);
      link.start();
    }
    lockThread = Threads.start("statesync-lock-" + (cfg.channel() ? "c" : "e") + "-" + hash,
        this::lockLoop);
    watchdogTask = Threads.timer().scheduleAtFixedRate(this::watchdog, cfg.heartbeatNanos(),
        Math.max(cfg.heartbeatNanos() / 4, TimeUnit.MILLISECONDS.toNanos(20)),
        TimeUnit.NANOSECONDS);
    inodeGuardTask = Threads.timer().scheduleAtFixedRate(this::inodeGuard, cfg.heartbeatNanos(),
        cfg.heartbeatNanos(), TimeUnit.NANOSECONDS);
  }

  /** Opens the lock file and records its file key for the inode guard (CHAN-28). */
  private FileChannel openLockFile() throws IOException {
    FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.READ, StandardOpenOption.WRITE,
        StandardOpenOption.CREATE);
    Registry.countLockOpen();
    Object key;
    try {
      key = currentLockFileKey();
    } catch (IOException e) {
      key = null; // Deleted at once: the guard cannot compare, so it stays off for this file.
    }
    synchronized (this) {
      lockFileKey = key;
      reopenRequested = false;
    }
    return ch;
  }

  /** The lock file's key, read without opening a descriptor; throws if the file is gone. */
  private Object currentLockFileKey() throws IOException {
    return Files.readAttributes(lockPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .fileKey();
  }

  /**
   * CHAN-28: the lock file was deleted or replaced (a tmp cleaner, say). A newcomer would lock the
   * new inode while this JVM holds the old one, so this member leaves (a leader cleanly, as in
   * CHAN-27) and competes again on the current file. Runs on the timer every heartbeatInterval.
   */
  private void inodeGuard() {
    Object recorded;
    synchronized (this) {
      recorded = lockFileKey;
      if (recorded == null || closing || reopenRequested) {
        return; // No file key on this platform (Windows), or already handled.
      }
    }
    String change = lockFileChange(recorded);
    if (change == null) {
      return;
    }
    FileChannel cancel = null;
    synchronized (this) {
      if (closing || reopenRequested || lockFileKey != recorded) {
        return;
      }
      requestReopenLocked(change);
      if (inOffice) {
        wantLeave = true;
        notifyAll();
      } else {
        cancel = fc; // Closing it ends the lock thread's pending lock() on the old inode.
      }
    }
    if (cancel != null) {
      closeQuietly(cancel);
    }
  }

  /** "deleted" or "replaced" when the lock file is no longer the one opened, else null. */
  private String lockFileChange(Object recorded) {
    if (recorded == null) {
      return null;
    }
    try {
      return recorded.equals(currentLockFileKey()) ? null : "replaced";
    } catch (NoSuchFileException e) {
      return "deleted";
    } catch (IOException e) {
      return null;
    }
  }

  private void requestReopenLocked(String change) {
    reopenRequested = true;
    cfg.log().error(label() + ": the lock file " + lockPath + " was " + change + " while in use; "
        + "this member leaves the group and competes again on the current file (keep tmp "
        + "cleaners away from " + cfg.dir().path() + ")");
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
      closeDeadline = deadline;
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
      // When the bound is hit, only closing the descriptor (which releases the lock) remains.
      lockThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeLockChannel();
    watchdogTask.cancel(false);
    inodeGuardTask.cancel(false);
    synchronized (this) {
      status = ChannelStatus.CLOSED;
      failAll(new ChannelClosedException(label() + " closed"));
    }
    terminated.complete(null);
  }

  private void closeLockChannel() {
    closeQuietly(fc);
  }

  private void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      cfg.log().warn("closing lock file of " + label() + " failed", e);
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

  /** How often a lock thread polls when the kernel refuses its blocking wait (EDEADLK). */
  private static final long DEADLOCK_POLL_MILLIS = 5;

  /**
   * Takes the lock file's lock, waiting as long as it takes; null if the member closes first.
   *
   * <p>POSIX record locks belong to the process, so the kernel sees a cycle when this JVM holds
   * one name's lock and waits for another's while a second JVM does the opposite (a host
   * coordinator holds a channel and an election, for example), and it refuses the second wait
   * with EDEADLK ("Resource deadlock avoided"). Nothing is deadlocked: each lock is simply held
   * by a live hub. So on any failure of the blocking wait other than a closed file, this polls
   * with {@code tryLock}, which the kernel never refuses that way, until the lock is free.
   */
  private FileLock acquire(FileChannel ch) throws IOException, InterruptedException {
    try {
      return ch.lock();
    } catch (ClosedChannelException e) {
      throw e;
    } catch (IOException e) {
      cfg.log().warn(label() + ": the kernel refused a blocking wait for the lock file ("
          + e.getMessage()
          + "), most likely because this process holds another statesync lock that a process "
          + "waiting here needs; polling every " + DEADLOCK_POLL_MILLIS + " ms instead");
    }
    while (true) {
      synchronized (this) {
        if (closing) {
          return null;
        }
      }
      FileLock fl = ch.tryLock();
      if (fl != null) {
        return fl;
      }
      synchronized (this) {
        if (closing) {
          return null;
        }
        TimeUnit.MILLISECONDS.timedWait(this, DEADLOCK_POLL_MILLIS);
      }
    }
  }

  private void lockLoop() {
    FileChannel ch = fc;
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
        FileLock fl;
        try {
          fl = acquire(ch);
        } catch (ClosedChannelException e) {
          synchronized (this) {
            if (closing || !reopenRequested) {
              return; // The last instance closed the lock file: the normal end of this thread.
            }
          }
          ch = reopenLockFile(ch);
          continue;
        }
        if (fl == null) {
          return; // closing while polling
        }
        // A lock on a deleted inode is worth nothing: a newcomer locks the file now at the path.
        Object recorded;
        synchronized (this) {
          recorded = lockFileKey;
        }
        String change = lockFileChange(recorded);
        boolean reopen;
        synchronized (this) {
          if (closing) {
            return;
          }
          if (change != null && !reopenRequested) {
            requestReopenLocked(change);
          }
          reopen = reopenRequested;
          inOffice = !reopen;
        }
        if (reopen) {
          ch = reopenLockFile(ch); // Closing the old descriptor drops the lock on the old inode.
          continue;
        }
        takeOffice(ch);
        synchronized (this) {
          while (!wantLeave && !closing && !reopenRequested) {
            wait();
          }
        }
        leaveOffice(ch);
        boolean requeue;
        synchronized (this) {
          inOffice = false;
          wantLeave = false;
          if (closing) {
            return;
          }
          reopen = reopenRequested;
          requeue = requeueAfterLeave;
          requeueAfterLeave = false;
          if (!reopen) {
            fl.release();
            if (requeue) {
              cooldownUntil = System.nanoTime() + Math.max(1, cfg.relinquishCooldownNanos());
              cooldownEpoch = epoch;
            }
          }
        }
        if (reopen) {
          ch = reopenLockFile(ch);
        }
      }
    } catch (ClosedChannelException e) {
      // The last instance closed the lock file while we held office: the normal end.
    } catch (IOException e) {
      cfg.log().error("lock thread of " + label() + " failed: " + e);
    } catch (InterruptedException e) {
      cfg.log().warn("lock thread of " + label() + " was interrupted; it is never interrupted by "
          + "the library");
    } finally {
      synchronized (this) {
        inOffice = false;
        notifyAll();
      }
    }
  }

  /** Lock thread only: swaps the descriptor for one on the current lock file (CHAN-28). */
  private FileChannel reopenLockFile(FileChannel old) throws IOException {
    closeQuietly(old);
    FileChannel nu = openLockFile();
    synchronized (this) {
      if (closing) {
        closeQuietly(nu);
        throw new ClosedChannelException();
      }
      fc = nu;
    }
    return nu;
  }

  private void takeOffice(FileChannel ch) throws IOException {
    LockHeader h = LockHeader.read(ch);
    FollowerLink current;
    synchronized (this) {
      current = link;
    }
    if (current != null) {
      // CHAN-49: what the previous leader wrote before it released the lock (its last messages
      // and BYE, or whatever a crashed leader had sent) may still wait unread in this member's
      // socket, and must be processed before the cursor decides about resync. A leader that
      // ended cleanly or died has closed its connections, so this takes as long as reading them;
      // the bound only matters when the lock file was replaced under a live leader (CHAN-28).
      current.awaitEnd(System.nanoTime()
          + (h.clean() ? cfg.closeTimeoutNanos() : cfg.heartbeatNanos()));
    }
    long newEpoch;
    FollowerLink old;
    synchronized (this) {
      newEpoch = Math.max(h.epoch(), highestEpoch) + 1;
      old = link;
      link = null;
    }
    LockHeader.write(ch, newEpoch, memberId, pid, LockHeader.ACTIVE, 0);
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
    cfg.log().debug(label() + " is now hub in epoch " + newEpoch + " (" + server.describe() + ")");
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

  private void leaveOffice(FileChannel ch) {
    boolean lockReplaced;
    long deadline;
    HubServer server;
    long lastSeq;
    synchronized (this) {
      // Closing bounds the handover by the caller's deadline, less a little for the header.
      deadline = closing
          ? closeDeadline - Math.min(TimeUnit.MILLISECONDS.toNanos(50),
              (closeDeadline - System.nanoTime()) / 10)
          : System.nanoTime() + cfg.closeTimeoutNanos();
      leaving = true;
      lockReplaced = reopenRequested;
      server = hub;
      lastSeq = nextSeq - 1;
      leadershipChanged();
    }
    server.stopAccepting();
    server.sayBye(lastSeq, deadline);
    try {
      LockHeader.write(ch, epoch, memberId, pid, LockHeader.ENDED, lastSeq);
    } catch (IOException e) {
      cfg.log().warn("writing the lock header of " + label() + " failed", e);
    }
    // After the lock file was replaced (CHAN-28) a leader on the new file may already have bound
    // its own socket and written its own .addr: then only an .addr naming this term is deleted.
    server.deleteOwnFiles(!lockReplaced);
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
      if (link != null) {
        link.pumpLocked();
      }
      notifyAll();
    }
    return f.orTimeout(cfg.postTimeoutNanos(), TimeUnit.NANOSECONDS);
  }

  /** Takes the next post to write and moves it to in-flight; null if none. Caller holds this. */
  Pending takeForWriteLocked() {
    while (true) {
      Pending p = outbox.poll();
      if (p == null) {
        return null;
      }
      outboxBytes -= p.payload().remaining();
      if (p.future().isDone()) {
        continue; // Timed out while waiting for a hub.
      }
      inflight.add(p);
      notifyAll();
      return p;
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
      // Applied idempotently: after a resync the WELCOME's member set already holds the effect
      // of the frames replayed behind it, and a follower whose connection dropped may replay its
      // own departure although it is still here.
      if ("joined".equals(event)) {
        if (members.put(m.memberId(), m) == null && !m.memberId().equals(memberId)) {
          for (Endpoint e : endpoints) {
            e.membership(m, true, false);
          }
        }
      } else if (!m.memberId().equals(memberId) && members.remove(m.memberId()) != null) {
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
    if (ce != epoch) {
      // The discontinuity is the change of term: what this term stamped before the member
      // reconnected comes after the resync, so that a post acknowledged in this epoch reaches
      // every member that was there (AC-CHAN-35).
      List<ByteBuffer> current = ring.range(epoch, 1, nextSeq - 1);
      if (current != null && !current.isEmpty()) {
        return new Join(r, current, false, 1);
      }
    }
    return new Join(r, List.of(), false, 0);
  }

  /** A join decision; {@code replayFrom} is the first replayed seq of a resync, 0 if none. */
  record Join(ResyncReason resync, List<ByteBuffer> replay, boolean fresh, long replayFrom) {
    Join(ResyncReason resync, List<ByteBuffer> replay, boolean fresh) {
      this(resync, replay, fresh, 0);
    }
  }

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
      if (j.replayFrom() > 0) {
        // An extension field (unknown fields are ignored): this term's frames from this seq
        // follow the WELCOME although the member resyncs.
        w.put("replayFrom", j.replayFrom());
      }
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
    long replayFrom = w.path("replayFrom").asLong(0);
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
        cursorSeq = resync != null && replayFrom > 0 && replayFrom < next ? replayFrom - 1
            : next - 1;
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
