package org.efiemu.uefi.fs;

import de.waldheinz.fs.FsDirectory;
import de.waldheinz.fs.FsFile;
import de.waldheinz.fs.fat.FatFileSystem;
import de.waldheinz.fs.fat.SuperFloppyFormatter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.disk.DiskImage;
import org.efiemu.uefi.disk.GptWriter;
import org.efiemu.uefi.disk.Partition;
import org.efiemu.uefi.disk.PartitionTable;
import org.efiemu.uefi.spec.Guid;

/**
 * The blocks behind an {@link EspVolume} (a host folder or an in-memory volume), so Block I/O readers such as GRUB's
 * own FAT driver see the ESP too: a disk with a GPT whose one partition (LBA 2048, the volume's size) holds a FAT file
 * system (fat32-lib's formatter) with a copy of the volume's files. The image is made the first time anything reads
 * or writes the disk's blocks, from the volume as it is then; after that the two are separate — SimpleFileSystem keeps
 * serving (and, when writable, writing) the folder, block writes change only the in-memory image.
 */
public final class EspImage {
    /** The partition's first block (the path of the {@code --esp} volume says {@code HD(1,GPT,...,0x800,...)}). */
    public static final long START_LBA = 2048;
    /** The disk's GPT DiskGUID (fixed, so the image is the same on every run). */
    public static final Guid DISK_GUID = Guid.parse("6E5A4C3B-2D1F-4E0A-9B8C-7D6E5F4A3B2C");

    private EspImage() {
    }

    /** Blocks of the ESP partition of {@code volume}. */
    public static long partitionBlocks(EspVolume volume) {
        return volume.fileSystemInfo().volumeSize() / DiskImage.BLOCK_SIZE;
    }

    /** The partition as the table will describe it: number 1, ESP type, {@code unique} as its GUID. */
    public static Partition partition(EspVolume volume, Guid unique) {
        long blocks = partitionBlocks(volume);
        return new Partition(1, START_LBA, blocks, PartitionTable.Scheme.GPT, Guid.EFI_SYSTEM_PARTITION_GUID, unique, 0, 0,
                GptWriter.entry(Guid.EFI_SYSTEM_PARTITION_GUID, unique, "ESP", START_LBA, blocks), "ESP");
    }

    /** A disk whose content is made from {@code volume} on first use. */
    public static DiskImage of(EspVolume volume, Guid unique) {
        long blocks = partitionBlocks(volume);
        DiskImage disk = DiskImage.blank("ESP image of volume " + volume.label(),
                (START_LBA + blocks + GptWriter.trailer()) * DiskImage.BLOCK_SIZE);
        disk.fillOnFirstUse(() -> {
            GptWriter.writeSinglePartition(disk, DISK_GUID, Guid.EFI_SYSTEM_PARTITION_GUID, unique, "ESP", START_LBA, blocks);
            try {
                FatFileSystem fs = SuperFloppyFormatter.get(new FatDevice(disk, START_LBA * DiskImage.BLOCK_SIZE,
                        blocks * DiskImage.BLOCK_SIZE, false)).setVolumeLabel(fatLabel(volume.label())).format();
                copy(volume.backend(), new ArrayList<>(), fs.getRoot());
                fs.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("making the FAT image of ESP volume " + volume.label() + ": " + e.getMessage(), e);
            }
        });
        return disk;
    }

    private static String fatLabel(String label) {
        String l = label.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9_ -]", "_");
        return l.length() > 11 ? l.substring(0, 11) : l;
    }

    /** fat32-lib stores local date/time fields: encode the volume's time in the JVM's zone so the fields are kept. */
    private static long millis(EfiTime t) {
        return java.time.LocalDateTime.of(Math.max(1980, t.year()), t.month(), t.day(), t.hour(), t.minute(), t.second())
                .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
    }

    private static void copy(VolumeBackend from, List<String> dir, FsDirectory to) throws IOException {
        for (VolumeBackend.Entry e : from.list(dir)) {
            List<String> path = new ArrayList<>(dir);
            path.add(e.name());
            if (e.directory()) {
                de.waldheinz.fs.FsDirectoryEntry d = to.addDirectory(e.name());
                d.setLastModified(millis(e.modified()));
                copy(from, path, d.getDirectory());
            } else {
                de.waldheinz.fs.FsDirectoryEntry entry = to.addFile(e.name());
                entry.setLastModified(millis(e.modified()));
                FsFile f = entry.getFile();
                long size = e.size();
                for (long pos = 0; pos < size; pos += 1 << 20) {
                    int n = (int) Math.min(1 << 20, size - pos);
                    f.write(pos, ByteBuffer.wrap(from.read(path, pos, n)));
                }
                f.flush();
            }
        }
    }
}
