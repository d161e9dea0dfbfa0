package dev.statesync.examples.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The child side of {@link ChildProcess#request}: reads {@code <n> <verb> [args]} lines from
 * stdin and answers each with a report carrying {@code "re": n}. Ends on {@code quit} or when
 * stdin closes.
 */
public final class CommandLoop {
  /** Handles one command. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Runs {@code verb}; fills {@code answer} (already typed {@code done}) with any results. An
     * exception is answered as an {@code error} report with its message.
     */
    void handle(String verb, String[] args, ObjectNode answer) throws Exception;
  }

  private CommandLoop() {}

  /** Serves commands until {@code quit} or the end of stdin. */
  public static void serve(Reports reports, Handler handler) {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.strip().split(" ");
        int re = Integer.parseInt(words[0]);
        if (words[1].equals("quit")) {
          reports.send(reports.answer(re, "done"));
          return;
        }
        ObjectNode answer = reports.answer(re, "done");
        try {
          handler.handle(words[1], Arrays.copyOfRange(words, 2, words.length), answer);
          reports.send(answer);
        } catch (Exception e) {
          Throwable cause = e.getCause() != null ? e.getCause() : e;
          reports.send(reports.answer(re, "error").put("message", cause.toString()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
