package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ramdisk-io} payload (booted from a GPT disk's FAT ESP) installs a Block I/O of its own code, a RAM disk,
 * and connects it: EDK2's DiskIoDxe starts on it and its Disk I/O reads and writes through that Block I/O in
 * DiskIoDxe's order of ReadBlocks/WriteBlocks calls (partial blocks through a working buffer aligned to IoAlign, whole
 * blocks straight into an aligned caller's buffer, else through the working buffer), PartitionDxe and the FAT driver
 * find nothing to start, DisconnectController takes the Disk I/O away and a second connect puts one back, as real OVMF
 * did for the same disk (the committed {@code ovmf-ramdisk-io.txt}; DiskIoOverGuestBlockIoOvmfLiveTest compares live).
 */
class DiskIoOverGuestBlockIoPayloadTest {

    /** The "rd:" lines. */
    static List<String> lines(String console) {
        return EspBootDisk.lines(console, "rd:");
    }

    /** A GPT disk whose FAT16 ESP holds ramdisk-io as \EFI\BOOT\BOOTX64.EFI. */
    static Path disk(Path dir) throws Exception {
        return EspBootDisk.gpt(dir, "ramdisk-io", "/hello.txt", "hello\n", "/data.txt", "data\n");
    }

    static BootResult efiemu(Path img) {
        return EspBootDisk.run(img);
    }

    @Test
    void aGuestDriversBlockIoGetsDiskIoFromDiskIoDxeWithOvmfsBlockCallsAndStatuses(@TempDir Path dir) throws Exception {
        List<String> ovmf = lines(PartitionChildrenPayloadTest.resource("ovmf-ramdisk-io.txt"));
        assertThat(ovmf).contains("rd: connect EFI_SUCCESS", "rd: end").hasSizeGreaterThan(20);
        BootResult r = efiemu(disk(dir));
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
