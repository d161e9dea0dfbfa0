package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelException;

/** A peer violated the wire protocol; {@link #code()} is the REJECT code to answer with. */
public final class ProtocolException extends ChannelException {
  private static final long serialVersionUID = 1L;
  private final String code;

  /** Creates the exception with a REJECT code and a message naming the offending field. */
  public ProtocolException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** The REJECT code, e.g. {@code PROTOCOL}. */
  public String code() {
    return code;
  }
}
