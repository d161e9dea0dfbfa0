package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.internal.Frame;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * CHAN-46 against a hub of another protocol version, played by {@link RawHub}: pending opens
 * fail with {@code ChannelUnavailableException}, and the member keeps asking once a second.
 */
class MultiJvmIncompatibleHubTest extends MultiJvmHarness {
  static final Frame VERSION_REJECT = RawHub.reject("PROTOCOL_VERSION",
      "HELLO proto field held 1, this hub speaks 2");

  @Test
  @DisplayName("CHAN-46 REJECT PROTOCOL_VERSION fails a pending open at once")
  void aPendingOpenFailsWhenTheHubSpeaksAnotherVersion() throws IOException {
    try (RawHub hub = new RawHub(dir, "channel", "v46")) {
      Node n = node();
      n.send("open v46 openTimeout=60000");
      try (SocketChannel c = hub.accept(LONG)) {
        assertEquals(1, RawHub.json(RawHub.read(c)).path("proto").asInt());
        RawHub.write(c, VERSION_REJECT);
        JsonNode failed = n.await("openfailed", LONG);
        assertEquals("ChannelUnavailableException", failed.path("type").asText());
        assertTrue(failed.path("message").asText()
            .contains("incompatible statesync versions on this host"), failed.toString());
      }
    }
  }

  @Test
  @DisplayName("CHAN-46 the member retries once a second and leads once that hub is gone")
  void theMemberRetriesOnceASecondAndLeadsOnceTheHubIsGone() throws IOException {
    Node n = node();
    try (RawHub hub = new RawHub(dir, "election", "v46e")) {
      n.send("elect v46e");
      assertFalse(n.await("elected", LONG).path("leader").asBoolean());
      List<Long> attempts = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        try (SocketChannel c = hub.accept(LONG)) {
          attempts.add(System.nanoTime());
          assertEquals(Frame.HELLO, RawHub.read(c).type());
          RawHub.write(c, VERSION_REJECT);
          assertEquals(List.of(), MultiJvmFencingTest.readToEnd(c), "closed after REJECT");
        }
      }
      for (int k = 1; k < attempts.size(); k++) {
        long gapMs = (attempts.get(k) - attempts.get(k - 1)) / 1_000_000;
        // A lower bound only: the fast schedule (CHAN-53) would retry within 1-20 ms.
        assertTrue(gapMs >= 900, "attempt " + k + " came " + gapMs + " ms after the previous");
      }
      assertEquals(1, logged(n, "WARN", "PROTOCOL_VERSION"), "WARN once per episode");
    }
    // The raw hub released the lock: the member's lock thread takes office.
    awaitLeads(n);
  }
}
