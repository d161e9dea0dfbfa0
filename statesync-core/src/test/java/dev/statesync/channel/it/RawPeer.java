package dev.statesync.channel.it;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A JDK-only peer for AC-CHAN-23, run as another OS user: connects to a hub's socket, sends a
 * valid HELLO, and prints one line per frame it gets back ({@code frame <type> <payload>}), then
 * {@code end}. Uses no library class, so that it runs from a copy of this one class file.
 */
public final class RawPeer {
  private RawPeer() {}

  public static void main(String[] args) throws IOException {
    String hello = "{\"proto\":1,\"kind\":\"channel\",\"name\":\"" + args[1] + "\",\"member\":\""
        + UUID.randomUUID() + "\",\"pid\":" + ProcessHandle.current().pid()
        + ",\"cursorEpoch\":0,\"cursorSeq\":0}";
    byte[] p = hello.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(64 + p.length);
    out.putInt(60 + p.length).put((byte) 1).put((byte) 1).putShort((short) 0);
    out.position(64);
    out.put(p).flip();
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
      try {
        while (out.hasRemaining()) {
          ch.write(out);
        }
      } catch (IOException e) {
        // A hub that refuses this user at accept may close before the HELLO is written; its
        // REJECT is still in this socket's receive buffer.
        System.out.println("write failed " + e);
      }
      while (true) {
        ByteBuffer len = ByteBuffer.allocate(4);
        if (!readFully(ch, len)) {
          break;
        }
        ByteBuffer body = ByteBuffer.allocate(len.flip().getInt());
        if (!readFully(ch, body)) {
          break;
        }
        byte[] payload = new byte[body.capacity() - 60];
        body.position(60);
        body.get(payload);
        System.out.println("frame " + body.get(1) + " "
            + new String(payload, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      System.out.println("error " + e);
    }
    System.out.println("end");
  }

  private static boolean readFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        return false;
      }
    }
    return true;
  }
}
