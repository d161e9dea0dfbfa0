package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.LeaderElection;
import dev.statesync.channel.LeaderHealthListener;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.MembershipListener;
import dev.statesync.channel.PostReceipt;
import dev.statesync.channel.Transport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A test-scope JVM driven over stdin, one command per line, reporting every event to stdout as
 * one JSON line with its {@code nanoTime}. Commands:
 * {@code open <name> [tcp]}, {@code post <i> <count> <size>}, {@code close <i>},
 * {@code elect <name>}, {@code relinquish <i>}, {@code eclose <i>}, {@code state}, {@code exit}.
 * A thread that ends with an uncaught exception is reported as an {@code uncaught} event.
 */
public final class ChannelNode {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private static final List<BroadcastChannel> CHANNELS = new ArrayList<>();
  private static final List<LeaderElection> ELECTIONS = new ArrayList<>();

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
          case "close": CHANNELS.get(Integer.parseInt(a[1])).close();
            emit(ev("closed").put("i", Integer.parseInt(a[1]))); break;
          case "elect": elect(a); break;
          case "relinquish":
            emit(ev("relinquished").put("i", Integer.parseInt(a[1]))
                .put("ok", ELECTIONS.get(Integer.parseInt(a[1])).relinquish())); break;
          case "eclose": ELECTIONS.get(Integer.parseInt(a[1])).close();
            emit(ev("eclosed").put("i", Integer.parseInt(a[1]))); break;
          case "state": state(); break;
          case "exit": System.exit(0); break;
          default: emit(ev("error").put("message", "unknown command " + a[0]));
        }
      } catch (Exception e) {
        emit(ev("error").put("message", e.toString()).put("type", e.getClass().getSimpleName()));
      }
    }
  }

  private static void open(String[] a) {
    ChannelOptions.Builder b = ChannelOptions.builder().leaderTimeout(Duration.ofMillis(1000))
        // A clean close flushes everything within closeTimeout; on 2 loaded cores 1 s is too tight.
        .closeTimeout(Duration.ofSeconds(10))
        .heartbeatInterval(Duration.ofMillis(200)).openTimeout(Duration.ofSeconds(10));
    if (a.length > 2 && a[2].equals("tcp")) {
      b.transport(Transport.TCP);
    }
    BroadcastChannel ch = BroadcastChannel.open(a[1], b.build());
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
    emit(ev("opened").put("i", i).put("status", ch.status().name()).put("epoch", ch.epoch())
        .put("id", ch.instanceId().toString()).put("members", ch.members().size()));
  }

  private static void post(String[] a) throws Exception {
    int i = Integer.parseInt(a[1]);
    int count = Integer.parseInt(a[2]);
    int size = Integer.parseInt(a[3]);
    BroadcastChannel ch = CHANNELS.get(i);
    List<CompletableFuture<PostReceipt>> fs = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      ByteBuffer b = ByteBuffer.allocate(Math.max(8, size));
      b.putLong(0, k);
      fs.add(ch.post(b.array()));
    }
    int ok = 0;
    String failure = null;
    for (CompletableFuture<PostReceipt> f : fs) {
      try {
        PostReceipt r = f.join();
        ok++;
        emit(ev("receipt").put("i", i).put("epoch", r.epoch()).put("seq", r.seq()));
      } catch (Exception e) {
        failure = e.getCause() == null ? e.toString() : e.getCause().getClass().getSimpleName();
      }
    }
    ObjectNode done = ev("posted").put("i", i).put("ok", ok);
    if (failure != null) {
      done.put("failure", failure);
    }
    emit(done);
  }

  private static void elect(String[] a) {
    LeaderElection e = LeaderElection.open(a[1], dev.statesync.channel.ElectionOptions.builder()
        .heartbeatInterval(Duration.ofMillis(200)).leaderTimeout(Duration.ofMillis(1000))
        .build());
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
    emit(ev("elected").put("i", i).put("leader", e.isLeader()));
  }

  private static void state() {
    ObjectNode n = ev("state");
    var cs = n.putArray("channels");
    for (BroadcastChannel c : CHANNELS) {
      cs.addObject().put("status", c.status().name()).put("epoch", c.epoch())
          .put("members", c.members().size());
    }
    var es = n.putArray("elections");
    for (LeaderElection e : ELECTIONS) {
      es.addObject().put("leader", e.isLeader()).put("epoch", e.epoch())
          .put("hasLeader", e.hasLeader());
    }
    emit(n);
  }
}
