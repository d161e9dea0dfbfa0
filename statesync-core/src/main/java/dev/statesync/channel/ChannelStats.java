package dev.statesync.channel;

/**
 * Counters of one channel instance since it was opened.
 *
 * @param posted messages whose post was accepted
 * @param delivered messages handed to this instance's listeners
 * @param payloadBytesPosted payload bytes of accepted posts
 * @param resyncs resync signals dispatched to this instance
 * @param reconnects times this JVM had to reconnect to a hub while the instance was open
 * @param decodeFailures typed-subscription decode failures
 */
public record ChannelStats(long posted, long delivered, long payloadBytesPosted, long resyncs,
    long reconnects, long decodeFailures) {}
