/**
 * Cross-process broadcast channel and leader election among the processes of one user on one
 * host: {@link dev.statesync.channel.BroadcastChannel} and
 * {@link dev.statesync.channel.LeaderElection}. An OS file lock elects the hub; the hub sequences
 * and fans out over a Unix-domain socket. See {@code docs/channel.md}.
 */
package dev.statesync.channel;
