package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real GRUB (Debian grub-efi-amd64-bin, an image made by grub-mkstandalone in the test) on a GPT disk made by
 * sgdisk/mkfs.fat/mtools: GRUB's own efidisk, part_gpt and fat drivers read the disk through BlockIo/DiskIo, so its
 * {@code search --file}, {@code ls} and {@code cat} find the partitions and files; then it {@code chainloader}s the
 * disk-probe payload from the ESP (LoadImage with the file's device path and buffer, StartImage), which sees the disk
 * and its own DeviceHandle and ends with ResetSystem.
 */
class GrubDiskTest {
    @TempDir
    static Path dir;
    private static BootResult result;

    private static final String CONFIG = """
            set pager=0
            search --no-floppy --file --set=found /DATA.TXT
            echo "found=$found"
            ls
            ls ($found)/
            cat ($found)/DATA.TXT
            search --no-floppy --file --set=esp /EFI/BOOT/HELLO.TXT
            echo "esp=$esp"
            cat ($esp)/EFI/BOOT/HELLO.TXT
            echo "grub-disk-done"
            set root=$esp
            chainloader /EFI/BOOT/PROBE.EFI
            boot
            """;

    static Path grubImage(Path dir, String config) throws Exception {
        Path cfg = dir.resolve("grub.cfg");
        Files.writeString(cfg, config);
        Path efi = dir.resolve("grubx64.efi");
        DiskImages.run(dir, null, "grub-mkstandalone", "-O", "x86_64-efi", "-o", efi.toString(),
                "--modules=part_gpt part_msdos fat search_fs_file ls cat echo reboot chain",
                "--install-modules=part_gpt part_msdos fat search search_fs_file ls cat echo reboot chain test",
                "--locales=", "--fonts=", "--themes=", "boot/grub/grub.cfg=" + cfg);
        return efi;
    }

    @BeforeAll
    static void boot() throws Exception {
        Path esp = DiskImages.fat(dir, "esp.img", 16, 32768, "/EFI/BOOT/HELLO.TXT", "hello from the ESP\n");
        DiskImages.run(dir, null, "mcopy", "-i", esp.toString(),
                TestPlatforms.payload("disk-probe").toAbsolutePath().toString(), "::/EFI/BOOT/PROBE.EFI");
        Path img = DiskImages.gpt(dir, "grub-disk.img", esp);
        Path data = dir.resolve("data.img");
        DiskImages.run(dir, null, "mkfs.fat", "-C", "-F", "16", "-n", "DATA", data.toString(), "31727");
        Path content = dir.resolve("data.txt");
        Files.writeString(content, "data partition\n");
        DiskImages.run(dir, null, "mcopy", "-i", data.toString(), content.toString(), "::/DATA.TXT");
        DiskImages.writeAt(img, 67584L * 512, Files.readAllBytes(data));
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(grubImage(dir, CONFIG))
                .instructionCounting(InstructionCounting.BLOCKS).wallClockLimit(java.time.Duration.ofSeconds(60))
                .disk(img, false).build()) {
            result = m.run();
        }
    }

    private static String console() {
        // GRUB draws with terminal escapes; keep the text
        return result.consoleText().replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
    }

    @Test
    void grubSearchFindsTheFileOnTheSecondGptPartitionAndListsTheDisks() {
        assertThat(console()).contains("found=hd0,gpt2").contains("(hd0)").contains("(hd0,gpt1)").contains("(hd0,gpt2)")
                .contains("data.txt").contains("data partition");
    }

    @Test
    void grubReadsTheEspThroughItsOwnFatDriverAndChainloadsAnImageFromIt() {
        assertThat(console()).contains("esp=hd0,gpt1").contains("hello from the ESP").contains("grub-disk-done");
        assertThat(console()).contains("disk: blockio-handles EFI_SUCCESS 3")
                .contains("/HD(1,GPT,0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9,0x800,0x10000) <- LoadedImage.DeviceHandle")
                .contains("disk: loaded-image file File(\\EFI\\BOOT\\PROBE.EFI)").contains("disk: done");
        assertThat(result.outcome()).as(console()).isEqualTo(BootOutcome.RESET);
    }
}
