package org.efiemu.uefi.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * What one GetMemoryMap call returns (UEFI 2.10 §7.2; EDK2 {@code CoreGetMemoryMap} in
 * {@code MdeModulePkg/Core/Dxe/Mem/Page.c}).
 *
 * @param descriptors the map as reported: RAM ascending, then the GCD entries (reserved, MMIO), merged
 * @param mapKey the MapKey to pass to ExitBootServices
 * @param descriptorSize DescriptorSize (EDK2: 48, the 40-byte structure padded so that callers stepping by
 *     {@code sizeof} break at once)
 * @param descriptorVersion DescriptorVersion (1)
 * @param requiredSize the MemoryMapSize EDK2 asks for: DescriptorSize × (internal entries + GCD entries), counted
 *     before merging, so it is at least {@link #actualSize()}
 */
public record MemoryMapSnapshot(List<MemoryDescriptor> descriptors, long mapKey, int descriptorSize, int descriptorVersion,
        long requiredSize) {

    public MemoryMapSnapshot {
        descriptors = List.copyOf(descriptors);
    }

    /** Bytes the descriptors take at DescriptorSize stride: the MemoryMapSize written on success. */
    public long actualSize() {
        return (long) descriptors.size() * descriptorSize;
    }

    /**
     * The status GetMemoryMap returns for a caller's {@code *MemoryMapSize} and MemoryMap pointer once
     * MemoryMapSize itself is known to be non-NULL (EDK2 check order, reference §2.2): a size below
     * {@link #requiredSize()} → {@code EFI_BUFFER_TOO_SMALL}; else a NULL buffer → {@code EFI_INVALID_PARAMETER};
     * else {@code EFI_SUCCESS}. In every case the ABI layer writes back the size ({@link #requiredSize()} on failure,
     * {@link #actualSize()} on success) and the MapKey.
     */
    public EfiStatus statusFor(long bufferSize, boolean bufferIsNull) {
        if (Long.compareUnsigned(bufferSize, requiredSize) < 0) {
            return EfiStatus.BUFFER_TOO_SMALL;
        }
        return bufferIsNull ? EfiStatus.INVALID_PARAMETER : EfiStatus.SUCCESS;
    }

    /** The descriptors as the guest sees them: little-endian, DescriptorSize stride, padding bytes zero. */
    public byte[] toBytes() {
        byte[] out = new byte[Math.toIntExact(actualSize())];
        writeTo(out, 0);
        return out;
    }

    /**
     * Writes the descriptors into {@code buffer} at {@code offset}: Type (u32) at 0, PhysicalStart at 8, VirtualStart
     * at 16, NumberOfPages at 24, Attribute at 32 of each DescriptorSize-byte slot.
     */
    public void writeTo(byte[] buffer, int offset) {
        if (offset < 0 || (long) offset + actualSize() > buffer.length) {
            throw new IllegalArgumentException(String.format("GetMemoryMap: %d bytes at offset %d do not fit a %d-byte buffer",
                    actualSize(), offset, buffer.length));
        }
        ByteBuffer bb = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        int at = offset;
        for (MemoryDescriptor d : descriptors) {
            for (int i = 0; i < descriptorSize; i++) {
                buffer[at + i] = 0;
            }
            bb.putInt(at, d.type());
            bb.putLong(at + 8, d.physicalStart());
            bb.putLong(at + 16, d.virtualStart());
            bb.putLong(at + 24, d.numberOfPages());
            bb.putLong(at + 32, d.attribute());
            at += descriptorSize;
        }
    }

    /** Reads descriptors written by {@link #writeTo} (or by real firmware) back. */
    public static List<MemoryDescriptor> parse(byte[] buffer, int offset, long mapSize, int descriptorSize) {
        if (descriptorSize < MemoryDescriptor.SPEC_SIZE || mapSize % descriptorSize != 0) {
            throw new IllegalArgumentException(String.format("memory map bytes: size %d is not a multiple of DescriptorSize %d (>= 40)",
                    mapSize, descriptorSize));
        }
        ByteBuffer bb = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        java.util.ArrayList<MemoryDescriptor> out = new java.util.ArrayList<>();
        for (long at = offset; at < offset + mapSize; at += descriptorSize) {
            int p = Math.toIntExact(at);
            out.add(new MemoryDescriptor(bb.getInt(p), bb.getLong(p + 8), bb.getLong(p + 16), bb.getLong(p + 24), bb.getLong(p + 32)));
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("MemoryMap key=0x%X size=%d/%d dsz=%d%n", mapKey, actualSize(),
                requiredSize, descriptorSize));
        descriptors.forEach(d -> sb.append(d).append(System.lineSeparator()));
        return sb.toString();
    }
}
