package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImage;
import org.efiemu.uefi.disk.DiskImages;
import org.efiemu.uefi.disk.PartitionScanner;
import org.efiemu.uefi.disk.PartitionTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --esp DIR} also has blocks: a disk (Sata port 0) with a GPT whose partition 1 is a FAT image of the folder,
 * so the real GRUB's own efidisk/fat drivers find and read the ESP's files; the folder itself is not changed.
 */
class EspBlocksTest {
    @TempDir
    static Path dir;
    private static BootResult result;
    private static Path saved;

    @BeforeAll
    static void boot() throws Exception {
        Path esp = Files.createDirectories(dir.resolve("esp"));
        Files.createDirectories(esp.resolve("EFI/BOOT"));
        Files.writeString(esp.resolve("hello.txt"), "hello from the folder\n");
        Files.writeString(esp.resolve("EFI/BOOT/grub.cfg"), "# nothing\n");
        Path grub = GrubDiskTest.grubImage(dir, """
                set pager=0
                search --no-floppy --file --set=esp /hello.txt
                echo "esp=$esp"
                cat ($esp)/hello.txt
                ls ($esp)/EFI/BOOT/
                echo "esp-blocks-done"
                reboot
                """);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(grub).esp(esp, false)
                .instructionCounting(InstructionCounting.BLOCKS).wallClockLimit(java.time.Duration.ofSeconds(60)).build()) {
            result = m.run();
            saved = dir.resolve("esp-image.img");
            m.espDisk().orElseThrow().saveTo(saved);
        }
    }

    private static String console() {
        return result.consoleText().replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
    }

    @Test
    void grubFindsAndReadsTheEspFolderThroughBlockIo() {
        assertThat(console()).contains("esp=hd0,gpt1").contains("hello from the folder").contains("grub.cfg")
                .contains("esp-blocks-done");
        assertThat(result.outcome()).as(console()).isEqualTo(BootOutcome.RESET);
    }

    @Test
    void theEspImageIsAValidGptAndFatThatMtoolsAndFsckRead() throws Exception {
        try (DiskImage disk = DiskImage.open(saved)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.notes()).isEmpty();
            assertThat(t.partitions()).singleElement().satisfies(p -> {
                assertThat(p.startLba()).isEqualTo(2048);
                assertThat(p.isEfiSystemPartition()).isTrue();
            });
        }
        DiskImages.run(dir, null, "sgdisk", "-v", saved.toString());
        String part = saved + "@@" + 2048 * 512;
        assertThat(DiskImages.run(dir, null, "mtype", "-i", part, "::/hello.txt")).isEqualTo("hello from the folder\n");
    }
}
