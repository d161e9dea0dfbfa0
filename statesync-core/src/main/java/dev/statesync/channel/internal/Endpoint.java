package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelStatus;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.Message;
import dev.statesync.channel.ResyncReason;
import java.util.UUID;

/**
 * One open API instance as the group sees it. Every method is called with the group's monitor
 * held and must only queue work on the instance's dispatcher, never run user code.
 */
interface Endpoint {
  UUID instanceId();

  void message(Message m);

  void resync(ResyncReason reason);

  void membership(MemberInfo member, boolean joined, boolean clean);

  void status(ChannelStatus status);

  void leaderHealth(boolean unresponsive, long epoch, MemberInfo leader);

  /** Leadership may have changed; the instance compares with what it last reported. */
  void leadershipMayHaveChanged();
}
