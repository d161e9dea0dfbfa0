package dev.statesync.channel;

/**
 * Where the hub placed a posted message in the channel's total order.
 *
 * @param epoch the hub's term
 * @param seq the position within the epoch, from 1
 */
public record PostReceipt(long epoch, long seq) {}
