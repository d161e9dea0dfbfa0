package dev.statesync.relay;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM holding one {@link StreamMirror}. It prints {@code status <digest>} (see
 * {@link SourceProcess#digest}) whenever the shown stream or its status changes, and answers
 * {@code digest} and {@code streams} (the number of known streams) with a line starting with
 * {@code ok}. Arguments are {@code key=value}: {@code dir}, {@code channel}, {@code follow} (a
 * source id; default latest), {@code verbose} (also print {@code change <digest>} on every
 * change).
 */
public final class MirrorProcess {
  private MirrorProcess() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = SourceProcess.args(args);
    MirrorOptions.Builder options = MirrorOptions.builder()
        .channelOptions(CiChannel.options(Path.of(a.get("dir"))).build());
    if (a.containsKey("follow")) {
      options.follow(Follow.source(a.get("follow")));
    }
    StreamMirror mirror = new StreamMirror(a.get("channel"), options.build());
    String[] last = {""};
    boolean verbose = Boolean.parseBoolean(a.get("verbose"));
    mirror.onChange(s -> {
      if (verbose) {
        synchronized (System.out) {
          System.out.println("change " + SourceProcess.digest(s));
          System.out.flush();
        }
      }
      String key = s.streamId() + " " + s.status() + " " + s.sourceClosed();
      if (!key.equals(last[0])) {
        last[0] = key;
        synchronized (System.out) {
          System.out.println("status " + SourceProcess.digest(s));
          System.out.flush();
        }
      }
    });
    mirror.awaitSynced().get(30, TimeUnit.SECONDS);
    synchronized (System.out) {
      System.out.println("ready");
      System.out.flush();
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String answer = switch (line) {
        case "digest" -> SourceProcess.digest(mirror.state());
        case "streams" -> Integer.toString(mirror.streams().size());
        default -> throw new IllegalArgumentException("unknown command " + line);
      };
      synchronized (System.out) {
        System.out.println("ok " + answer);
        System.out.flush();
      }
    }
  }
}
