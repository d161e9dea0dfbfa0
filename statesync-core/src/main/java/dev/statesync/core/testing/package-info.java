/**
 * A test kit for users of statesync: {@link dev.statesync.core.testing.VirtualTime}, a manual
 * clock and scheduler that makes every delay, window and timeout deterministic in tests.
 *
 * <p>This package is public API with the same compatibility promise as the rest of the library.
 */
package dev.statesync.core.testing;
