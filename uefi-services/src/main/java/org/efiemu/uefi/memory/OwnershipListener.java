package org.efiemu.uefi.memory;

/**
 * Told about every change of page ownership in a {@link MemoryMap} (allocation, free, pool page growth and return),
 * after the change, so a sanitizer can update page protections. Runs on the thread that made the change.
 */
@FunctionalInterface
public interface OwnershipListener {
    void ownershipChanged(OwnerRun run);
}
