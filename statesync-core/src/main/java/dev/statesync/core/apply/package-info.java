/**
 * Ready-made appliers for the places application state lives: a thread-safe observable
 * {@link dev.statesync.core.apply.StateHolder}, a Jackson
 * {@link dev.statesync.core.apply.BeanApplier} that patches or replaces an existing mutable
 * object, and {@link dev.statesync.core.apply.DispatchedApplier}, which runs any applier on a UI
 * thread or another executor while keeping the engine's ordering and stop barrier.
 */
package dev.statesync.core.apply;
