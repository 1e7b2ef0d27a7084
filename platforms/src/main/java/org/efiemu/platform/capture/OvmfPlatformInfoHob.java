package org.efiemu.platform.capture;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.pci.PciRootBridge.Aperture;

/**
 * OVMF's platform information HOB (a GUID HOB, gUefiOvmfPkgPlatformInfoGuid DEC9B486-1F16-47C7-8F68-DF1A41888BA5,
 * OVMF 2022.11 {@code EFI_HOB_PLATFORM_INFO}, copied whole, its own zeroed GUID HOB header included, after the HOB's
 * header) as captured in the HOB list: the PCI apertures PlatformPei computed and OVMF's PciHostBridgeLib gives the
 * root bridge (PcdPciIoBase/Size, PcdPciMmio32Base/Size, PcdPciMmio64Base/Size; a 64-bit size of 0: no aperture).
 *
 * @param io the I/O aperture
 * @param mem the 32-bit MMIO aperture
 * @param mem64 the 64-bit MMIO aperture
 */
public record OvmfPlatformInfoHob(Aperture io, Aperture mem, Aperture mem64) {
    /** The GUID's bytes as they appear in a HOB. */
    private static final byte[] GUID = java.util.HexFormat.of().parseHex("86b4c9de161fc7478f68df1a41888ba5");
    /** Offsets in the HOB: 8 (HOB header) + 16 (GUID) + 24 (the structure's own GUID HOB header) + field offset. */
    private static final int MMIO64_BASE = 48 + 46;
    private static final int IO_SIZE = 48 + 78;

    /** The first platform information HOB of a HOB list (each HOB's bytes), if it has one long enough. */
    public static Optional<OvmfPlatformInfoHob> find(List<byte[]> hobs) {
        for (byte[] h : hobs) {
            if (h.length >= IO_SIZE + 8 && (h[0] & 0xFF) == 4 && (h[1] & 0xFF) == 0
                    && java.util.Arrays.equals(h, 8, 24, GUID, 0, 16)) {
                ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
                long mmio64Base = b.getLong(MMIO64_BASE);
                long mmio64Size = b.getLong(MMIO64_BASE + 8);
                long mmio32Base = b.getInt(MMIO64_BASE + 16) & 0xFFFF_FFFFL;
                long mmio32Size = b.getInt(MMIO64_BASE + 20) & 0xFFFF_FFFFL;
                long ioBase = b.getLong(MMIO64_BASE + 24);
                long ioSize = b.getLong(IO_SIZE);
                return Optional.of(new OvmfPlatformInfoHob(new Aperture(ioBase, ioBase + ioSize - 1),
                        new Aperture(mmio32Base, mmio32Base + mmio32Size - 1), mmio64Size == 0 ? Aperture.NONE
                                : new Aperture(mmio64Base, mmio64Base + mmio64Size - 1)));
            }
        }
        return Optional.empty();
    }
}
