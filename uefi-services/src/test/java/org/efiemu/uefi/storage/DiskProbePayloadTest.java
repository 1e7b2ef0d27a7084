package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImages;
import org.efiemu.uefi.fs.EspVolume;
import org.efiemu.uefi.boot.ImageServices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code disk-probe} payload booted from a GPT disk made by sgdisk/mkfs.fat/mtools (no payload given: OVMF's boot
 * manager path \EFI\BOOT\BOOTX64.EFI on the first FAT partition): it prints what it finds through BlockIo, DiskIo,
 * DiskIo2, PartitionInfo and SimpleFileSystem. Real OVMF (QEMU 7.2 q35, Debian ovmf 2022.11, the disk as
 * {@code -device ide-hd}) printed the committed {@code ovmf-disk-probe.txt} for the same disk; efiemu must print the
 * same lines.
 */
class DiskProbePayloadTest {
    @TempDir
    static Path dir;
    private static BootResult result;
    private static Path image;
    private static String imageHash;
    private static byte[] savedEfiemuTxt;

    @BeforeAll
    static void boot() throws Exception {
        image = DiskImages.probeDisk(dir, TestPlatforms.payload("disk-probe").toAbsolutePath());
        imageHash = sha256(image);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).disk(image, false).build()) {
            result = m.run();
            AttachedDisk disk = m.disks().get(0);
            EspVolume esp = disk.parts().get(0).volume().orElseThrow();
            savedEfiemuTxt = ImageServices.fileOn(esp, "\\EFIEMU.TXT").orElse(null);
            Path after = dir.resolve("after.img");
            disk.image().saveTo(after);
        }
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    static List<String> diskLines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("disk:")).toList();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DiskProbePayloadTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void efiemuPrintsWhatRealOvmfPrintsForTheSameDisk() throws Exception {
        List<String> ovmf = diskLines(resource("ovmf-disk-probe.txt"));
        assertThat(ovmf).hasSizeGreaterThan(40);
        assertThat(diskLines(result.consoleText())).containsExactlyElementsOf(ovmf);
    }

    @Test
    void bootingFromTheDiskMakesTheEspPartitionTheDeviceHandleAndBootx64TheFilePath() {
        assertThat(result.outcome()).as(result.consoleText()).isEqualTo(BootOutcome.RESET);
        assertThat(diskLines(result.consoleText())).contains(
                "disk: handle 1 PciRoot(0x0)/Pci(0x1f,0x2)/Sata(0x0,0xffff,0x0)/HD(1,GPT,0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9,"
                        + "0x800,0x10000) <- LoadedImage.DeviceHandle",
                "disk: loaded-image file File(\\EFI\\BOOT\\BOOTX64.EFI)");
    }

    @Test
    void everyFileTheProbeOpensClosesWithSuccess() {
        assertThat(result.trace()).filteredOn(e -> e.service().equals("File.Close")).hasSizeGreaterThanOrEqualTo(6)
                .allSatisfy(e -> assertThat(e.status()).isEqualTo("EFI_SUCCESS"));
    }

    @Test
    void guestWritesStayInTheOverlayAndNeverReachTheImageFile() throws Exception {
        assertThat(sha256(image)).isEqualTo(imageHash);
        assertThat(new String(savedEfiemuTxt, StandardCharsets.US_ASCII)).isEqualTo("written through SimpleFileSystem");
        assertThat(DiskImages.run(dir, null, "mtype", "-i", dir.resolve("after.img") + "@@" + 2048 * 512, "::/EFIEMU.TXT"))
                .isEqualTo("written through SimpleFileSystem");
    }
}
