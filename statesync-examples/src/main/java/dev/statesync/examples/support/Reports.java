package dev.statesync.examples.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;

/**
 * The child side of {@link ChildProcess}: report lines {@code @ <json>} on stdout, one
 * {@code println} each, so they never interleave with log lines.
 */
public final class Reports {
  /** Starts every report line. */
  public static final String PREFIX = "@ ";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;

  /** Reports to {@code out}. */
  public Reports(PrintStream out) {
    this.out = out;
  }

  /** A new report of {@code type}; add fields, then {@link #send(ObjectNode)} it. */
  public ObjectNode of(String type) {
    return JSON.createObjectNode().put("type", type);
  }

  /** A new answer to request {@code re}. */
  public ObjectNode answer(int re, String type) {
    return of(type).put("re", re);
  }

  /** Prints the report. */
  public void send(ObjectNode report) {
    String line = PREFIX + report;
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
