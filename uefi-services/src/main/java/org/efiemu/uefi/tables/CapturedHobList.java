package org.efiemu.uefi.tables;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A real firmware's HOB list as the firmware-probe captured it (PI 1.7 vol. 3 §5: the PHIT, resource descriptors,
 * memory allocation, GUID extension, firmware volume, CPU and memory pool HOBs, the end of list), presented as the
 * HOB list configuration table with every byte as captured: nothing in it needs relocating. The addresses HOBs hold
 * (memory allocations, firmware volumes, the PHIT's memory bounds) are the captured machine's, whose memory map the
 * profile presents; the PHIT's {@code EfiEndOfHobList} (offset 48) names, on OVMF, the end of the list PEI built
 * (EfiFreeMemoryBottom - 8), not of the copy the configuration table points at, and stays so. Only the list's own
 * address differs from the real machine's (efiemu places it in its firmware arena).
 */
public final class CapturedHobList {
    private CapturedHobList() {}

    /** Bytes of the whole list. */
    public static int size(List<byte[]> hobs) {
        return hobs.stream().mapToInt(h -> h.length).sum();
    }

    /** The list's bytes, in order. */
    public static byte[] build(List<byte[]> hobs) {
        ByteBuffer out = ByteBuffer.allocate(size(hobs));
        hobs.forEach(out::put);
        return out.array();
    }
}
