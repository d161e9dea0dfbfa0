package dev.statesync.relay;

import dev.statesync.channel.ChannelOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child JVM holding one broadcasting {@link StreamSource}, driven line by line on stdin:
 * {@code start}, {@code append <hex UTF-16 code units>}, {@code complete}, {@code fail <message>},
 * {@code abort}, {@code close}. It answers every command with {@code ok}.
 */
public final class SourceProcess {
  private SourceProcess() {}

  /** Arguments: runtime directory, channel name. */
  public static void main(String[] args) throws Exception {
    ChannelOptions options = ChannelOptions.builder().runtimeDir(Path.of(args[0])).build();
    StreamSource source = new StreamSource(SourceOptions.builder().sourceId("child").build());
    source.broadcast(args[1], options);
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] parts = line.split(" ", 2);
      switch (parts[0]) {
        case "start" -> source.start();
        case "append" -> source.append(fromHex(parts.length > 1 ? parts[1] : ""));
        case "complete" -> source.complete();
        case "fail" -> source.fail(parts[1]);
        case "abort" -> source.abort();
        case "close" -> source.close();
        default -> throw new IllegalArgumentException("unknown command " + line);
      }
      System.out.println("ok");
      System.out.flush();
    }
  }

  static String toHex(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      b.append(String.format("%04x", (int) s.charAt(i)));
    }
    return b.toString();
  }

  private static String fromHex(String hex) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i + 4 <= hex.length(); i += 4) {
      b.append((char) Integer.parseInt(hex.substring(i, i + 4), 16));
    }
    return b.toString();
  }
}
