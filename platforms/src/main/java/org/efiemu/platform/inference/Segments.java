package org.efiemu.platform.inference;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.MemoryDescriptor;

/** Moves the descriptors of one address segment onto another segment of a possibly different size. */
public final class Segments {

    private Segments() {}

    /**
     * The descriptors of {@code map} inside [a0, a1), moved onto [b0, b1). If the sizes differ, the largest
     * EfiConventionalMemory descriptor (else the largest one) grows or shrinks by the difference; descriptors before
     * it keep their offset from the segment start, those after it their offset from the segment end.
     */
    public static List<MemoryDescriptor> transplant(List<MemoryDescriptor> map, long a0, long a1, long b0, long b1) {
        List<MemoryDescriptor> in = new ArrayList<>();
        for (MemoryDescriptor d : map) {
            if (d.physicalStart() >= a0 && d.end() <= a1) {
                in.add(d);
            } else if (d.physicalStart() < a1 && d.end() > a0) {
                throw new IllegalStateException("descriptor " + d + " straddles segment 0x" + Long.toHexString(a0));
            }
        }
        long delta = (b1 - b0) - (a1 - a0);
        int pivot = -1;
        if (delta != 0) {
            for (int pass = 0; pass < 2 && pivot < 0; pass++) {
                for (int i = 0; i < in.size(); i++) {
                    boolean eligible = pass == 1 || in.get(i).type() == 7;
                    if (eligible && (pivot < 0 || in.get(i).numberOfPages() > in.get(pivot).numberOfPages())) {
                        pivot = i;
                    }
                }
            }
            if (pivot < 0 || in.get(pivot).bytes() + delta <= 0) {
                throw new IllegalStateException("segment 0x" + Long.toHexString(a0) + " cannot absorb " + delta);
            }
        }
        long pivotStart = pivot < 0 ? Long.MAX_VALUE : in.get(pivot).physicalStart();
        List<MemoryDescriptor> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            MemoryDescriptor d = in.get(i);
            long start = d.physicalStart() <= pivotStart ? d.physicalStart() - a0 + b0 : d.physicalStart() - a1 + b1;
            long pages = i == pivot ? d.numberOfPages() + (delta >> 12) : d.numberOfPages();
            out.add(new MemoryDescriptor(d.type(), start, pages, d.attribute()));
        }
        return out;
    }
}
