package dev.statesync.channel;

/** How followers reach the hub. */
public enum Transport {
  /** A Unix-domain socket, falling back to TCP loopback (with a WARN) when it cannot be bound. */
  AUTO,
  /** A Unix-domain socket only. */
  UNIX,
  /** TCP on 127.0.0.1 with a per-epoch token in a 0600 address file. */
  TCP
}
