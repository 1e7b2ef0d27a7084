package org.efiemu.uefi.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logical partitions in an MBR extended partition, on a disk made by sfdisk, found as EDK2's PartitionDxe finds them:
 * the extended partition has its own handle, its logical partitions follow the primaries, numbered 1, 2, ... under it
 * with signature 0 and absolute start blocks; bad chains end with a note, never an exception or an endless walk.
 */
class ExtendedPartitionScannerTest {
    @TempDir
    Path dir;

    @Test
    void logicalPartitionsOfSfdisksChainFollowThePrimariesAsChildrenOfTheExtendedPartition() throws Exception {
        PartitionTable t = PartitionScanner.scan(DiskImage.open(DiskImages.extendedMbr(dir, "ext.img", null, null)));
        assertThat(t.notes()).isEmpty();
        assertThat(t.partitions()).extracting(Partition::toString).containsExactly(
                "HD(1,MBR,0x12345678,0x800,0x10000) type 0xEF",
                "HD(2,MBR,0x12345678,0x10800,0xF800) type 0x05",
                "HD(2,MBR,0x12345678,0x10800,0xF800)/HD(1,MBR,0x00000000,0x11000,0x5000) type 0x83",
                "HD(2,MBR,0x12345678,0x10800,0xF800)/HD(2,MBR,0x00000000,0x16800,0x9800) type 0x0C");
        Partition second = t.partitions().get(3);
        assertThat(second.extended()).isSameAs(t.partitions().get(1));
        ByteBuffer entry = ByteBuffer.wrap(second.entry()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(entry.getInt(8)).as("the EBR entry (relative start) is what PartitionInfo carries").isEqualTo(2048);
    }

    @Test
    void primaryPartitionsAreNumberedByTheirEntryAsEdk2Does() throws Exception {
        Path img = dir.resolve("gap.img");
        DiskImages.run(dir, null, "truncate", "-s", "16M", img.toString());
        DiskImages.run(dir, "label: dos\nlabel-id: 0x0000CAFE\nstart=2048, size=4096, type=83\nstart=8192, type=83\n",
                "sfdisk", img.toString());
        byte[] mbr = Files.readAllBytes(img);
        System.arraycopy(new byte[16], 0, mbr, 446, 16); // entry 1 emptied: entry 2 stays partition 2
        Files.write(img, mbr);
        assertThat(PartitionScanner.scan(DiskImage.open(img)).partitions()).extracting(Partition::number).containsExactly(2);
    }

    @Test
    void anEbrChainThatLoopsEndsWithANoteInsteadOfWalkingForever() throws Exception {
        Path img = DiskImages.extendedMbr(dir, "loop.img", null, null);
        byte[] b = Files.readAllBytes(img);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int secondEbr = 90112 * 512;
        bb.putInt(secondEbr + 462 + 8, 0x5800); // the second EBR links to itself (relative to the extended partition)
        b[secondEbr + 462 + 4] = 0x05;
        bb.putInt(secondEbr + 462 + 12, 0x100);
        Files.write(img, b);
        PartitionTable t = PartitionScanner.scan(DiskImage.open(img));
        assertThat(t.partitions()).hasSize(4);
        assertThat(t.notes()).singleElement().asString().contains("loop.img").contains("extended partition 2")
                .contains("reached twice");
    }

    @Test
    void aLogicalPartitionOutsideItsExtendedPartitionEndsTheWalkWithANote() throws Exception {
        Path img = DiskImages.extendedMbr(dir, "outside.img", null, null);
        byte[] b = Files.readAllBytes(img);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(90112 * 512 + 446 + 12, 0x100000); // logical 6 too big
        Files.write(img, b);
        PartitionTable t = PartitionScanner.scan(DiskImage.open(img));
        assertThat(t.partitions()).hasSize(3);
        assertThat(t.notes()).singleElement().asString().contains("outside the extended partition");
    }
}
