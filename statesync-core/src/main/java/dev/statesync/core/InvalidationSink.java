package dev.statesync.core;

/**
 * Where a transport delivers invalidations. Implemented by the engine and handed to
 * {@link InvalidationSubscriber#subscribe(InvalidationSink)}.
 *
 * <p>Every method is thread-safe and non-blocking, and never throws: malformed input, a null
 * event or a failing filter are reported through the handle's {@code onError} and logger, never
 * to the transport's thread. A sink belongs to one {@code subscribe} call; it becomes inert (all
 * calls are ignored) once that start attempt has failed, its subscription has been cancelled, or
 * the handle has stopped.
 */
public interface InvalidationSink {
  /** Delivers a decoded event. Events for other topics are ignored silently. */
  void accept(InvalidationEvent event);

  /**
   * Delivers one event as JSON text. An event for another (valid) topic is ignored silently;
   * anything else that fails to decode is reported as a PROTOCOL error.
   */
  void acceptJson(String json);

  /** Delivers one event as UTF-8 JSON bytes, with the rules of {@link #acceptJson(String)}. */
  void acceptJson(byte[] json);

  /**
   * Signals that the transport (re)connected or may have lost events: the engine fetches once,
   * regardless of revisions and throttling. Transports should call it after every reconnect.
   */
  void resync();
}
