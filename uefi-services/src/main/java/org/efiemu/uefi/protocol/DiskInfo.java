package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * {@code EFI_DISK_INFO_PROTOCOL} (PI 1.7 vol. 5 §12.9; UEFI 2.10 names it in §13) on every disk handle, as OVMF's AtaBus
 * installs it for a SATA disk on q35's AHCI controller: Interface {@code EFI_DISK_INFO_AHCI_INTERFACE_GUID};
 * {@code Inquiry} and {@code SenseData} EFI_NOT_FOUND (an ATA disk has neither); {@code Identify} the 512-byte ATA
 * IDENTIFY DEVICE data QEMU's {@code ide-hd} answers (ATA8-ACS §7.16: general configuration 0x0040, serial
 * {@code QM0000n}, firmware {@code 2.5+}, model {@code QEMU HARDDISK}, LBA and DMA supported, 48-bit addressing with
 * the disk's sector count), EFI_BUFFER_TOO_SMALL with the size written when the buffer is smaller; {@code WhichIde}
 * the AHCI port and port-multiplier port 0xFFFF. A disk on an IDE controller (QEMU {@code -machine pc}'s PIIX3 IDE,
 * {@link #install(int, long, boolean)}) has, as AtaBus gives a disk whose device path node is not SATA, Interface
 * {@code EFI_DISK_INFO_IDE_INTERFACE_GUID} and WhichIde the channel (0 primary, 1 secondary) and the device (0 master,
 * 1 slave): AtaAtapiPassThru's Port and PortMultiplierPort in IDE mode.
 */
public final class DiskInfo {
    public static final Guid AHCI_INTERFACE = Guid.parse("9E498932-4ABC-45AF-A34D-0247787BE7C6");
    public static final Guid IDE_INTERFACE = Guid.parse("5E948FE3-26D3-42B5-AF17-610287188DEC");
    public static final int IDENTIFY_SIZE = 512;
    static final int SIZE = 48;

    private record Disk(int channel, int device, byte[] identify) {}

    private final GuestMemory memory;
    private final LongUnaryOperator pool;
    private final long inquiry;
    private final long identify;
    private final long senseData;
    private final long whichIde;
    private final Map<Long, Disk> disks = new HashMap<>();

    public DiskInfo(GuestMemory memory, ServiceDispatcher dispatcher, LongUnaryOperator pool) {
        this.memory = memory;
        this.pool = pool;
        inquiry = dispatcher.registerBootTime("DiskInfo.Inquiry", 3, c -> notFound(c, 3));
        identify = dispatcher.registerBootTime("DiskInfo.Identify", 3, this::identify);
        senseData = dispatcher.registerBootTime("DiskInfo.SenseData", 4, c -> notFound(c, 4));
        whichIde = dispatcher.registerBootTime("DiskInfo.WhichIde", 3, this::whichIde);
    }

    /** Builds the instance for the disk on AHCI {@code port} with {@code sectors} 512-byte sectors. */
    public long install(int port, long sectors) {
        return install(port, sectors, false);
    }

    /**
     * Builds the instance for the disk on AHCI {@code port}, or for {@code ide} the IDE drive index {@code port} (0-3:
     * primary master, primary slave, secondary master, secondary slave).
     */
    public long install(int port, long sectors, boolean ide) {
        long at = pool.applyAsLong(SIZE);
        memory.write(at, (ide ? IDE_INTERFACE : AHCI_INTERFACE).toBytes());
        memory.putU64(at + 16, inquiry);
        memory.putU64(at + 24, identify);
        memory.putU64(at + 32, senseData);
        memory.putU64(at + 40, whichIde);
        disks.put(at, ide ? new Disk(port / 2, port % 2, identifyData(port, sectors))
                : new Disk(port, 0xFFFF, identifyData(port, sectors)));
        return at;
    }

    /** QEMU's IDENTIFY DEVICE answer for an {@code ide-hd} (hw/ide/core.c {@code ide_identify}), the fields it sets. */
    static byte[] identifyData(int port, long sectors) {
        ByteBuffer b = ByteBuffer.allocate(IDENTIFY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 0x0040);
        ataString(b, 10, 20, String.format("QM%05d", port + 1));
        ataString(b, 23, 8, "2.5+");
        ataString(b, 27, 40, "QEMU HARDDISK");
        b.putShort(49 * 2, (short) ((1 << 11) | (1 << 9) | (1 << 8)));  // IORDY, LBA, DMA
        b.putInt(60 * 2, (int) Math.min(sectors, 0x0FFF_FFFFL));
        b.putShort(83 * 2, (short) ((1 << 14) | (1 << 13) | (1 << 12) | (1 << 10))); // 48-bit addressing
        b.putLong(100 * 2, sectors);
        b.putShort(106 * 2, (short) 0x6000);
        return b.array();
    }

    /** An ATA string: ASCII padded with spaces, the two bytes of each word swapped. */
    private static void ataString(ByteBuffer b, int word, int length, String text) {
        byte[] s = String.format("%-" + length + "s", text).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i += 2) {
            b.put(word * 2 + i, s[i + 1]);
            b.put(word * 2 + i + 1, s[i]);
        }
    }

    private Disk disk(ServiceCall c) {
        Disk d = disks.get(c.arg(0));
        if (d == null) {
            c.output("This " + hex(c.arg(0)) + " is not an EFI_DISK_INFO_PROTOCOL");
        }
        return d;
    }

    private EfiStatus notFound(ServiceCall c, int arity) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)), ptr(c.arg(2)));
        return disk(c) == null ? EfiStatus.INVALID_PARAMETER : EfiStatus.NOT_FOUND;
    }

    /** {@code Identify(This, IdentifyData, IdentifyDataSize)}. */
    private EfiStatus identify(ServiceCall c) {
        long buffer = c.arg(1);
        long sizeAt = c.arg(2);
        c.arguments(hex(c.arg(0)), ptr(buffer), ptr(sizeAt));
        Disk d = disk(c);
        if (d == null || !c.isRam("IdentifyDataSize", sizeAt, 4, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long size = memory.u32(sizeAt);
        EfiStatus s = EfiStatus.BUFFER_TOO_SMALL;
        if (size >= IDENTIFY_SIZE) {
            if (!c.isRam(buffer, IDENTIFY_SIZE)) {
                c.output("IdentifyData is not " + IDENTIFY_SIZE + " bytes of RAM");
                return EfiStatus.INVALID_PARAMETER;
            }
            memory.write(buffer, d.identify());
            s = EfiStatus.SUCCESS;
        }
        memory.putU32(sizeAt, IDENTIFY_SIZE);
        return s;
    }

    /** {@code WhichIde(This, IdeChannel, IdeDevice)}: the AHCI port and 0xFFFF, or the IDE channel and device. */
    private EfiStatus whichIde(ServiceCall c) {
        c.arguments(hex(c.arg(0)), ptr(c.arg(1)), ptr(c.arg(2)));
        Disk d = disk(c);
        if (d == null || !c.isRam("IdeChannel", c.arg(1), 4, Align.UINT32)
                || !c.isRam("IdeDevice", c.arg(2), 4, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        memory.putU32(c.arg(1), d.channel());
        memory.putU32(c.arg(2), d.device());
        c.output(d.device() == 0xFFFF ? "port " + d.channel() : "channel " + d.channel() + " device " + d.device());
        return EfiStatus.SUCCESS;
    }
}
