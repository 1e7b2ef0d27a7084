package org.efiemu.uefi.memory;

/**
 * The searches a {@link PlacementRule} may run over the free RAM of a {@link MemoryMap}. Both take an inclusive
 * {@code maxAddress} (a value below 0xFFF finds nothing; one not ending in 0xFFF is first lowered to the end of the
 * previous page, as EDK2's {@code CoreFindFreePagesI} does) and return the base of a free run of {@code pages}
 * pages, or 0 when there is none. Address 0 is never a result.
 */
public interface FreeSpace {

    /**
     * EDK2 {@code CoreFindFreePagesI} ({@code MdeModulePkg/Core/Dxe/Mem/Page.c}): the free range with the highest
     * end at or below {@code maxAddress} that holds the request at or above {@code minAddress}; the request is placed
     * at the top of it.
     */
    long findTopDown(long maxAddress, long minAddress, long pages);

    /** The lowest free range that holds the request within [{@code minAddress}, {@code maxAddress}], placed at its bottom. */
    long findBottomUp(long maxAddress, long minAddress, long pages);
}
