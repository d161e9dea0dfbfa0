package dev.statesync.relay;

import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * How the events of a {@code text/event-stream} body drive a {@link StreamSource} fed with
 * {@link StreamFormat#sse(SseTextMapping)} (RELAY-10). Immutable, from {@link #builder()}.
 *
 * <ul>
 *   <li>The data of an event whose type is in {@link #textEvents()} is passed through
 *       {@link #textExtractor()} and appended; a null result is skipped. Data equal to
 *       {@link #doneSentinel()} completes the stream instead.
 *   <li>An event whose type is in {@link #doneEvents()} completes the stream.
 *   <li>An event whose type is in {@link #errorEvents()} fails it, with the event's data as the
 *       error.
 *   <li>Other events are ignored. The end of the body completes the stream, or fails it with
 *       {@code "stream ended without done event"} when {@link #requireDoneEvent()} is set.
 * </ul>
 *
 * <p>An extractor that throws fails the stream with a message naming the event type and the
 * exception; the body is then closed.
 */
public final class SseTextMapping {
  private static final SseTextMapping DEFAULTS = builder().build();

  private final Set<String> textEvents;
  private final Function<String, String> textExtractor;
  private final Set<String> doneEvents;
  private final Set<String> errorEvents;
  private final String doneSentinel;
  private final boolean requireDoneEvent;

  private SseTextMapping(Builder b) {
    this.textEvents = Set.copyOf(b.textEvents);
    this.textExtractor = b.textExtractor;
    this.doneEvents = Set.copyOf(b.doneEvents);
    this.errorEvents = Set.copyOf(b.errorEvents);
    this.doneSentinel = b.doneSentinel;
    this.requireDoneEvent = b.requireDoneEvent;
  }

  /** The defaults: text {"message"}, identity, done {"done"}, error {"error"}, "[DONE]". */
  public static SseTextMapping defaults() {
    return DEFAULTS;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The event types whose data is text; default {"message"}. */
  public Set<String> textEvents() {
    return textEvents;
  }

  /** Turns a text event's data into the text to append (null: skip); default identity. */
  public Function<String, String> textExtractor() {
    return textExtractor;
  }

  /** The event types that complete the stream; default {"done"}. */
  public Set<String> doneEvents() {
    return doneEvents;
  }

  /** The event types that fail the stream with their data; default {"error"}. */
  public Set<String> errorEvents() {
    return errorEvents;
  }

  /** Text event data that completes the stream, or null for none; default "[DONE]". */
  public String doneSentinel() {
    return doneSentinel;
  }

  /** Whether a body that ends without a done event or sentinel fails; default false. */
  public boolean requireDoneEvent() {
    return requireDoneEvent;
  }

  /** Builds {@link SseTextMapping}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private Set<String> textEvents = Set.of("message");
    private Function<String, String> textExtractor = Function.identity();
    private Set<String> doneEvents = Set.of("done");
    private Set<String> errorEvents = Set.of("error");
    private String doneSentinel = "[DONE]";
    private boolean requireDoneEvent;

    private Builder() {}

    /** Sets the text event types. */
    public Builder textEvents(Set<String> types) {
      this.textEvents = Objects.requireNonNull(types, "textEvents");
      return this;
    }

    /** Sets the extractor, for example one that reads a token out of JSON data. */
    public Builder textExtractor(Function<String, String> extractor) {
      this.textExtractor = Objects.requireNonNull(extractor, "textExtractor");
      return this;
    }

    /** Sets the done event types. */
    public Builder doneEvents(Set<String> types) {
      this.doneEvents = Objects.requireNonNull(types, "doneEvents");
      return this;
    }

    /** Sets the error event types. */
    public Builder errorEvents(Set<String> types) {
      this.errorEvents = Objects.requireNonNull(types, "errorEvents");
      return this;
    }

    /** Sets the done sentinel; null for none. */
    public Builder doneSentinel(String sentinel) {
      this.doneSentinel = sentinel;
      return this;
    }

    /** Makes a body that ends without a done event or sentinel fail the stream. */
    public Builder requireDoneEvent(boolean require) {
      this.requireDoneEvent = require;
      return this;
    }

    /**
     * Builds the mapping.
     *
     * @throws IllegalArgumentException if an event type is in more than one of the sets, naming
     *     the type and both sets
     */
    public SseTextMapping build() {
      overlap(textEvents, "textEvents", doneEvents, "doneEvents");
      overlap(textEvents, "textEvents", errorEvents, "errorEvents");
      overlap(doneEvents, "doneEvents", errorEvents, "errorEvents");
      return new SseTextMapping(this);
    }

    private static void overlap(Set<String> a, String an, Set<String> b, String bn) {
      for (String t : a) {
        if (b.contains(t)) {
          throw new IllegalArgumentException(
              "event type \"" + t + "\" is in both " + an + " and " + bn);
        }
      }
    }
  }
}
