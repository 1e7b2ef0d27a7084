package org.efiemu.uefi.memory;

/**
 * Consecutive pages with the same owner.
 *
 * @param base first byte, 4 KiB aligned
 * @param pages number of pages
 * @param owner their owner
 */
public record OwnerRun(long base, long pages, PageOwner owner) {

    /** Exclusive end. */
    public long end() {
        return base + (pages << 12);
    }

    @Override
    public String toString() {
        return String.format("0x%X-0x%X %s", base, end() - 1, owner);
    }
}
