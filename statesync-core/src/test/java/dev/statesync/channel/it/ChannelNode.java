package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelException;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.LeaderElection;
import dev.statesync.channel.LeaderHealthListener;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.MembershipListener;
import dev.statesync.channel.PostReceipt;
import dev.statesync.channel.Transport;
import dev.statesync.channel.internal.TestHooks;
import dev.statesync.core.logging.Logger;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A test-scope JVM driven over stdin, one command per line, reporting every event to stdout as
 * one JSON line with its {@code nanoTime}; WARN and ERROR entries of the channel logger are
 * reported as {@code log} events, and a thread that ends with an uncaught exception as an
 * {@code uncaught} event. Commands:
 * {@code open <name> [tcp] [openTimeout=<ms>] [barrier=<file>]} (with a barrier, the open waits
 * until the file exists), {@code post <i> <count> <size>},
 * {@code ppost <i> <count> <size> <paceMicros>} (in the background, one receipt or failure per
 * message), {@code ipost <i> <threads> <count>} (posting threads that are interrupted),
 * {@code close <i>}, {@code elect <name>}, {@code relinquish <i>}, {@code eclose <i>},
 * {@code leaders}, {@code stress <name> <threads> <opens>}, {@code hook pause|resume|drop <i>},
 * {@code hook opens}, {@code state}, {@code exit}. With the argument {@code leave-open <name>} it
 * opens a channel and an election of that name and returns from {@code main} instead.
 */
