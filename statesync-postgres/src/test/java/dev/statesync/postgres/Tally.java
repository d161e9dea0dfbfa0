package dev.statesync.postgres;

/** The test topics' data: a counter that every update raises by one. */
public record Tally(long count) {}
