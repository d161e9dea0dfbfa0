package dev.statesync.channel;

/**
 * Counters of one JVM's host coordinator (one channel name) since it was created; see
 * {@link HostCoordination#stats(String)}. Each process counts only its own work, so the host's
 * totals are the sums over its processes.
 *
 * @param leader whether this JVM's coordinator leads the host now
 * @param upstreamSubscriptions upstream {@code subscribe} calls this JVM made: one per term it
 *     led, plus one per retry after a failed subscribe
 * @param fetches upstream {@code getSnapshot} calls this JVM made, retries and direct fetches
 *     included
 * @param directFetches the part of {@code fetches} made by a follower: for a {@code big} envelope,
 *     after a snapshot request timed out, or outside a subscription
 * @param envPosted {@code env} messages posted
 * @param bigPosted {@code big} messages posted
 * @param snapshotRequests {@code snap} messages posted
 * @param snapshotRequestTimeouts snapshot requests that got no answer in time
 * @param malformedMessages channel messages ignored because they could not be read
 */
public record HostCoordinationStats(boolean leader, long upstreamSubscriptions, long fetches,
    long directFetches, long envPosted, long bigPosted, long snapshotRequests,
    long snapshotRequestTimeouts, long malformedMessages) {}
