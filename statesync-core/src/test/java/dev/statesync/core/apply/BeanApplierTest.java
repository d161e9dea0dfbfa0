package dev.statesync.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonMerge;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSyncException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BeanApplierTest {
  private static final ApplyContext CTX = ApplyContext.of("settings", ApplyOrigin.PROVIDER);

  /** A settings bean as an application keeps it; {@code localNote} never comes from the source. */
  public static class Settings {
    public String theme = "light";
    public int fontSize = 12;
    public Window window = new Window();
    public String localNote;
  }

  /** A nested object. */
  public static class Window {
    public int width = 800;
    public int height = 600;

    Window() {}

    Window(int width, int height) {
      this.width = width;
      this.height = height;
    }
  }

  /** The same nested object, marked for Jackson's merge. */
  public static class MergingSettings {
    public String theme = "light";
    @JsonMerge public Window window = new Window();
  }

  /** A snapshot payload that needs mapping before it fits the bean. */
  record Payload(String themeName, int size) {}

  private static Settings customized() {
    Settings s = new Settings();
    s.theme = "dark";
    s.fontSize = 20;
    s.window = new Window(1024, 768);
    s.localNote = "mine";
    return s;
  }

  private static <T> void applyOk(BeanApplier<T> applier, T data) throws Exception {
    CompletionStage<Void> stage = applier.apply(SnapshotEnvelope.of(Revision.of(7), data), CTX);
    stage.toCompletableFuture().get();
  }

  private static <T> Throwable applyFails(BeanApplier<T> applier, T data) {
    CompletableFuture<Void> stage =
        applier.apply(SnapshotEnvelope.of(Revision.of(7), data), CTX).toCompletableFuture();
    return assertThrows(ExecutionException.class, stage::get).getCause();
  }

  @Test
  void patchSetsTheSnapshotKeysAndLeavesEveryOtherProperty() throws Exception {
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).build();

    applyOk(applier, Map.of("theme", "solarized"));

    assertEquals("solarized", target.theme);
    assertEquals(20, target.fontSize);
    assertEquals(1024, target.window.width);
    assertEquals("mine", target.localNote);
  }

  @Test
  void patchReplacesANestedObjectAsAWholeByDefault() throws Exception {
    Settings target = customized();
    Window before = target.window;
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).build();

    applyOk(applier, Map.of("window", Map.of("width", 640)));

    assertEquals(640, target.window.width);
    assertEquals(600, target.window.height, "height comes from a fresh Window, not the old one");
    assertNotSame(before, target.window);
  }

  @Test
  void patchMergesANestedObjectMarkedJsonMerge() throws Exception {
    MergingSettings target = new MergingSettings();
    target.window = new Window(1024, 768);
    Window before = target.window;
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).build();

    applyOk(applier, Map.of("window", Map.of("width", 640)));

    assertSame(before, target.window);
    assertEquals(640, target.window.width);
    assertEquals(768, target.window.height);
  }

  @Test
  void replaceRebuildsFromTheSnapshotAndKeepsOnlyOmittedProperties() throws Exception {
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier = BeanApplier.<Map<String, Object>>builder(target)
        .mode(BeanApplier.Mode.REPLACE)
        .omitKeys("localNote")
        .build();

    applyOk(applier, Map.of("theme", "solarized", "localNote", "from the source"));

    assertEquals("solarized", target.theme);
    assertEquals(12, target.fontSize, "missing from the snapshot: back to the default");
    assertEquals(800, target.window.width);
    assertEquals(600, target.window.height);
    assertEquals("mine", target.localNote);
  }

  @Test
  void replaceOfANestedObjectDropsItsOldValuesEvenWhenMarkedJsonMerge() throws Exception {
    MergingSettings target = new MergingSettings();
    target.window = new Window(1024, 768);
    BeanApplier<Map<String, Object>> applier = BeanApplier.<Map<String, Object>>builder(target)
        .mode(BeanApplier.Mode.REPLACE)
        .build();

    applyOk(applier, Map.of("window", Map.of("width", 640)));

    assertEquals(640, target.window.width);
    assertEquals(600, target.window.height);
  }

  @Test
  void replaceWithPickKeysRebuildsOnlyThePickedProperties() throws Exception {
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier = BeanApplier.<Map<String, Object>>builder(target)
        .mode(BeanApplier.Mode.REPLACE)
        .pickKeys("theme", "fontSize")
        .build();

    applyOk(applier, Map.of("theme", "solarized", "window", Map.of("width", 1)));

    assertEquals("solarized", target.theme);
    assertEquals(12, target.fontSize);
    assertEquals(1024, target.window.width, "not picked: kept");
    assertEquals("mine", target.localNote);
  }

  @Test
  void patchWithPickKeysIgnoresTheOtherSnapshotKeys() throws Exception {
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).pickKeys(List.of("fontSize")).build();

    applyOk(applier, Map.of("theme", "solarized", "fontSize", 14, "localNote", "x"));

    assertEquals("dark", target.theme);
    assertEquals(14, target.fontSize);
    assertEquals("mine", target.localNote);
  }

  @Test
  void patchWithOmitKeysNeverTouchesTheOmittedProperties() throws Exception {
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).omitKeys("localNote", "window").build();

    applyOk(applier, Map.of("theme", "solarized", "window", Map.of("width", 1), "localNote", "x"));

    assertEquals("solarized", target.theme);
    assertEquals(1024, target.window.width);
    assertEquals("mine", target.localNote);
  }

  @Test
  void toStateMapsTheDataWithTheContextBeforeAnythingIsWritten() throws Exception {
    Settings target = customized();
    AtomicReference<ApplyContext> seen = new AtomicReference<>();
    BeanApplier<Payload> applier = BeanApplier.<Payload>builder(target)
        .toState((data, context) -> {
          seen.set(context);
          return Map.of("theme", data.themeName(), "fontSize", data.size(), "localNote", "x");
        })
        .omitKeys("localNote")
        .build();

    applyOk(applier, new Payload("solarized", 16));

    assertSame(CTX, seen.get());
    assertEquals("solarized", target.theme);
    assertEquals(16, target.fontSize);
    assertEquals("mine", target.localNote, "keys are filtered after the mapping");
  }

  @Test
  void strictFailsTheApplyWhenTheMappingDoesNotProduceAnObject() {
    Settings target = customized();
    BeanApplier<Payload> applier =
        BeanApplier.<Payload>builder(target).toState((data, context) -> data.themeName()).build();

    Throwable error = applyFails(applier, new Payload("solarized", 16));

    assertInstanceOf(StateSyncException.class, error);
    assertTrue(error.getMessage().contains("toState"), error.getMessage());
    assertTrue(error.getMessage().contains("'settings'"), error.getMessage());
    assertTrue(error.getMessage().contains("produced string"), error.getMessage());
    assertEquals("dark", target.theme);
  }

  @Test
  void strictFailsTheApplyOnNullData() {
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).build();

    Throwable error = applyFails(applier, null);

    assertInstanceOf(StateSyncException.class, error);
    assertTrue(error.getMessage().contains("snapshot data"), error.getMessage());
    assertTrue(error.getMessage().contains("produced null"), error.getMessage());
  }

  @Test
  void nonStrictSkipsANonObjectWithAWarningAndCompletes() throws Exception {
    Settings target = customized();
    RecordingLogger logger = new RecordingLogger();
    BeanApplier<Payload> applier = BeanApplier.<Payload>builder(target)
        .toState((data, context) -> List.of(data.themeName()))
        .strict(false)
        .logger(logger)
        .build();

    applyOk(applier, new Payload("solarized", 16));

    assertEquals("dark", target.theme);
    assertEquals(1, logger.warnings.size());
    RecordingLogger.Entry w = logger.warnings.get(0);
    assertEquals("snapshot skipped (not an object)", w.message());
    assertEquals("array", w.extra().get("produced"));
    assertEquals(Revision.of(7), w.extra().get("revision"));
  }

  @Test
  void buildRejectsPickKeysWithOmitKeysNamingBoth() {
    BeanApplier.Builder<Object> b =
        BeanApplier.builder(new Settings()).pickKeys("theme").omitKeys("localNote");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);

    assertTrue(e.getMessage().contains("pickKeys"), e.getMessage());
    assertTrue(e.getMessage().contains("omitKeys"), e.getMessage());
  }

  @Test
  void buildRejectsEmptyPickKeys() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BeanApplier.builder(new Settings()).pickKeys().build());

    assertTrue(e.getMessage().contains("pickKeys"), e.getMessage());
  }

  @Test
  void nullsAreRejectedNamingTheParameter() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> BeanApplier.builder(null));
    assertEquals("target", e.getMessage());
    e = assertThrows(NullPointerException.class,
        () -> BeanApplier.builder(new Settings()).pickKeys("theme", null));
    assertEquals("key", e.getMessage());
  }

  @Test
  void theGivenMapperIsCopiedAtBuildAndNeverChanged() {
    ObjectMapper mapper = new ObjectMapper();
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).objectMapper(mapper).build();
    mapper.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    Throwable error = applyFails(applier, Map.of("unknownKey", 1));

    assertInstanceOf(StateSyncException.class, error);
    assertTrue(error.getMessage().contains("unknownKey"), error.getMessage());
    assertTrue(error.getMessage().contains(Settings.class.getName()), error.getMessage());
    assertEquals("dark", target.theme);
  }

  @Test
  void theDefaultMapperIgnoresUnknownProperties() throws Exception {
    Settings target = customized();
    BeanApplier<Map<String, Object>> applier =
        BeanApplier.<Map<String, Object>>builder(target).build();

    applyOk(applier, Map.of("unknownKey", 1, "theme", "solarized"));

    assertEquals("solarized", target.theme);
  }
}
