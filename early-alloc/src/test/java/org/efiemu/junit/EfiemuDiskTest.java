package org.efiemu.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.junit.EfiemuExtensionTest.launch;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.efiemu.assertj.EfiemuAssertions;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The {@link EfiemuTest#disks()} attribute: a GPT disk made by sgdisk, mkfs.fat and mtools whose ESP holds the
 * esp-read payload as \EFI\BOOT\BOOTX64.EFI and \hello.txt; with no payload named, the machine boots the loader from
 * the disk (LoadedImage.DeviceHandle = the ESP partition, whose SimpleFileSystem esp-read reads). The nested fixture
 * classes run through a nested JUnit launcher.
 */
class EfiemuDiskTest {
    static final String DISK = "target/disk-test/esp-read.img";

    /** Runs a tool; fails with its output. */
    static void tool(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (scripts/provision.sh installs gdisk, "
                    + "dosfstools, mtools):\n" + out);
        }
    }

    /**
     * A 40 MiB GPT disk (sgdisk): partition 1 an ESP of 32 MiB at LBA 2048 formatted FAT16 by mkfs.fat, holding
     * {@code boot} as \EFI\BOOT\BOOTX64.EFI and a 19-byte \hello.txt (mcopy with the partition's offset).
     */
    static Path espDisk(Path img, Path boot) throws Exception {
        Files.createDirectories(img.getParent());
        Files.deleteIfExists(img);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(40L << 20);
        }
        tool("sgdisk", "-n", "1:2048:+32M", "-t", "1:ef00", img.toString());
        tool("mkfs.fat", "-F", "16", "--offset", "2048", "-n", "DISKTEST", img.toString(), "32768");
        String part = img + "@@" + 2048 * 512;
        Path hello = img.resolveSibling("hello.txt");
        Files.writeString(hello, "hello from the ESP\n");
        tool("mmd", "-i", part, "::/EFI");
        tool("mmd", "-i", part, "::/EFI/BOOT");
        tool("mcopy", "-i", part, boot.toString(), "::/EFI/BOOT/BOOTX64.EFI");
        tool("mcopy", "-i", part, hello.toString(), "::/hello.txt");
        return img;
    }

    static Path espReadPayload() {
        return Path.of("target/test-classes/payloads/esp-read.efi").toAbsolutePath();
    }

    static class BootsFromDisk {
        @EfiemuTest(platform = "ovmf-q35-2g", disks = DISK)
        void t(BootResult boot) {
            EfiemuAssertions.assertThat(boot).hasNoViolations().consoleContains("simple-file-system EFI_SUCCESS")
                    .consoleContains("hello.txt (19 bytes): hello from the ESP").consoleContains("close EFI_SUCCESS")
                    .consoleContains("close-root EFI_SUCCESS");
        }
    }

    @Test
    void withoutAPayloadTheMachineBootsBootx64FromTheDiskAndItReadsItsOwnPartition() throws Exception {
        Path img = espDisk(Path.of(DISK), espReadPayload());
        byte[] before = Files.readAllBytes(img);
        TestExecutionSummary s = launch(BootsFromDisk.class, Map.of(EfiemuSettings.ARTIFACTS_KEEP, "never"));
        assertThat(s.getFailures()).extracting(f -> f.getException().toString()).isEmpty();
        assertThat(s.getTestsSucceededCount()).isEqualTo(1);
        assertThat(Files.readAllBytes(img)).isEqualTo(before);
    }

    static class MissingDisk {
        @EfiemuTest(platform = "ovmf-q35-2g", disks = "target/no-such-disk.img")
        void t(BootResult boot) {
        }
    }

    @Test
    void aDiskThatIsNotAFileIsAConfigurationErrorNamingIt() {
        TestExecutionSummary s = launch(MissingDisk.class, Map.of());
        assertThat(s.getFailures()).singleElement().satisfies(f -> assertThat(f.getException())
                .isInstanceOf(ExtensionConfigurationException.class).hasMessageContaining("no-such-disk.img")
                .hasMessageContaining("is not a file"));
    }

    static List<String> lines(String text) {
        return text.lines().toList();
    }
}
