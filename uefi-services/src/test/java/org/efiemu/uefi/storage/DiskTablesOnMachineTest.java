package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disks as the disk-probe payload (given as the payload, LoadOptions "noreset") sees them on the machine: an MBR disk's
 * partitions with MBR HardDrive nodes and PartitionInfo type 1; damaged GPTs leave only the disk's handle (what OVMF
 * does) with notes naming the image; read-only media refuse writes; bad images are one clear error.
 */
class DiskTablesOnMachineTest {
    @TempDir
    Path dir;

    private record Run(BootResult result, List<String> notes) {
        List<String> lines() {
            return DiskProbePayloadTest.diskLines(result.consoleText());
        }
    }

    private static Run probe(Path img, boolean readOnly) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("disk-probe"))
                .loadOptions("noreset").disk(img, readOnly).build()) {
            BootResult r = m.run();
            return new Run(r, StorageDevices.notes(m.disks()));
        }
    }

    @Test
    void mbrDiskPartitionsHaveMbrHardDriveNodesAndPartitionInfoTypeOne() throws Exception {
        Path esp = DiskImages.fat(dir, "esp.img", 16, 32768, "/HELLO.TXT", "mbr esp\n");
        Run r = probe(DiskImages.mbr(dir, "mbr.img", esp), false);
        assertThat(r.result().outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.lines()).contains("disk: blockio-handles EFI_SUCCESS 3",
                "disk: handle 1 PciRoot(0x0)/Pci(0x1f,0x2)/Sata(0x0,0xffff,0x0)/HD(1,MBR,0x12345678,0x800,0x10000)",
                "disk:   partinfo revision 0x1000 type 1 system 1 os-type 0xef start 2048",
                "disk: fs 0 read-hello EFI_SUCCESS 8 \"mbr esp|\"");
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void overlappingGptEntriesLeaveOnlyTheDiskHandleAndANote() throws Exception {
        Path img = DiskImages.gpt(dir, "overlap.img", null);
        long last = Files.size(img) / 512 - 1;
        DiskImages.setGptEntry(img, 1, 1, 4096, 70000);
        DiskImages.setGptEntry(img, last, 1, 4096, 70000);
        Run r = probe(img, false);
        assertThat(r.lines()).contains("disk: blockio-handles EFI_SUCCESS 1", "disk: done");
        assertThat(r.notes()).singleElement().asString().contains(img.toString()).contains("overlaps entry 2");
    }

    @Test
    void bothGptHeadersBadLeaveOnlyTheDiskHandle() throws Exception {
        Path img = DiskImages.gpt(dir, "bad.img", null);
        long last = Files.size(img) / 512 - 1;
        DiskImages.writeAt(img, 512, new byte[8]);
        DiskImages.writeAt(img, last * 512, new byte[8]);
        Run r = probe(img, false);
        assertThat(r.lines()).contains("disk: blockio-handles EFI_SUCCESS 1", "disk: done");
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("no partition handles"));
    }

    @Test
    void readOnlyMediaRefuseBlockAndFileWrites() throws Exception {
        Path esp = DiskImages.fat(dir, "esp.img", 16, 32768, "/HELLO.TXT", "ro\n");
        Run r = probe(DiskImages.gpt(dir, "ro.img", esp), true);
        assertThat(r.lines()).anySatisfy(l -> assertThat(l).startsWith("disk:   revision 0x20001").contains("read-only 1"));
        assertThat(r.lines()).contains("disk: write-read-back EFI_WRITE_PROTECTED EFI_SUCCESS 000000",
                "disk: fs 0 create EFI_WRITE_PROTECTED");
    }

    @Test
    void aTruncatedImageIsOneErrorNamingIt() throws Exception {
        Path img = dir.resolve("cut.img");
        Files.write(img, new byte[4097]);
        assertThatThrownBy(() -> UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("disk-probe"))
                .disk(img, false).build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(img.toString())
                .hasMessageContaining("not a whole number of 512-byte blocks");
    }

    @Test
    void noPayloadAndNoBootFileOnTheDiskIsOneErrorNamingTheImage() throws Exception {
        Path img = DiskImages.gpt(dir, "empty.img", null);
        assertThatThrownBy(() -> UefiMachine.builder(TestPlatforms.ovmfQ35()).disk(img, false).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(img.toString())
                .hasMessageContaining("\\EFI\\BOOT\\BOOTX64.EFI");
    }
}
