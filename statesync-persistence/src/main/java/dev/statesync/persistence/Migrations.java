package dev.statesync.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Schema migrations of stored data, as pure functions on JSON trees. Step {@code v} migrates
 * version {@code v} to {@code v + 1}; the steps form one contiguous range {@code [m, c - 1]}
 * ending just below the current version {@code c}. Immutable and thread-safe once built.
 */
public final class Migrations {
  private final TreeMap<Integer, UnaryOperator<JsonNode>> steps;
  private final int current;

  private Migrations(TreeMap<Integer, UnaryOperator<JsonNode>> steps, int current) {
    this.steps = steps;
    this.current = current;
  }

  /** Returns an empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the current schema version. */
  public int currentVersion() {
    return current;
  }

  /** Returns the lowest version that can be migrated ({@code current} when there are no steps). */
  public int minimumVersion() {
    return steps.isEmpty() ? current : steps.firstKey();
  }

  /**
   * Migrates {@code tree} from version {@code from} to the current version. Each step runs on a
   * deep copy, so a failure never alters {@code tree}.
   *
   * @throws FutureSchemaVersionException if {@code from} is newer than the current version
   * @throws MigrationException if there is no path from {@code from}, or a step throws or returns
   *     null (naming the step, with the cause attached)
   */
  public JsonNode migrate(JsonNode tree, int from) {
    Objects.requireNonNull(tree, "tree");
    if (from == current) {
      return tree;
    }
    if (from > current) {
      throw new FutureSchemaVersionException("data has schema version " + from
          + ", newer than the current version " + current + "; it was written by a newer "
          + "application");
    }
    if (from < minimumVersion()) {
      throw new MigrationException("no migration path from version " + from
          + " (steps cover " + minimumVersion() + " to " + current + ")");
    }
    JsonNode node = tree;
    for (int v = from; v < current; v++) {
      JsonNode next;
      try {
        next = steps.get(v).apply(node.deepCopy());
      } catch (RuntimeException e) {
        throw new MigrationException("migration step " + v + " -> " + (v + 1) + " failed: "
            + e.getMessage(), e);
      }
      if (next == null) {
        throw new MigrationException("migration step " + v + " -> " + (v + 1)
            + " returned null");
      }
      node = next;
    }
    return node;
  }

  /** Collects migration steps. Not thread-safe. */
  public static final class Builder {
    private final TreeMap<Integer, UnaryOperator<JsonNode>> steps = new TreeMap<>();

    private Builder() {}

    /**
     * Registers the step that migrates version {@code from} to {@code from + 1}. The function
     * must be pure.
     *
     * @throws IllegalArgumentException if {@code from} is below 1 or already registered
     */
    public Builder step(int from, UnaryOperator<JsonNode> fn) {
      Objects.requireNonNull(fn, "fn");
      if (from < 1) {
        throw new IllegalArgumentException("migration step version must be >= 1, was " + from);
      }
      if (steps.containsKey(from)) {
        throw new IllegalArgumentException("migration step " + from + " is already registered");
      }
      steps.put(from, fn);
      return this;
    }

    /**
     * Returns the migrations with current version {@code current}.
     *
     * @throws IllegalArgumentException if {@code current} is below 1, a step is not below it, or
     *     the steps do not form one contiguous range ending at {@code current - 1}
     */
    public Migrations build(int current) {
      if (current < 1) {
        throw new IllegalArgumentException("current version must be >= 1, was " + current);
      }
      if (!steps.isEmpty()) {
        if (steps.lastKey() != current - 1) {
          throw new IllegalArgumentException("migration steps must end at version "
              + (current - 1) + " for current version " + current + ", last step is "
              + steps.lastKey());
        }
        int expected = steps.firstKey();
        for (Map.Entry<Integer, UnaryOperator<JsonNode>> e : steps.entrySet()) {
          if (e.getKey() != expected++) {
            throw new IllegalArgumentException("migration steps must be contiguous; missing step "
                + (expected - 1));
          }
        }
      }
      return new Migrations(new TreeMap<>(steps), current);
    }
  }
}
