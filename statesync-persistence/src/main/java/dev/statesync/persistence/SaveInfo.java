package dev.statesync.persistence;

import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import java.util.Optional;

/**
 * What a save event is about.
 *
 * @param key the storage key
 * @param revision the snapshot revision
 * @param epoch the snapshot epoch
 * @param origin the origin of the apply that caused the save ({@code null} for a migration
 *     re-save, which has no apply)
 */
public record SaveInfo(String key, Revision revision, Optional<Epoch> epoch, ApplyOrigin origin) {}
