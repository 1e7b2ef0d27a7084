package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.efiemu.earlyalloc.diff.DiffReport;
import org.efiemu.earlyalloc.diff.DiffRunner;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.qemu.QemuOvmf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ext4-read} payload of {@link RefindExt4DriverTest} LIVE on real QEMU + OVMF (Debian qemu-system-x86 and
 * ovmf) and on efiemu, through {@code efiemu diff} ({@link DiffRunner} with a disk beside the ESP): the Shell starts
 * {@code \ext4-read.efi} from the ESP, which loads Debian rEFInd 0.13.2's {@code ext4_x64.efi} from the same volume,
 * connects every Block I/O handle (UEFI 2.10 §7.3.12 ConnectController; OVMF has no ext4 driver of its own, so rEFInd's
 * Driver Binding (§11.1) is the one that binds on both) and reads files from the ext4 partition of the same GPT disk
 * image, attached to both. Every "e4" line must be the same on both, line for line.
 */
class RefindExt4DriverOvmfLiveTest {
    static final Pattern E4_LINES = Pattern.compile("^e4 ");

    static final Path PAYLOAD = Path.of("target/test-classes/payloads/ext4-read.efi").toAbsolutePath();

    /** The GPT disk of {@link RefindExt4DriverTest}: partition 1 ext4 with \\hello.txt and \\dir\\sub.txt. */
    static Path disk(Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("root/dir"));
        Files.writeString(dir.resolve("root/hello.txt"), "hello from ext4\n", StandardCharsets.US_ASCII);
        Files.writeString(sub.resolve("sub.txt"), "nested file\n", StandardCharsets.US_ASCII);
        return RefindExt4DriverTest.ext4Disk(dir, dir.resolve("root"));
    }

    /** An ESP holding \\ext4_x64.efi, where ext4-read looks for it (its own volume). */
    static Path esp(Path dir) throws Exception {
        Path esp = Files.createDirectories(dir.resolve("esp"));
        Files.copy(DebianEfi.file("refind", "usr/share/refind/refind/drivers_x64/ext4_x64.efi"),
                esp.resolve("ext4_x64.efi"));
        return esp;
    }

    @BeforeAll
    static void qemuAndOvmfAreInstalled() {
        new QemuOvmf().missing().ifPresent(m -> {
            throw new IllegalStateException(m + " (scripts/provision.sh installs them)");
        });
    }

    /**
     * Every "e4" line is the same on both but one: the {@code connected N of M block devices} count. What the driver did
     * with the ext4 partition (bound once, one new volume, its label, both files, EFI_NOT_FOUND for a missing one) is
     * the same. N is the same since efiemu's partitions are BY_CHILD_CONTROLLER children of their disk as OVMF's
     * PartitionDxe makes them: ConnectController(disk, NULL, NULL, TRUE) returns EFI_SUCCESS on both whole disks
     * (PartitionDxe's Supported and Start succeed again on a disk whose partitions exist) and Recursive reaches the
     * partitions, so rEFInd's driver starts on the ext4 partition inside the whole disk's call and the partitions' own
     * calls return EFI_NOT_FOUND: 2 on both. M differs, pinned here so that a change on either side shows: QEMU's q35
     * machine adds an empty CD-ROM drive (Block I/O with RemovableMedia, no media, on SATA port 2) beside the two disks,
     * efiemu has none: 5 against 4 Block I/O handles.
     */
    @Test
    void rEFIndsExt4DriverPrintsOvmfsE4LinesOnEfiemuButTheConnectedBlockDeviceCount(@TempDir Path dir) throws Exception {
        Path img = disk(dir);
        Path esp = esp(dir);
        byte[] payload = Files.readAllBytes(PAYLOAD);

        DiffReport d = new DiffRunner(new QemuOvmf()).run(new DiffRunner.Request(
                ProfileRegistry.standard().resolve("ovmf-q35-2g"), payload, "ext4-read.efi", esp, null, null,
                2_000_000_000L, Duration.ofMinutes(5), Duration.ofMinutes(5), false, E4_LINES, null, null,
                List.of(img)));
        String report = String.join("\n", d.render());

        assertThat(d.real()).as(report).containsExactly("e4 begin", "e4 load EFI_SUCCESS", "e4 start EFI_SUCCESS",
                "e4 driver-bindings 1", "e4 connected 2 of 5 block devices", "e4 volumes 1 -> 2",
                "e4 open-volume EFI_SUCCESS", "e4 fs-info EFI_SUCCESS read-only 1 label 'EFIEMU4'",
                "e4 open hello.txt EFI_SUCCESS", "e4 read hello.txt EFI_SUCCESS 16 'hello from ext4'",
                "e4 open dir/sub.txt EFI_SUCCESS", "e4 read dir/sub.txt EFI_SUCCESS 12 'nested file'",
                "e4 open missing.txt EFI_NOT_FOUND", "e4 end");
        assertThat(d.emulated()).as(report).hasSameSizeAs(d.real());
        int connected = 4;
        assertThat(d.firstDivergence()).as(report).hasValue(connected);
        assertThat(d.emulated().get(connected)).as(report).isEqualTo("e4 connected 2 of 4 block devices");
        for (int i = 0; i < d.real().size(); i++) {
            if (i != connected) {
                assertThat(d.emulated().get(i)).as("line %d\n%s", i + 1, report).isEqualTo(d.real().get(i));
            }
        }
        assertThat(d.sameEnding()).as(report).isTrue();
        assertThat(d.realEnding()).as(report).isEqualTo("returned EFI_SUCCESS");
    }

    @Test
    void efiemuDiffDiskAttachesTheImageToBothSidesAndShowsTheConnectedCountAsTheFirstDivergence(@TempDir Path dir)
            throws Exception {
        Path img = disk(dir);
        Path esp = esp(dir);
        EfiemuDiffTest.Result r = EfiemuDiffTest.efiemu("diff", "--platform", "ovmf-q35-2g", "--esp", esp.toString(),
                "--payload", PAYLOAD.toString(), "--disk", img.toString(), "--lines", "^e4 ", "--qemu-timeout", "300");
        assertThat(r.exit()).as("%s%n%s", r.out(), r.err()).isEqualTo(1);
        assertThat(r.out()).contains("-drive format=raw,snapshot=on,file=" + img.toAbsolutePath())
                .containsPattern("10 e4 read hello\\.txt EFI_SUCCESS 16 'hello from ext4' +=")
                .contains("first divergence at line 5: QEMU + OVMF printed \"e4 connected 2 of 5 block devices\", "
                        + "efiemu printed \"e4 connected 2 of 4 block devices\"");
    }
}
