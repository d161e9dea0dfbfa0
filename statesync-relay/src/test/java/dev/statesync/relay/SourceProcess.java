package dev.statesync.relay;

import dev.statesync.channel.ChannelOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A child JVM holding one broadcasting {@link StreamSource}, driven line by line on stdin. Each
 * command is answered with a line starting with {@code ok}:
 * {@code start}, {@code append <hex UTF-16 code units>}, {@code complete}, {@code fail <message>},
 * {@code abort}, {@code close}, {@code burst <from> <to>} (appends {@link #chunk} for each i),
 * {@code feed <url>} (GET, then {@link StreamSource#feed(HttpResponse)}; prints
 * {@code end <digest>} when the stream ends), {@code bulk <n>} (appends chunks 0 to n as one
 * string), {@code digest} and {@code stats} (payloadBytesPosted and posted).
 *
 * <p>Arguments are {@code key=value}: {@code dir} (runtime directory), {@code channel},
 * {@code id} (source id, default "child"), {@code maxMessageBytes}, {@code pendingPostBytes}.
 */
public final class SourceProcess {
  private SourceProcess() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = args(args);
    ChannelOptions.Builder channel = CiChannel.options(Path.of(a.get("dir")));
    if (a.containsKey("maxMessageBytes")) {
      channel.maxMessageBytes(Integer.parseInt(a.get("maxMessageBytes")));
    }
    if (a.containsKey("pendingPostBytes")) {
      channel.pendingPostBytes(Long.parseLong(a.get("pendingPostBytes")));
    }
    StreamSource source =
        new StreamSource(SourceOptions.builder().sourceId(a.getOrDefault("id", "child")).build());
    BroadcastHandle handle = source.broadcast(a.get("channel"), channel.build());
    HttpClient http = HttpClient.newHttpClient();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] parts = line.split(" ", 2);
      String answer = "";
      switch (parts[0]) {
        case "start" -> source.start();
        case "append" -> source.append(fromHex(parts.length > 1 ? parts[1] : ""));
        case "complete" -> source.complete();
        case "fail" -> source.fail(parts[1]);
        case "abort" -> source.abort();
        case "close" -> source.close();
        case "burst" -> {
          String[] range = parts[1].split(" ");
          for (int i = Integer.parseInt(range[0]); i < Integer.parseInt(range[1]); i++) {
            source.append(chunk(i));
          }
        }
        case "feed" -> {
          HttpResponse<InputStream> response = http.send(
              HttpRequest.newBuilder(URI.create(parts[1])).build(),
              HttpResponse.BodyHandlers.ofInputStream());
          source.feed(response).thenAccept(s -> {
            synchronized (System.out) {
              System.out.println("end " + digest(s));
              System.out.flush();
            }
          });
        }
        case "digest" -> answer = " " + digest(source.state());
        case "stats" -> answer = " " + handle.stats().payloadBytesPosted() + " "
            + handle.stats().posted();
        case "bulk" -> source.append(chunks(0, Integer.parseInt(parts[1])));
        default -> throw new IllegalArgumentException("unknown command " + line);
      }
      synchronized (System.out) {
        System.out.println("ok" + answer);
        System.out.flush();
      }
    }
  }

  static Map<String, String> args(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      out.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    return out;
  }

  /** Chunk {@code i} of a burst: ten ASCII chars, distinct for every i below 10^9. */
  static String chunk(int i) {
    return String.format("%09d,", i);
  }

  /** The text of chunks {@code from} (inclusive) to {@code to} (exclusive). */
  static String chunks(int from, int to) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i < to; i++) {
      b.append(chunk(i));
    }
    return b.toString();
  }

  /**
   * One line describing a state, comparable across JVMs: streamId, status, end reason, text
   * length, SHA-256 of the text, the error in hex and whether the source closed.
   */
  static String digest(StreamState s) {
    return s.streamId() + " " + s.status() + " " + s.endReason() + " " + s.text().length() + " "
        + sha(s.text()) + " " + (s.error() == null ? "-" : toHex(s.error())) + " "
        + s.sourceClosed();
  }

  static String sha(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String toHex(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      b.append(String.format("%04x", (int) s.charAt(i)));
    }
    return b.toString();
  }

  static String fromHex(String hex) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i + 4 <= hex.length(); i += 4) {
      b.append((char) Integer.parseInt(hex.substring(i, i + 4), 16));
    }
    return b.toString();
  }
}
