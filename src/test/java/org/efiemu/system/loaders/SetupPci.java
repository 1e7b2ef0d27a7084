package org.efiemu.system.loaders;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.platform.capture.FirmwareProbeFacts;
import org.efiemu.uefi.pci.PciDevice;

/**
 * The Linux EFI stub's SETUP_PCI records (type 3 in the boot_params' {@code hdr.setup_data} chain; Linux
 * arch/x86/include/uapi/asm/bootparam.h, {@code struct pci_setup_rom}): one per EFI_PCI_IO_PROTOCOL handle with
 * RomImage and RomSize, made by the stub's {@code setup_efi_pci}/{@code preserve_pci_rom_image}
 * (drivers/firmware/efi/libstub/x86-stub.c): setup_data {next, type, len = RomSize + 48}, vendor and device ID read
 * with Pci.Read(Uint16), pcilen = RomSize, segment/bus/device/function from GetLocation (unsigned longs), then the
 * RomSize bytes at RomImage; the 64-byte header is zeroed first, so its padding is zero.
 */
final class SetupPci {
    static final int SETUP_PCI = 3;
    static final int HEADER = 64;

    private SetupPci() {}

    /** The records of type SETUP_PCI in the chain at {@code bootParams + 0x250}, each as its bytes (header + ROM). */
    static List<byte[]> records(GuestMemory m, long bootParams) {
        List<byte[]> out = new ArrayList<>();
        long p = m.u64(bootParams + 0x250);
        for (int guard = 0; p != 0 && guard < 64; guard++) {
            long type = m.u32(p + 8);
            long len = m.u32(p + 12);
            if (type == SETUP_PCI) {
                out.add(m.read(p, (int) (16 + len)));
            }
            p = m.u64(p);
        }
        return out;
    }

    /** The record OVMF's PciIo answers give for one function, {@code next} zero (the last in the chain). */
    static byte[] expected(PciDevice d) {
        byte[] rom = d.romImage();
        ByteBuffer b = ByteBuffer.allocate(HEADER + rom.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0).putInt(SETUP_PCI).putInt(rom.length + HEADER - 16);
        b.putShort((short) d.vendorId()).putShort((short) d.deviceId()).putInt(0);
        b.putLong(rom.length).putLong(d.segment()).putLong(d.bus()).putLong(d.device()).putLong(d.function());
        b.put(rom);
        return b.array();
    }

    /** The records OVMF's answers give, from the committed firmware-probe capture of a profile (handle order). */
    static List<byte[]> expectedOnOvmf(String profile) {
        String name = "/org/efiemu/platform/captures/" + profile + ".firmware.txt";
        try (InputStream in = SetupPci.class.getResourceAsStream(name)) {
            FirmwareProbeFacts f = FirmwareProbeFacts.parse(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1),
                    name);
            return f.pciDevices().stream().filter(PciDevice::hasRomImage).map(SetupPci::expected).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }
}
