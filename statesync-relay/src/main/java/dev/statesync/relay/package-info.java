/**
 * Live text streams mirrored across the processes of one host: a {@link
 * dev.statesync.relay.StreamSource} streams once, and every {@link dev.statesync.relay.StreamMirror}
 * on the same channel name shows the same text live. See {@code docs/relay.md}.
 */
package dev.statesync.relay;
