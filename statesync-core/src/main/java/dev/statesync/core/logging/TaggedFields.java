package dev.statesync.core.logging;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The extra fields of an entry that passed through a {@link Loggers#tagLogger tag logger}: the
 * tags merged with the entry's own fields, tags first, in insertion order.
 *
 * <p>Where a key is both a tag and an entry field, the entry's value wins and the key is no longer
 * a tag. {@link #tagKeys()} tells which keys hold a tag's value, so that a sink like the console
 * logger can render tags apart from the other fields; every other sink may treat this as a plain
 * map. Instances are unmodifiable (every mutator throws {@link UnsupportedOperationException}),
 * allow null values, and are safe to share between threads.
 */
public final class TaggedFields extends AbstractMap<String, Object> {
  private final Map<String, Object> fields;
  private final Set<String> tagKeys;

  private TaggedFields(Map<String, Object> fields, Set<String> tagKeys) {
    this.fields = Collections.unmodifiableMap(fields);
    this.tagKeys = Collections.unmodifiableSet(tagKeys);
  }

  /**
   * Merges {@code tags} with an entry's {@code extra}. If {@code extra} is itself tagged (an outer
   * tag logger's output), its tag keys stay tags, so outer tags override inner ones.
   */
  static TaggedFields merge(Map<String, ?> tags, Map<String, ?> extra) {
    Map<String, Object> fields = new LinkedHashMap<>(tags);
    Set<String> tagKeys = new LinkedHashSet<>(tags.keySet());
    Set<String> extraTagKeys =
        extra instanceof TaggedFields ? ((TaggedFields) extra).tagKeys() : Set.of();
    for (Map.Entry<String, ?> e : extra.entrySet()) {
      String key = Objects.requireNonNull(e.getKey(), "extra key");
      fields.put(key, e.getValue());
      if (extraTagKeys.contains(key)) {
        tagKeys.add(key);
      } else {
        tagKeys.remove(key);
      }
    }
    // Keep tagKeys in the order of the merged map, whatever order the keys were added in.
    Set<String> ordered = new LinkedHashSet<>();
    for (String key : fields.keySet()) {
      if (tagKeys.contains(key)) {
        ordered.add(key);
      }
    }
    return new TaggedFields(fields, ordered);
  }

  /** Returns the keys whose value came from a tag, in map order; unmodifiable. */
  public Set<String> tagKeys() {
    return tagKeys;
  }

  @Override
  public Set<Map.Entry<String, Object>> entrySet() {
    return fields.entrySet();
  }

  @Override
  public Object get(Object key) {
    return fields.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return fields.containsKey(key);
  }

  @Override
  public int size() {
    return fields.size();
  }
}
