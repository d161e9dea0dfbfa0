package dev.statesync.core.logging;

import java.io.PrintStream;
import java.util.Objects;

/**
 * Options for {@link Loggers#createConsoleLogger(ConsoleLoggerOptions)}: whether debug entries are
 * written, a prefix for every line, and the stream written to. Immutable and thread-safe.
 */
public final class ConsoleLoggerOptions {
  private final boolean debug;
  private final String prefix;
  private final PrintStream out;

  private ConsoleLoggerOptions(Builder b) {
    this.debug = b.debug;
    this.prefix = b.prefix;
    this.out = b.out != null ? b.out : System.err;
  }

  /** Returns a builder with the defaults: debug off, empty prefix, {@code System.err}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the defaults; the stream is {@code System.err} as it is when this is called. */
  public static ConsoleLoggerOptions defaults() {
    return builder().build();
  }

  /** Returns true if debug entries are written; when false they are dropped. */
  public boolean debug() {
    return debug;
  }

  /** Returns the text written after the level on every line; empty means none. */
  public String prefix() {
    return prefix;
  }

  /** Returns the stream the lines are written to. */
  public PrintStream out() {
    return out;
  }

  /** Builds {@link ConsoleLoggerOptions}. Not thread-safe; each {@link #build()} is a snapshot. */
  public static final class Builder {
    private boolean debug;
    private String prefix = "";
    private PrintStream out;

    private Builder() {}

    /** Sets whether debug entries are written (default false). */
    public Builder debug(boolean debug) {
      this.debug = debug;
      return this;
    }

    /**
     * Sets the text written after the level on every line (default empty, meaning none).
     *
     * @throws NullPointerException if {@code prefix} is null
     */
    public Builder prefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * Sets the stream to write to (default {@code System.err}, read when {@link #build()} runs).
     *
     * @throws NullPointerException if {@code out} is null
     */
    public Builder out(PrintStream out) {
      this.out = Objects.requireNonNull(out, "out");
      return this;
    }

    /** Returns the options. */
    public ConsoleLoggerOptions build() {
      return new ConsoleLoggerOptions(this);
    }
  }
}
