package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;

import java.util.HashMap;
import java.util.Map;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.disk.BlockMedia;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * The devices behind one block protocol's instances ({@code EFI_BLOCK_IO_PROTOCOL} or {@code EFI_BLOCK_IO2_PROTOCOL}),
 * found by the {@code This} argument, and the data move both protocols make once a request passed the media checks
 * (UEFI 2.10 §13.9, §13.10).
 */
final class BlockInstances {
    /** Largest single transfer the emulator moves at once. */
    private static final long MAX_IO = 1L << 30;

    private final String protocol;
    private final Map<Long, BlockMedia> devices = new HashMap<>();

    /** @param protocol the spec name used when {@code This} is not an instance */
    BlockInstances(String protocol) {
        this.protocol = protocol;
    }

    void add(long instance, BlockMedia media) {
        devices.put(instance, media);
    }

    /** The device {@code This} (argument 0) names, or null after telling the trace what {@code This} is not. */
    BlockMedia device(ServiceCall c) {
        BlockMedia d = devices.get(c.arg(0));
        if (d == null) {
            c.output("This " + hex(c.arg(0)) + " is not an " + protocol);
        }
        return d;
    }

    /**
     * {@code Reset(This, ExtendedVerification)} of either protocol: nothing to reset and no request is ever pending, so
     * EFI_SUCCESS for an instance and EFI_INVALID_PARAMETER for anything else.
     */
    EfiStatus reset(ServiceCall c) {
        c.arguments(hex(c.arg(0)), (c.arg(1) & 0xFF) != 0);
        return device(c) == null ? EfiStatus.INVALID_PARAMETER : EfiStatus.SUCCESS;
    }

    /**
     * Moves {@code size} bytes between the guest's {@code buffer} and the device at {@code lba}: EFI_INVALID_PARAMETER
     * when the buffer is not that much RAM, else EFI_SUCCESS.
     */
    static EfiStatus move(GuestMemory memory, ServiceCall c, BlockMedia d, long lba, long size, long buffer,
            boolean write) {
        if (Long.compareUnsigned(size, MAX_IO) > 0 || !c.isRam(buffer, size)) {
            c.output("Buffer is not " + Long.toUnsignedString(size) + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        long offset = lba * d.blockSize();
        if (write) {
            d.write(offset, memory.read(buffer, (int) size));
        } else {
            memory.write(buffer, d.read(offset, (int) size));
        }
        return EfiStatus.SUCCESS;
    }
}