public final class ChannelNode {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private static final List<BroadcastChannel> CHANNELS = new ArrayList<>();
  private static final List<LeaderElection> ELECTIONS = java.util.Collections.synchronizedList(
      new ArrayList<>());
  /** Reports the channel's WARN and ERROR entries as {@code log} events. */
  private static final Logger CAPTURE = new Logger() {
    @Override
    public void debug(String message, Map<String, ?> extra) {
    }

    @Override
    public void warn(String message, Map<String, ?> extra) {
      emit(ev("log").put("level", "WARN").put("msg", line(message, extra)));
    }

    @Override
    public void error(String message, Map<String, ?> extra) {
      emit(ev("log").put("level", "ERROR").put("msg", line(message, extra)));
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    private String line(String message, Map<String, ?> extra) {
      return extra == null || extra.isEmpty() ? message : message + " " + extra.values();
    }
  };

  private ChannelNode() {}

  static synchronized void emit(ObjectNode n) {
    n.put("t", System.nanoTime());
    OUT.println(n.toString());
    OUT.flush();
  }

  static ObjectNode ev(String type) {
    return JSON.createObjectNode().put("ev", type);
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("leave-open")) {
      BroadcastChannel.open(args[1]);
      LeaderElection.open(args[1]);
      emit(ev("left-open"));
      return; // Library threads are daemons: the JVM must exit although both stay open.
    }
    // A library thread that dies of an exception is a bug the fuzz and safety tests look for.
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> emit(ev("uncaught")
        .put("thread", t.getName()).put("error", e.toString())));
    emit(ev("ready").put("pid", ProcessHandle.current().pid()));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] a = line.trim().split(" ");
      try {
        switch (a[0]) {
          case "open": open(a); break;
          case "post": post(a); break;
          case "ppost": pacedPost(a); break;
          case "ipost": interruptedPost(a); break;
          case "leaders": leaders(); break;
          case "stress": stress(a); break;
          case "hook": hook(a); break;
          case "close": CHANNELS.get(Integer.parseInt(a[1])).close();
            emit(ev("closed").put("i", Integer.parseInt(a[1]))); break;
          case "elect": elect(a); break;
          case "relinquish":
            emit(ev("relinquished").put("i", Integer.parseInt(a[1]))
                .put("ok", ELECTIONS.get(Integer.parseInt(a[1])).relinquish())); break;
          case "eclose": ELECTIONS.get(Integer.parseInt(a[1])).close();
            emit(ev("eclosed").put("i", Integer.parseInt(a[1]))); break;
          case "state": state(); break;
          case "threads": threads(); break;
          case "exit": System.exit(0); break;
          default: emit(ev("error").put("message", "unknown command " + a[0]));
        }
      } catch (Exception e) {
        emit(ev("error").put("message", e.toString()).put("type", e.getClass().getSimpleName()));
      }
    }
  }

  private static void open(String[] a) {
    ChannelOptions.Builder b = ChannelOptions.builder().logger(CAPTURE)
        .leaderTimeout(Duration.ofMillis(1000))
        // A clean close flushes everything within closeTimeout; on 2 loaded cores 1 s is too tight.
        .closeTimeout(Duration.ofSeconds(10))
        .heartbeatInterval(Duration.ofMillis(200)).openTimeout(Duration.ofSeconds(10))
        // Posts queued across a failover must not time out while loaded CI cores catch up.
        .postTimeout(Duration.ofSeconds(30));
    for (int k = 2; k < a.length; k++) {
      if (a[k].equals("tcp")) {
        b.transport(Transport.TCP);
      } else if (a[k].startsWith("openTimeout=")) {
        b.openTimeout(Duration.ofMillis(Long.parseLong(a[k].substring("openTimeout=".length()))));
      } else if (a[k].startsWith("barrier=")) {
        awaitBarrier(java.nio.file.Path.of(a[k].substring("barrier=".length())));
      }
    }
    long start = System.nanoTime();
    BroadcastChannel ch;
    try {
      ch = BroadcastChannel.open(a[1], b.build());
    } catch (RuntimeException e) {
      emit(ev("openfailed").put("type", e.getClass().getSimpleName())
          .put("message", String.valueOf(e.getMessage()))
          .put("ms", (System.nanoTime() - start) / 1_000_000));
      return;
    }
    int i = CHANNELS.size();
    CHANNELS.add(ch);
    ch.subscribe(m -> {
      ByteBuffer p = m.payload();
      long counter = p.remaining() >= 8 ? p.getLong(0) : -1;
      emit(ev("msg").put("i", i).put("epoch", m.epoch()).put("seq", m.seq())
          .put("origin", m.originId().toString()).put("originSeq", m.originSeq())
          .put("len", m.payload().remaining()).put("n", counter));
    });
    ch.onResync(r -> emit(ev("resync").put("i", i).put("reason", r.name())));
    ch.onStatus(s -> emit(ev("status").put("i", i).put("status", s.name())
        .put("epoch", ch.epoch())));
    ch.onMembership(new MembershipListener() {
      @Override
      public void joined(MemberInfo m) {
        emit(ev("joined").put("i", i).put("pid", m.pid()));
      }

      @Override
      public void left(MemberInfo m, boolean clean) {
        emit(ev("left").put("i", i).put("pid", m.pid()).put("clean", clean));
      }
    });
    ObjectNode opened = ev("opened").put("i", i).put("status", ch.status().name())
        .put("epoch", ch.epoch()).put("id", ch.instanceId().toString())
        .put("members", ch.members().size());
    ArrayNode pids = opened.putArray("pids");
    ch.members().forEach(m -> pids.add(m.pid()));
    emit(opened);
  }

  private static void post(String[] a) throws Exception {
    int i = Integer.parseInt(a[1]);
    int count = Integer.parseInt(a[2]);
    int size = Integer.parseInt(a[3]);
    BroadcastChannel ch = CHANNELS.get(i);
    List<CompletableFuture<PostReceipt>> fs = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      fs.add(ch.post(payload(k, size)));
    }
    report(i, fs, false);
  }

  private static byte[] payload(long counter, int size) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(8, size));
    b.putLong(0, counter);
    return b.array();
  }

  /** Emits one receipt per success (with the message's counter) and a summary. */
  private static void report(int i, List<CompletableFuture<PostReceipt>> fs, boolean perFailure) {
    int ok = 0;
    String failure = null;
    for (int k = 0; k < fs.size(); k++) {
      try {
        PostReceipt r = fs.get(k).join();
        ok++;
        emit(ev("receipt").put("i", i).put("epoch", r.epoch()).put("seq", r.seq()).put("n", k));
      } catch (Exception e) {
        failure = e.getCause() == null ? e.toString() : e.getCause().getClass().getSimpleName();
        if (perFailure) {
          emit(ev("postfail").put("i", i).put("n", k).put("type", failure));
        }
      }
    }
    ObjectNode done = ev("posted").put("i", i).put("ok", ok);
    if (failure != null) {
      done.put("failure", failure);
    }
    emit(done);
  }

  /** Posts in the background, one message every {@code paceMicros}, so that faults land mid-way. */
  private static void pacedPost(String[] a) {
    int i = Integer.parseInt(a[1]);
    int count = Integer.parseInt(a[2]);
    int size = Integer.parseInt(a[3]);
    long paceNanos = Long.parseLong(a[4]) * 1000;
    BroadcastChannel ch = CHANNELS.get(i);
    Thread t = new Thread(() -> {
      List<CompletableFuture<PostReceipt>> fs = new ArrayList<>();
      long next = System.nanoTime();
      for (int k = 0; k < count; k++) {
        try {
          fs.add(ch.post(payload(k, size)));
        } catch (RuntimeException e) {
          fs.add(CompletableFuture.failedFuture(e));
        }
        next += paceNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      report(i, fs, true);
    }, "paced-post");
    t.start();
  }

  /**
   * AC-CHAN-28: {@code threads} user threads post {@code count} messages each while another
   * thread keeps interrupting them. Reports how the posts ended.
   */
  private static void interruptedPost(String[] a) throws Exception {
    int i = Integer.parseInt(a[1]);
    int threads = Integer.parseInt(a[2]);
    int count = Integer.parseInt(a[3]);
    BroadcastChannel ch = CHANNELS.get(i);
    List<CompletableFuture<PostReceipt>> fs = java.util.Collections.synchronizedList(
        new ArrayList<>());
    AtomicInteger channelExceptions = new AtomicInteger();
    List<String> others = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> posters = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread p = new Thread(() -> {
        for (int k = 0; k < count; k++) {
          try {
            fs.add(ch.post(payload(k, 64)));
          } catch (ChannelException e) {
            channelExceptions.incrementAndGet();
          } catch (RuntimeException e) {
            others.add(e.toString());
          }
          if (k % 16 == 0) {
            Thread.yield();
          }
        }
      }, "interrupted-poster-" + t);
      posters.add(p);
    }
    posters.forEach(Thread::start);
    long interrupts = 0;
    while (posters.stream().anyMatch(Thread::isAlive)) {
      for (Thread p : posters) {
        p.interrupt();
        interrupts++;
      }
      LockSupport.parkNanos(50_000);
    }
    int ok = 0;
    for (CompletableFuture<PostReceipt> f : fs) {
      try {
        f.join();
        ok++;
      } catch (java.util.concurrent.CompletionException e) {
        if (e.getCause() instanceof ChannelException) {
          channelExceptions.incrementAndGet();
        } else {
          others.add(String.valueOf(e.getCause()));
        }
      }
    }
    ObjectNode n = ev("iposted").put("i", i).put("ok", ok).put("interrupts", interrupts)
        .put("channelExceptions", channelExceptions.get()).put("others", others.size());
    if (!others.isEmpty()) {
      n.put("firstOther", others.get(0));
    }
    emit(n);
  }

  /**
   * AC-CHAN-27: one channel and one election of {@code name} stay open while {@code threads}
   * threads open and close {@code opens} more instances of both kinds in random order.
   */
  private static void stress(String[] a) throws Exception {
    String name = a[1];
    int threads = Integer.parseInt(a[2]);
    int opens = Integer.parseInt(a[3]);
    ChannelOptions co = ChannelOptions.builder().logger(CAPTURE).openTimeout(Duration.ofSeconds(10))
        .closeTimeout(Duration.ofSeconds(10)).build();
    ElectionOptions eo = electionOptions();
    CHANNELS.add(BroadcastChannel.open(name, co));
    ELECTIONS.add(LeaderElection.open(name, eo));
    AtomicInteger remaining = new AtomicInteger(opens);
    AtomicInteger errors = new AtomicInteger();
    List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ts.add(new Thread(() -> {
        java.util.Random rnd = new java.util.Random();
        List<AutoCloseable> mine = new ArrayList<>();
        try {
          while (remaining.getAndDecrement() > 0) {
            mine.add(rnd.nextBoolean() ? BroadcastChannel.open(name, co)
                : LeaderElection.open(name, eo));
            while (!mine.isEmpty() && rnd.nextInt(3) == 0) {
              mine.remove(rnd.nextInt(mine.size())).close();
            }
          }
          java.util.Collections.shuffle(mine, rnd);
          for (AutoCloseable c : mine) {
            c.close();
          }
        } catch (Exception e) {
          errors.incrementAndGet();
          firstErrors.add(e.toString());
        }
      }, "stress-" + t));
    }
    ts.forEach(Thread::start);
    for (Thread t : ts) {
      t.join();
    }
    ObjectNode n = ev("stressed").put("errors", errors.get())
        .put("lockOpens", TestHooks.lockOpens())
        .put("status", CHANNELS.get(CHANNELS.size() - 1).status().name())
        .put("leader", ELECTIONS.get(ELECTIONS.size() - 1).isLeader());
    if (!firstErrors.isEmpty()) {
      n.put("firstError", firstErrors.get(0));
    }
    emit(n);
  }

  private static void hook(String[] a) {
    switch (a[1]) {
      case "pause":
      case "resume":
      case "drop": {
        String name = CHANNELS.get(Integer.parseInt(a[2])).name();
        if (a[1].equals("drop")) {
          TestHooks.dropConnection("channel", name);
        } else {
          TestHooks.pauseReading("channel", name, a[1].equals("pause"));
        }
        emit(ev("hooked").put("hook", a[1]));
        break;
      }
      case "opens":
        emit(ev("hooked").put("hook", "opens").put("lockOpens", TestHooks.lockOpens()));
        break;
      default:
        emit(ev("error").put("message", "unknown hook " + a[1]));
    }
  }

  /** Samples isLeader() of every election instance, the newest first. */
  private static void leaders() {
    ObjectNode n = ev("leaders");
    ArrayNode arr = n.putArray("leader");
    for (int k = ELECTIONS.size() - 1; k >= 0; k--) {
      arr.add(ELECTIONS.get(k).isLeader());
    }
    emit(n);
  }

  private static ElectionOptions electionOptions() {
    // A relinquishing JVM competes again at once when it sees the next leader; the long cooldown
    // only keeps it from taking office straight back when the other JVMs are slow to be scheduled.
    return ElectionOptions.builder().logger(CAPTURE).heartbeatInterval(Duration.ofMillis(200))
        .leaderTimeout(Duration.ofMillis(1000)).relinquishCooldown(Duration.ofSeconds(2))
        .build();
  }


  private static void elect(String[] a) {
    long start = System.nanoTime();
    LeaderElection e = LeaderElection.open(a[1], electionOptions());
    long openMs = (System.nanoTime() - start) / 1_000_000;
    int i = ELECTIONS.size();
    ELECTIONS.add(e);
    e.onLeadershipChange((leader, epoch) -> emit(ev("leadership").put("i", i)
        .put("leader", leader).put("epoch", epoch)));
    e.onLeaderUnresponsive(new LeaderHealthListener() {
      @Override
      public void unresponsive(long epoch, MemberInfo leader) {
        emit(ev("unresponsive").put("i", i).put("epoch", epoch));
      }

      @Override
      public void recovered(long epoch) {
        emit(ev("recovered").put("i", i).put("epoch", epoch));
      }
    });
    emit(ev("elected").put("i", i).put("leader", e.isLeader()).put("ms", openMs));
  }

  /** Spins until {@code file} exists, so that several JVMs open in the same instant. */
  private static void awaitBarrier(java.nio.file.Path file) {
    emit(ev("waiting"));
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!java.nio.file.Files.exists(file)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("barrier " + file + " never appeared");
      }
      LockSupport.parkNanos(50_000);
    }
  }

  /** The names of this JVM's live library threads (CHAN-58). */
  private static void threads() {
    ObjectNode n = ev("threads");
    ArrayNode names = n.putArray("names");
    Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(t -> t.startsWith("statesync-")).sorted().forEach(names::add);
    emit(n);
  }

  private static void state() {
    ObjectNode n = ev("state");
    var cs = n.putArray("channels");
    for (BroadcastChannel c : CHANNELS) {
      ObjectNode o = cs.addObject().put("status", c.status().name()).put("epoch", c.epoch())
          .put("members", c.members().size());
      ArrayNode pids = o.putArray("pids");
      c.members().forEach(m -> pids.add(m.pid()));
    }
    var es = n.putArray("elections");
    for (LeaderElection e : ELECTIONS) {
      es.addObject().put("leader", e.isLeader()).put("epoch", e.epoch())
          .put("hasLeader", e.hasLeader());
    }
    emit(n);
  }
}
