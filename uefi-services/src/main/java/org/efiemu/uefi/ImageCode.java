package org.efiemu.uefi;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeRelocation;
import org.efiemu.core.pe.PeSection;

/**
 * Where a freshly loaded image can hold non-zero bytes, so that only those are scanned for RDTSC/RDTSCP
 * ({@link org.efiemu.core.machine.Machine#declareCode}). {@code PeLoader.layout} (PE/COFF spec §4: SizeOfRawData vs
 * VirtualSize) zero-fills the image, copies the headers and each section's raw data, then applies base relocations;
 * every other byte (bss, section padding) is zero until the image runs. Every byte of an RDTSC ({@code 0F 31}) or
 * RDTSCP ({@code 0F 01 F9}) encoding is non-zero, so scanning each connected range of this set finds exactly what
 * scanning the whole image finds.
 */
final class ImageCode {
    /** The widest relocated field (IMAGE_REL_BASED_DIR64). */
    private static final int RELOCATED_FIELD = 8;

    private ImageCode() {}

    /** RVA ranges, {@code [start, end)}, outside which the image is zero right after loading. */
    static RangeSet<Long> possiblyNonZero(PeImage pe) {
        long size = pe.sizeOfImage();
        RangeSet<Long> out = TreeRangeSet.create();
        add(out, 0, pe.sizeOfHeaders(), size);
        for (PeSection s : pe.sections()) {
            if (s.copiedSize() > 0 && s.loadedSize() > 0) {
                add(out, s.virtualAddress(), s.virtualAddress() + s.copiedSize(), size);
            }
        }
        for (PeRelocation r : pe.relocations()) {
            add(out, r.rva(), r.rva() + RELOCATED_FIELD, size);
        }
        return out;
    }

    private static void add(RangeSet<Long> set, long start, long end, long size) {
        long s = Math.max(0, start);
        long e = Math.min(size, end);
        if (s < e) {
            set.add(Range.closedOpen(s, e));
        }
    }
}
