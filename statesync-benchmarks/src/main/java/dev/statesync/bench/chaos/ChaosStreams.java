package dev.statesync.bench.chaos;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.relay.MirrorOptions;
import dev.statesync.relay.SourceOptions;
import dev.statesync.relay.StreamMirror;
import dev.statesync.relay.StreamSource;
import dev.statesync.relay.StreamState;
import dev.statesync.relay.StreamStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The relay part of a chaos worker, on the host channel {@value #CHANNEL}: one worker (the
 * streamer) runs a {@link StreamSource} broadcasting stream after stream, each of
 * {@value #CHUNKS} chunks appended every {@value #CHUNK_MS} ms and then completed; the others
 * hold a {@link StreamMirror} following the latest stream. A stream's text is a function of its
 * id ({@link #text(String)}), so a mirror checks by itself that what it shows is a prefix of what
 * the source produced for that stream id. Report lines: {@code mirror <streamId> <status>
 * <nanoTime>} at each change of the shown stream or its status, {@code mirror-bad <streamId>
 * <length>} for a text that is not such a prefix, and, on request, {@code mirror-streams}
 * followed by {@code <sourceId>/<streamId>/<status>} of every stream the mirror knows.
 */
final class ChaosStreams {
  static final String CHANNEL = "chaos-stream";
  static final int CHUNKS = 100;
  static final long CHUNK_MS = 20;

  private ChaosStreams() {}

  /** The source id of the streamer running in the process {@code pid}. */
  static String sourceId(long pid) {
    return "src" + pid;
  }

  /** The full text of the stream {@code streamId}, as its source appends it. */
  static String text(String streamId) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < CHUNKS; k++) {
      b.append(chunk(streamId, k));
    }
    return b.toString();
  }

  private static String chunk(String streamId, int k) {
    return streamId + "#" + k + ";";
  }

  /** Runs the streamer on a daemon thread; returns at once. */
  static void startStreamer(ChannelOptions channel) {
    StreamSource source = new StreamSource(SourceOptions.builder()
        .sourceId(sourceId(ProcessHandle.current().pid())).build());
    source.broadcast(CHANNEL, channel);
    Thread t = new Thread(() -> {
      while (true) {
        String id = source.start();
        for (int k = 0; k < CHUNKS; k++) {
          source.append(chunk(id, k));
          LockSupport.parkNanos(CHUNK_MS * 1_000_000L);
        }
        source.complete();
      }
    }, "chaos-streamer");
    t.setDaemon(true);
    t.start();
  }

  /** Opens a mirror that reports through {@code emit}; returns it. */
  static StreamMirror startMirror(ChannelOptions channel, Consumer<String> emit) {
    StreamMirror mirror = new StreamMirror(CHANNEL, MirrorOptions.builder()
        .channelOptions(channel).build());
    String[] last = {null};
    mirror.onChange(s -> {
      if (s.streamId() == null || s.streamId().isEmpty()) {
        return;
      }
      if (!text(s.streamId()).startsWith(s.text())) {
        emit.accept("mirror-bad " + s.streamId() + " " + s.textLength());
      }
      String shown = s.streamId() + " " + s.status();
      if (!shown.equals(last[0])) {
        last[0] = shown;
        emit.accept("mirror " + shown + " " + System.nanoTime());
      }
    });
    return mirror;
  }

  /** The line answering a {@code streams} request: every stream the mirror knows, checked. */
  static String describe(StreamMirror mirror, Consumer<String> emit) {
    List<String> parts = new ArrayList<>();
    for (StreamState s : mirror.streams()) {
      if (s.streamId() != null && !text(s.streamId()).startsWith(s.text())) {
        emit.accept("mirror-bad " + s.streamId() + " " + s.textLength());
      }
      parts.add(s.sourceId() + "/" + s.streamId() + "/" + s.status());
    }
    return "mirror-streams" + (parts.isEmpty() ? "" : " " + String.join(" ", parts));
  }

  /** Whether {@code status} is terminal, from its name in a report line. */
  static boolean terminal(String status) {
    return StreamStatus.valueOf(status).isTerminal();
  }
}
