package org.efiemu.uefi.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPT and MBR tables made by sgdisk/sfdisk, read as EDK2's PartitionDxe reads them. */
class PartitionScannerTest {
    @TempDir
    Path dir;

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void sgdiskGptGivesBothPartitionsWithTheirGuidsRangesAndNames() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.scheme()).isEqualTo(PartitionTable.Scheme.GPT);
            assertThat(t.notes()).isEmpty();
            assertThat(t.diskGuid()).isEqualTo(Guid.parse(DiskImages.DISK_GUID));
            assertThat(t.partitions()).hasSize(2);
            Partition esp = t.partitions().get(0);
            assertThat(esp.number()).isEqualTo(1);
            assertThat(esp.startLba()).isEqualTo(2048);
            assertThat(esp.blocks()).isEqualTo(65536);
            assertThat(esp.uniqueGuid()).isEqualTo(Guid.parse(DiskImages.ESP_GUID));
            assertThat(esp.isEfiSystemPartition()).isTrue();
            assertThat(esp.name()).isEqualTo("ESP");
            assertThat(esp.entry()).hasSize(128);
            Partition data = t.partitions().get(1);
            assertThat(data.number()).isEqualTo(2);
            assertThat(data.startLba()).isEqualTo(2048 + 65536);
            assertThat(data.endLba()).isEqualTo(disk.lastBlock() - 33); // sgdisk leaves 32 entry blocks + the backup header
            assertThat(data.isEfiSystemPartition()).isFalse();
        }
    }

    @Test
    void corruptPrimaryGptHeaderUsesTheBackupAndRewritesThePrimaryOnlyInTheOverlay() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        byte[] goodPrimary = DiskImages.readAt(img, 512, 512);
        DiskImages.writeAt(img, 512 + 16, new byte[] {0x11, 0x22, 0x33, 0x44});
        String before = sha256(img);
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.partitions()).extracting(Partition::number).containsExactly(1, 2);
            assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains(img.toString()).contains("primary GPT header (LBA 1)")
                    .contains("HeaderCRC32 0x44332211"));
            assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains("using the backup GPT header"));
            byte[] restored = disk.read(512, 512);
            assertThat(java.util.Arrays.copyOf(restored, 92)).isEqualTo(java.util.Arrays.copyOf(goodPrimary, 92));
            assertThat(PartitionScanner.scan(disk).notes()).isEmpty(); // the repaired copy is valid now
        }
        assertThat(sha256(img)).isEqualTo(before);
    }

    @Test
    void bothGptHeadersCorruptGiveNoPartitionHandlesAndNotesNamingBoth() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        long last = Files.size(img) / 512 - 1;
        DiskImages.writeAt(img, 512 + 16, new byte[] {1, 1, 1, 1});
        DiskImages.writeAt(img, last * 512, "NOT A GPT".getBytes());
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.partitions()).isEmpty();
            assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains("backup GPT header (LBA " + last + ")")
                    .contains("Signature is not \"EFI PART\""));
            assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains("no partition handles"));
        }
    }

    @Test
    void corruptEntryArrayInBothCopiesIsACrcMismatchAndNoPartitions() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        long last = Files.size(img) / 512 - 1;
        DiskImages.writeAt(img, 2 * 512 + 40, new byte[] {9});
        DiskImages.writeAt(img, (last - 32) * 512 + 40, new byte[] {9});
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.partitions()).isEmpty();
            assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains("PartitionEntryArrayCRC32"));
        }
    }

    @Test
    void overlappingGptEntriesGetNoHandlesAndTheOthersStay() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        long last = Files.size(img) / 512 - 1;
        // entry 2 starts inside entry 1 (in both copies, CRCs recomputed)
        DiskImages.setGptEntry(img, 1, 1, 4096, 70000);
        DiskImages.setGptEntry(img, last, 1, 4096, 70000);
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.partitions()).isEmpty();
            assertThat(t.notes()).singleElement().asString().contains("GPT entry 1").contains("overlaps entry 2");
        }
    }

    @Test
    void gptEntryOutsideTheUsableRangeIsRefused() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        long last = Files.size(img) / 512 - 1;
        DiskImages.setGptEntry(img, 1, 1, 70000, last);
        DiskImages.setGptEntry(img, last, 1, 70000, last);
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.partitions()).extracting(Partition::number).containsExactly(1);
            assertThat(t.notes()).singleElement().asString().contains("GPT entry 2").contains("FirstUsableLBA..LastUsableLBA");
        }
    }

    @Test
    void truncatedGptImageKeepsThePartitionsThatFitAndNamesTheOneThatDoesNot() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(40L << 20);
        }
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.partitions()).extracting(Partition::number).containsExactly(1);
            assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains("backup GPT header"));
            assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains("GPT entry 2").contains("truncated image"));
        }
    }

    @Test
    void imageThatIsNotWholeBlocksIsRefusedNamingTheFile() throws Exception {
        Path img = dir.resolve("odd.img");
        Files.write(img, new byte[1000]);
        assertThatThrownBy(() -> DiskImage.open(img)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(img.toString()).hasMessageContaining("not a whole number of 512-byte blocks");
        Path empty = dir.resolve("empty.img");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> DiskImage.open(empty)).hasMessageContaining("is empty");
        assertThatThrownBy(() -> DiskImage.open(dir.resolve("missing.img"))).hasMessageContaining("does not exist");
    }

    @Test
    void sfdiskMbrGivesItsPrimaryPartitionsWithTheDiskSignature() throws Exception {
        Path img = DiskImages.mbr(dir, "mbr.img", null);
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.scheme()).isEqualTo(PartitionTable.Scheme.MBR);
            assertThat(t.mbrSignature()).isEqualTo(0x12345678);
            assertThat(t.partitions()).hasSize(2);
            assertThat(t.partitions().get(0).toString()).isEqualTo("HD(1,MBR,0x12345678,0x800,0x10000) type 0xEF");
            assertThat(t.partitions().get(0).isEfiSystemPartition()).isTrue();
            assertThat(t.partitions().get(0).entry()).hasSize(16);
            assertThat(t.partitions().get(1).startLba()).isEqualTo(67584);
            assertThat(t.partitions().get(1).endLba()).isEqualTo(disk.lastBlock());
        }
    }

    @Test
    void overlappingMbrEntriesMakeTheMbrInvalid() throws Exception {
        Path img = DiskImages.mbr(dir, "mbr.img", null);
        DiskImages.writeAt(img, 446 + 16 + 8, new byte[] {0x00, 0x10, 0, 0}); // entry 2 starts at LBA 4096
        try (DiskImage disk = DiskImage.open(img)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.partitions()).isEmpty();
            assertThat(t.notes()).singleElement().asString().contains(img.toString()).contains("entries 1")
                    .contains("overlap");
        }
    }

    @Test
    void blankDiskHasNoTable() {
        try (DiskImage disk = DiskImage.blank("blank", 1 << 20)) {
            PartitionTable t = PartitionScanner.scan(disk);
            assertThat(t.scheme()).isEqualTo(PartitionTable.Scheme.NONE);
            assertThat(t.partitions()).isEmpty();
        }
    }

    @Test
    void writesGoToTheOverlayAndSaveToWritesANewFileLeavingTheImageAlone() throws Exception {
        Path img = DiskImages.gpt(dir, "gpt.img", null);
        String before = sha256(img);
        Path copy = dir.resolve("after.img");
        try (DiskImage disk = DiskImage.open(img)) {
            disk.write(4096 * 512 + 3, "hello".getBytes());
            assertThat(new String(disk.read(4096 * 512 + 3, 5))).isEqualTo("hello");
            assertThat(disk.writtenBlocks()).isEqualTo(1);
            disk.saveTo(copy);
            assertThatThrownBy(() -> disk.saveTo(img)).hasMessageContaining("would overwrite the user's image");
        }
        assertThat(sha256(img)).isEqualTo(before);
        assertThat(new String(DiskImages.readAt(copy, 4096 * 512 + 3, 5))).isEqualTo("hello");
        assertThat(Files.size(copy)).isEqualTo(Files.size(img));
    }
}
