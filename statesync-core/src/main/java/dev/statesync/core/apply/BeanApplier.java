package dev.statesync.core.apply;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.ApplyContext;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSyncException;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * An applier that writes each snapshot into one existing mutable object (a settings bean, a view
 * model) with Jackson, so the object keeps its identity and its local-only fields.
 *
 * <pre>{@code
 * Settings settings = new Settings();               // the object the application holds
 * SnapshotApplier<Map<String, Object>> applier = BeanApplier.<Map<String, Object>>builder(settings)
 *     .mode(BeanApplier.Mode.REPLACE)
 *     .omitKeys("windowBounds")                        // local-only: never touched
 *     .build();
 * }</pre>
 *
 * <p><b>Steps of one apply.</b> (1) {@code toState(data, context)} maps the snapshot's data, or
 * the data is used as is. (2) The state is turned into a JSON tree with the mapper
 * ({@code valueToTree}); a state that is null or not a JSON object is not applied: with
 * {@code strict} (the default) the stage fails with {@link StateSyncException}, otherwise the
 * snapshot is skipped with the warning {@code snapshot skipped (not an object)} and the stage
 * completes normally, so the engine records its revision as applied. (3) Only the allowed
 * top-level keys are kept: those named by {@code pickKeys}, or all but those named by
 * {@code omitKeys}, or all. (4) The tree is written into the target:
 *
 * <ul>
 *   <li>{@link Mode#PATCH}: the allowed keys present in the snapshot are set with
 *       {@link ObjectMapper#readerForUpdating(Object)}; every other property keeps its value.
 *   <li>{@link Mode#REPLACE}: the allowed properties are rebuilt from the snapshot alone, so an
 *       allowed property missing from the snapshot returns to the value a freshly deserialized
 *       object has; properties that are not allowed keep their current value.
 * </ul>
 *
 * <p><b>Nested objects.</b> Jackson's {@code readerForUpdating} merges only the top level: a nested
 * object or map in the snapshot <em>replaces</em> the target's nested value as a whole. Annotate a
 * property with {@code @JsonMerge} (or configure the mapper with
 * {@code setDefaultMergeable(true)}) to merge it in {@code PATCH} mode instead. In
 * {@code REPLACE} mode the rebuilt tree carries every property of the nested value, so it ends up
 * equal to the snapshot's either way (as long as the mapper writes null properties, its default).
 *
 * <p><b>Requirements and threads.</b> The target's class must round-trip through the mapper
 * (serializable, and deserializable into a fresh instance for {@code REPLACE}). The applier
 * mutates the target on the thread that calls {@link #apply}, without synchronization: wrap it in
 * a {@link DispatchedApplier} when the target belongs to a UI thread, and give other readers their
 * own happens-before. A failure of the mapping or of Jackson fails the stage (the engine reports
 * an APPLY error); the target may then be partly updated.
 *
 * @param <T> the type of the snapshot data
 */
public final class BeanApplier<T> implements SnapshotApplier<T> {
  /** How a snapshot is written into the target. */
  public enum Mode {
    /** Set the allowed keys the snapshot holds; leave every other property as it is. */
    PATCH,
    /** Rebuild the allowed properties from the snapshot; keep only the others. */
    REPLACE
  }

  private final Object target;
  private final Mode mode;
  private final BiFunction<? super T, ApplyContext, ?> toState;
  private final Set<String> pickKeys;
  private final Set<String> omitKeys;
  private final boolean strict;
  private final ObjectMapper mapper;
  private final Logger logger;

  private BeanApplier(Builder<T> b, ObjectMapper mapper) {
    this.target = b.target;
    this.mode = b.mode;
    this.toState = b.toState;
    this.pickKeys = b.pickKeys == null ? null : Set.copyOf(b.pickKeys);
    this.omitKeys = b.omitKeys == null ? Set.of() : Set.copyOf(b.omitKeys);
    this.strict = b.strict;
    this.mapper = mapper;
    this.logger = b.logger;
  }

  /**
   * Returns a builder of an applier that writes into {@code target}. Name the snapshot's data type
   * with a type witness: {@code BeanApplier.<SettingsDto>builder(settings)}.
   *
   * @throws NullPointerException if {@code target} is null
   */
  public static <T> Builder<T> builder(Object target) {
    return new Builder<>(Objects.requireNonNull(target, "target"));
  }

  /** Returns the object this applier writes into. */
  public Object target() {
    return target;
  }

  /** Returns the mode. */
  public Mode mode() {
    return mode;
  }

  /**
   * Writes {@code snapshot} into the target on the calling thread; the returned stage is already
   * complete. See the class documentation for the steps and the failures.
   */
  @Override
  public CompletionStage<Void> apply(SnapshotEnvelope<T> snapshot, ApplyContext context) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(context, "context");
    Object state = toState == null ? snapshot.data() : toState.apply(snapshot.data(), context);
    JsonNode tree = state == null ? null : mapper.valueToTree(state);
    if (tree == null || !tree.isObject()) {
      String produced = tree == null ? "null" : tree.getNodeType().name().toLowerCase(Locale.ROOT);
      String source = toState == null ? "snapshot data" : "toState";
      if (strict) {
        return CompletableFuture.failedFuture(new StateSyncException(
            source + " for topic '" + context.topic() + "' at revision " + snapshot.revision()
                + " produced " + produced + ", not an object; return an object or set strict(false)"
                + " to skip such snapshots"));
      }
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("topic", context.topic());
      extra.put("revision", snapshot.revision());
      extra.put("produced", produced);
      logger.warn("snapshot skipped (not an object)", extra);
      return CompletableFuture.completedFuture(null);
    }
    ObjectNode allowed = allowedPart((ObjectNode) tree);
    try {
      if (mode == Mode.PATCH) {
        mapper.readerForUpdating(target).readValue(allowed);
      } else {
        mapper.readerForUpdating(target).readValue(rebuilt(allowed));
      }
    } catch (IOException | IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new StateSyncException(
          "could not apply topic '" + context.topic() + "' at revision " + snapshot.revision()
              + " to " + target.getClass().getName() + " in " + mode + " mode: " + e.getMessage(),
          e));
    }
    return CompletableFuture.completedFuture(null);
  }

  private ObjectNode allowedPart(ObjectNode tree) {
    ObjectNode allowed = tree.deepCopy();
    for (Iterator<String> names = allowed.fieldNames(); names.hasNext(); ) {
      if (!isAllowed(names.next())) {
        names.remove();
      }
    }
    return allowed;
  }

  /** The snapshot's allowed properties over a fresh object's, plus the target's other ones. */
  private ObjectNode rebuilt(ObjectNode allowed) throws IOException {
    Object fresh = mapper.treeToValue(allowed, target.getClass());
    ObjectNode rebuilt = mapper.valueToTree(fresh);
    ObjectNode current = mapper.valueToTree(target);
    for (Iterator<Map.Entry<String, JsonNode>> it = current.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!isAllowed(field.getKey())) {
        rebuilt.set(field.getKey(), field.getValue());
      }
    }
    return rebuilt;
  }

  private boolean isAllowed(String key) {
    return pickKeys != null ? pickKeys.contains(key) : !omitKeys.contains(key);
  }

  @Override
  public String toString() {
    return "BeanApplier{target=" + target.getClass().getName() + ", mode=" + mode
        + (pickKeys != null ? ", pickKeys=" + pickKeys : "")
        + (!omitKeys.isEmpty() ? ", omitKeys=" + omitKeys : "") + ", strict=" + strict + '}';
  }

  /**
   * Builds a {@link BeanApplier}. Defaults: {@link Mode#PATCH}, no mapping, every key allowed,
   * {@code strict(true)}, a fresh {@link ObjectMapper} that ignores unknown properties, and a
   * no-op logger. Not thread-safe.
   *
   * @param <T> the type of the snapshot data
   */
  public static final class Builder<T> {
    private final Object target;
    private Mode mode = Mode.PATCH;
    private BiFunction<? super T, ApplyContext, ?> toState;
    private Set<String> pickKeys;
    private Set<String> omitKeys;
    private boolean strict = true;
    private ObjectMapper mapper;
    private Logger logger = Loggers.noopLogger();

    private Builder(Object target) {
      this.target = target;
    }

    /** Sets the mode (default {@link Mode#PATCH}). */
    public Builder<T> mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Sets the mapping run first, on the applying thread, from the snapshot's data (possibly
     * null) and the apply context to the state to write: a bean, a {@code Map}, a
     * {@code JsonNode}, anything the mapper turns into a JSON object. A throw propagates from
     * {@code apply}, which the engine counts as a failed apply.
     */
    public Builder<T> toState(BiFunction<? super T, ApplyContext, ?> toState) {
      this.toState = Objects.requireNonNull(toState, "toState");
      return this;
    }

    /** Allows only these top-level keys (replacing earlier ones); excludes {@link #omitKeys}. */
    public Builder<T> pickKeys(String... keys) {
      return pickKeys(Arrays.asList(Objects.requireNonNull(keys, "keys")));
    }

    /** As {@link #pickKeys(String...)}. */
    public Builder<T> pickKeys(Collection<String> keys) {
      this.pickKeys = copy(keys);
      return this;
    }

    /** Allows every top-level key but these (replacing earlier ones); excludes {@link #pickKeys}. */
    public Builder<T> omitKeys(String... keys) {
      return omitKeys(Arrays.asList(Objects.requireNonNull(keys, "keys")));
    }

    /** As {@link #omitKeys(String...)}. */
    public Builder<T> omitKeys(Collection<String> keys) {
      this.omitKeys = copy(keys);
      return this;
    }

    /**
     * Sets whether a state that is not a JSON object fails the apply (true, the default) or is
     * skipped with a warning (false).
     */
    public Builder<T> strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /** Sets the mapper; {@link #build()} takes a copy, so the given mapper is never changed. */
    public Builder<T> objectMapper(ObjectMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /** Sets the logger of skipped snapshots (default: no-op). */
    public Builder<T> logger(Logger logger) {
      this.logger = Objects.requireNonNull(logger, "logger");
      return this;
    }

    /**
     * Builds the applier.
     *
     * @throws IllegalArgumentException if both {@code pickKeys} and {@code omitKeys} were set, or
     *     {@code pickKeys} names no key
     */
    public BeanApplier<T> build() {
      if (pickKeys != null && omitKeys != null) {
        throw new IllegalArgumentException(
            "pickKeys and omitKeys are mutually exclusive: set one of them, not both");
      }
      if (pickKeys != null && pickKeys.isEmpty()) {
        throw new IllegalArgumentException(
            "pickKeys must name at least one key; leave it unset to allow every key");
      }
      ObjectMapper m = mapper != null
          ? mapper.copy()
          : new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
      return new BeanApplier<>(this, m);
    }

    private static Set<String> copy(Collection<String> keys) {
      Objects.requireNonNull(keys, "keys");
      Set<String> copy = new LinkedHashSet<>();
      for (String k : keys) {
        copy.add(Objects.requireNonNull(k, "key"));
      }
      return copy;
    }
  }
}
