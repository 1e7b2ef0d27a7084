package org.efiemu.uefi.memory;

import java.util.List;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Where a firmware puts the pages of AllocateAnyPages/AllocateMaxAddress searches and of pool growth: EDK2's
 * {@code FindFreePages} and its variants. Created by {@link PlacementRules#create(PlacementSpec)}; stateless, so one
 * rule can serve many machines.
 */
public interface PlacementRule {

    /** The spec this rule was created from. */
    PlacementSpec spec();

    /** The memory-type bins, lowest base first (empty when the firmware has none). */
    List<MemoryTypeBin> bins();

    /** EDK2 {@code mDefaultMaximumAddress}: the top of the default region searched before "anywhere". */
    long defaultMaximumAddress();

    /**
     * Finds {@code pages} free pages at or below {@code maxAddress} (inclusive; callers pass
     * {@code Long.MAX_VALUE} for "anywhere") for {@code memoryType} (raw, OEM/OS values included).
     *
     * @return the base address, or 0 when nothing fits (then AllocatePages returns {@code EFI_OUT_OF_RESOURCES})
     */
    long findFreePages(FreeSpace space, long maxAddress, long pages, int memoryType);

    /** The bin of a spec type, or null. */
    default MemoryTypeBin binOf(int memoryType) {
        for (MemoryTypeBin b : bins()) {
            if (b.type().value() == memoryType) {
                return b;
            }
        }
        return null;
    }
}
