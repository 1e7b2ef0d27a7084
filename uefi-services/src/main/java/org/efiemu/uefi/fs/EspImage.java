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
 *
 * <p>The image is the same on every run and machine for the same volume: every directory entry's created, accessed and
 * modified times are the volume's time of that file (as SimpleFileSystem's EFI_FILE_INFO reports it; the fixed
 * {@link EspVolume#DEFAULT_TIME} for in-memory volumes), and the volume serial number is derived from the partition's
 * unique GUID. fat32-lib would take both from the host clock ({@code System.currentTimeMillis}).
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
                java.util.Map<Long, EfiTime> directories = new java.util.LinkedHashMap<>();
                copy(volume.backend(), new ArrayList<>(), fs.getRoot(), directories);
                fs.flush();
                long[] layout = dataLayout(disk);
                directories.forEach((cluster, time) -> setDotEntryTimes(disk, layout, cluster, time));
                setVolumeId(disk, fs.getFatType(), volumeId(unique));
            } catch (IOException e) {
                throw new UncheckedIOException("making the FAT image of ESP volume " + volume.label() + ": " + e.getMessage(), e);
            }
        });
        return disk;
    }

    /** The FAT volume serial number of the image for the partition {@code unique} (its GUID's first four bytes). */
    public static int volumeId(Guid unique) {
        return java.nio.ByteBuffer.wrap(unique.toBytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    /**
     * Writes {@code id} over the serial number fat32-lib's formatter drew from the host clock: the boot sector's
     * BS_VolID (offset 0x43 on FAT32, 0x27 on FAT12/16; Microsoft FAT specification §3.2/3.3), and on FAT32 also in the
     * backup boot sector (BPB_BkBootSec, sector 6 as the formatter writes it).
     */
    private static void setVolumeId(DiskImage disk, de.waldheinz.fs.fat.FatType type, int id) {
        byte[] b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(id).array();
        long start = START_LBA * DiskImage.BLOCK_SIZE;
        if (type == de.waldheinz.fs.fat.FatType.FAT32) {
            disk.write(start + 0x43, b);
            int backup = disk.read(start + 0x32, 2)[0] & 0xFF | (disk.read(start + 0x32, 2)[1] & 0xFF) << 8;
            if (backup != 0 && backup != 0xFFFF) {
                disk.write(start + (long) backup * DiskImage.BLOCK_SIZE + 0x43, b);
            }
        } else {
            disk.write(start + 0x27, b);
        }
    }

    /**
     * Sets an entry's created and last-accessed times, which fat32-lib fills from the host clock and offers no public
     * setter for on a long-name entry (its short entry, {@code realEntry}, has them).
     */
    private static void setTimes(de.waldheinz.fs.FsDirectoryEntry entry, long millis) throws IOException {
        entry.setLastModified(millis);
        try {
            java.lang.reflect.Field real = entry.getClass().getDeclaredField("realEntry");
            real.setAccessible(true);
            Object shortEntry = real.get(entry);
            for (String setter : List.of("setCreated", "setLastAccessed", "setLastModified")) {
                java.lang.reflect.Method m = shortEntry.getClass().getDeclaredMethod(setter, long.class);
                m.setAccessible(true);
                m.invoke(shortEntry, millis);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("fat32-lib " + entry.getClass().getName() + " changed: cannot set the "
                    + "created/accessed times of '" + entry.getName() + "' (" + e + ")", e);
        }
    }

    /**
     * Writes {@code t} into the created, accessed and modified fields of the "." and ".." entries at the start of the
     * directory cluster {@code cluster} (Microsoft FAT specification §6.1 and §7; fat32-lib writes them once, with the
     * host clock, when it makes the directory).
     */
    private static void setDotEntryTimes(DiskImage disk, long[] layout, long cluster, EfiTime t) {
        long at = START_LBA * DiskImage.BLOCK_SIZE + layout[0] + (cluster - 2) * layout[1];
        int time = t.hour() << 11 | t.minute() << 5 | t.second() / 2;
        int date = (Math.max(1980, t.year()) - 1980) << 9 | t.month() << 5 | t.day();
        for (String dot : List.of(".          ", "..         ")) {
            byte[] e = disk.read(at, 32);
            if (new String(e, 0, 11, java.nio.charset.StandardCharsets.US_ASCII).equals(dot) && (e[11] & 0x10) != 0) {
                ByteBuffer b = ByteBuffer.wrap(e).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                b.put(0x0D, (byte) (t.second() % 2 * 100)).putShort(0x0E, (short) time).putShort(0x10, (short) date)
                        .putShort(0x12, (short) date).putShort(0x16, (short) time).putShort(0x18, (short) date);
                disk.write(at, e);
            }
            at += 32;
        }
    }

    /**
     * {first data byte from the partition start, bytes per cluster} from the BPB (Microsoft FAT specification §3.1,
     * §3.5: BPB_BytsPerSec, BPB_SecPerClus, BPB_RsvdSecCnt, BPB_NumFATs, BPB_RootEntCnt, BPB_FATSz16/32).
     */
    private static long[] dataLayout(DiskImage disk) {
        ByteBuffer b = ByteBuffer.wrap(disk.read(START_LBA * DiskImage.BLOCK_SIZE, 512))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int bytesPerSector = b.getShort(0x0B) & 0xFFFF;
        int sectorsPerCluster = b.get(0x0D) & 0xFF;
        long fatSize = (b.getShort(0x16) & 0xFFFF) != 0 ? b.getShort(0x16) & 0xFFFF : b.getInt(0x24) & 0xFFFF_FFFFL;
        long rootSectors = ((b.getShort(0x11) & 0xFFFF) * 32L + bytesPerSector - 1) / bytesPerSector;
        long first = (b.getShort(0x0E) & 0xFFFF) + (b.get(0x10) & 0xFF) * fatSize + rootSectors;
        return new long[] {first * bytesPerSector, (long) sectorsPerCluster * bytesPerSector};
    }

    /** The first cluster of a directory entry (its short entry's, behind fat32-lib's long-name entry). */
    private static long startCluster(de.waldheinz.fs.FsDirectoryEntry entry) {
        try {
            java.lang.reflect.Field real = entry.getClass().getDeclaredField("realEntry");
            real.setAccessible(true);
            Object shortEntry = real.get(entry);
            java.lang.reflect.Method m = shortEntry.getClass().getDeclaredMethod("getStartCluster");
            m.setAccessible(true);
            return (long) m.invoke(shortEntry);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("fat32-lib " + entry.getClass().getName() + " changed: cannot read the "
                    + "first cluster of '" + entry.getName() + "' (" + e + ")", e);
        }
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

    private static void copy(VolumeBackend from, List<String> dir, FsDirectory to,
            java.util.Map<Long, EfiTime> directories) throws IOException {
        for (VolumeBackend.Entry e : from.list(dir)) {
            List<String> path = new ArrayList<>(dir);
            path.add(e.name());
            if (e.directory()) {
                de.waldheinz.fs.FsDirectoryEntry d = to.addDirectory(e.name());
                copy(from, path, d.getDirectory(), directories);
                setTimes(d, millis(e.modified()));
                directories.put(startCluster(d), e.modified());
            } else {
                de.waldheinz.fs.FsDirectoryEntry entry = to.addFile(e.name());
                FsFile f = entry.getFile();
                long size = e.size();
                for (long pos = 0; pos < size; pos += 1 << 20) {
                    int n = (int) Math.min(1 << 20, size - pos);
                    f.write(pos, ByteBuffer.wrap(from.read(path, pos, n)));
                }
                f.flush();
                setTimes(entry, millis(e.modified())); // after the writes, which stamp the host clock
            }
        }
    }
}
