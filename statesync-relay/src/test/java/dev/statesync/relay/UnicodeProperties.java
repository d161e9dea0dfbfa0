package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.statesync.channel.ChannelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * AC-RELAY-03: text with emoji, CJK and combining marks, split at random char indexes (also
 * inside surrogate pairs), arrives at a mirror equal to the source, with no unpaired surrogate.
 */
class UnicodeProperties {
  private static Path dir;
  private static StreamSource source;
  private static BroadcastHandle handle;
  private static StreamMirror mirror;

  @BeforeContainer
  static void open() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "ru");
    ChannelOptions channel = CiChannel.options(dir).build();
    source = new StreamSource();
    handle = source.broadcast("unicode", channel);
    mirror = new StreamMirror("unicode", MirrorOptions.builder().channelOptions(channel).build());
  }

  @AfterContainer
  static void close() throws Exception {
    mirror.close();
    handle.close();
    source.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Provide
  Arbitrary<String> mixedText() {
    Arbitrary<String> piece = Arbitraries.of("a", "Z", " ", "\u00e9", "e\u0301", "\u4e2d",
        "\u6587", "\uD83D\uDE00", "\uD83C\uDF89", "\uD83D\uDC69\u200D\uD83D\uDCBB", "\u0627",
        "\n");
    return piece.list().ofMaxSize(60).map(l -> String.join("", l));
  }

  @Property(tries = 60)
  void mirrorTextEqualsSourceTextForAnySplit(@ForAll("mixedText") String text,
      @ForAll List<@net.jqwik.api.constraints.IntRange(min = 0, max = 200) Integer> cuts)
      throws Exception {
    TreeSet<Integer> at = new TreeSet<>();
    for (int c : cuts) {
      at.add(Math.min(c, text.length()));
    }
    String id = source.start();
    int from = 0;
    for (int cut : at) {
      source.append(text.substring(from, cut));
      from = cut;
    }
    source.append(text.substring(from));
    source.complete();
    StreamState end = ProcessRelayTest.await(mirror,
        s -> s.streamId().equals(id) && s.status().isTerminal());
    assertEquals(text, source.text());
    assertEquals(source.text(), end.text());
    assertFalse(hasUnpairedSurrogate(end.text()));
  }

  private static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
