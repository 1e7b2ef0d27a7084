package org.efiemu.uefi.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.boot.ImageServices;
import org.efiemu.uefi.disk.BlockMedia;
import org.efiemu.uefi.disk.DiskImage;
import org.efiemu.uefi.disk.Partition;
import org.efiemu.uefi.disk.PartitionScanner;
import org.efiemu.uefi.disk.PartitionTable;
import org.efiemu.uefi.fs.EspVolume;
import org.efiemu.uefi.fs.FatBoot;
import org.efiemu.uefi.spec.Guid;

/**
 * A disk as the firmware's drivers see it before any handle exists (pure: no emulator): its media, its partition
 * table (EDK2 PartitionDxe rules) and the FAT file system on each partition that has one (EDK2's FAT driver), plus the
 * notes on everything refused. Handles are filled in by {@link StorageDevices} when the machine installs it.
 */
public final class AttachedDisk {
    /** One partition with its media and, when it holds FAT, its volume. */
    public static final class Part {
        private final Partition partition;
        private final BlockMedia media;
        private final EspVolume volume;
        long handle;

        Part(Partition partition, BlockMedia media, EspVolume volume) {
            this.partition = partition;
            this.media = media;
            this.volume = volume;
        }

        public Partition partition() {
            return partition;
        }

        public BlockMedia media() {
            return media;
        }

        public Optional<EspVolume> volume() {
            return Optional.ofNullable(volume);
        }

        /** The partition's EFI_HANDLE (0 before the machine installed it). */
        public long handle() {
            return handle;
        }
    }

    private final DiskImage image;
    private final BlockMedia media;
    private final PartitionTable table;
    private final List<Part> parts;
    private final EspVolume wholeDiskVolume;
    private final List<String> notes;
    long handle;

    private AttachedDisk(DiskImage image, BlockMedia media, PartitionTable table, List<Part> parts, EspVolume whole,
            List<String> notes) {
        this.image = image;
        this.media = media;
        this.table = table;
        this.parts = parts;
        this.wholeDiskVolume = whole;
        this.notes = notes;
    }

    /**
     * Reads {@code image}'s partition table and mounts the FAT partitions (writable into the overlay unless
     * {@code readOnly}); a partition that is not FAT gets Block I/O only.
     *
     * @param ioAlign the disk's EFI_BLOCK_IO_MEDIA.IoAlign (partitions report 0, as PartitionDxe)
     */
    public static AttachedDisk attach(DiskImage image, boolean readOnly, int ioAlign) {
        BlockMedia media = BlockMedia.wholeDisk(image, readOnly, ioAlign);
        PartitionTable table = PartitionScanner.scan(image);
        List<String> notes = new ArrayList<>(table.notes());
        List<Part> parts = new ArrayList<>();
        for (Partition p : table.partitions()) {
            BlockMedia pm = BlockMedia.partition(media, p);
            parts.add(new Part(p, pm, mount(pm, p.isEfiSystemPartition(), p.isLogical() ? "logical partition " + p.number()
                    + " of extended partition " + p.extended().number() : "partition " + p.number(), notes)));
        }
        EspVolume whole = table.scheme() == PartitionTable.Scheme.NONE ? mount(media, false, "whole disk", notes) : null;
        return new AttachedDisk(image, media, table, parts, whole, notes);
    }

    /** The FAT volume on {@code m}, or null; a note when the partition should have held one (an ESP) or FAT is broken. */
    private static EspVolume mount(BlockMedia m, boolean expectFat, String what, List<String> notes) {
        String problem = FatBoot.problem(m.disk(), m.startLba() * DiskImage.BLOCK_SIZE, m.sizeBytes());
        if (problem != null) {
            if (expectFat) {
                notes.add("disk image " + m.disk().name() + ": " + what + " is an EFI System Partition but holds no FAT "
                        + "file system (" + problem + "): no SimpleFileSystem");
            }
            return null;
        }
        try {
            return EspVolume.ofFat(m.disk(), m.startLba() * DiskImage.BLOCK_SIZE, m.sizeBytes(), !m.readOnly());
        } catch (IllegalArgumentException e) {
            notes.add(e.getMessage() + " (" + what + "): no SimpleFileSystem");
            return null;
        }
    }

    public DiskImage image() {
        return image;
    }

    public BlockMedia media() {
        return media;
    }

    public PartitionTable table() {
        return table;
    }

    public List<Part> parts() {
        return Collections.unmodifiableList(parts);
    }

    /** The FAT file system on the whole disk when it has no partition table (a "superfloppy"). */
    public Optional<EspVolume> wholeDiskVolume() {
        return Optional.ofNullable(wholeDiskVolume);
    }

    /** What was refused or repaired, each naming the image and the structure. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The disk's EFI_HANDLE (0 before the machine installed it). */
    public long handle() {
        return handle;
    }

    /** A file found on one of this disk's FAT volumes: its bytes and the handle's owner. */
    public record BootFile(byte[] bytes, Part part) {
    }

    /** The first FAT partition (in table order) holding {@code path}, with the file's bytes. */
    public Optional<BootFile> find(String path) {
        for (Part p : parts) {
            if (p.volume != null) {
                Optional<byte[]> f = ImageServices.fileOn(p.volume, path);
                if (f.isPresent()) {
                    return Optional.of(new BootFile(f.get(), p));
                }
            }
        }
        return Optional.empty();
    }

    /** GPT DiskGUID when GPT (for messages). */
    public Optional<Guid> diskGuid() {
        return Optional.ofNullable(table.diskGuid());
    }
}
