package dev.statesync.channel;

import java.util.Objects;
import java.util.UUID;

/**
 * A JVM that has at least one open instance of a group.
 *
 * @param memberId random id drawn whenever the JVM (re)joins the group
 * @param pid the operating-system process id
 */
public record MemberInfo(UUID memberId, long pid) {
  /** Rejects a null member id. */
  public MemberInfo {
    Objects.requireNonNull(memberId, "memberId");
  }
}
