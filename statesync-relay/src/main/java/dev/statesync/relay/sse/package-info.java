/**
 * A streaming {@code text/event-stream} (server-sent events) parser: {@link
 * dev.statesync.relay.sse.SseParser} turns bytes that arrive in arbitrary pieces into {@link
 * dev.statesync.relay.sse.SseMessage}s, following the WHATWG event-stream rules. It has no
 * dependency on any HTTP client, so it serves every SSE consumer in the relay module and users'
 * own transports alike.
 */
package dev.statesync.relay.sse;
