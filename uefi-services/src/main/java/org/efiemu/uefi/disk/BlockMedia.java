package org.efiemu.uefi.disk;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * One block device a handle serves — a whole disk or one partition of it — with the checks of EFI_BLOCK_IO_PROTOCOL
 * (UEFI 2.10 §13.9) and EFI_DISK_IO_PROTOCOL (§13.7) in EDK2's order ({@code AtaBlockIo}/{@code PartitionReadBlocks},
 * {@code DiskIoReadDisk}). Pure: no guest memory; the adapters pass the guest's numbers and copy the bytes.
 *
 * @param disk             the disk
 * @param startLba         first block of this device on the disk (0 for the disk itself)
 * @param blocks           blocks in this device
 * @param logicalPartition EFI_BLOCK_IO_MEDIA.LogicalPartition
 * @param readOnly         EFI_BLOCK_IO_MEDIA.ReadOnly (WriteBlocks/WriteDisk give EFI_WRITE_PROTECTED)
 * @param ioAlign          EFI_BLOCK_IO_MEDIA.IoAlign (0 or 1: any buffer; else the buffer's required alignment)
 */
public record BlockMedia(DiskImage disk, long startLba, long blocks, boolean logicalPartition, boolean readOnly,
        int ioAlign) {
    /** EFI_BLOCK_IO_MEDIA.MediaId of every efiemu device (media never change). */
    public static final int MEDIA_ID = 0;

    public BlockMedia {
        if (startLba < 0 || blocks <= 0 || startLba + blocks > disk.blocks()) {
            throw new IllegalArgumentException(String.format("disk image %s: blocks 0x%X+0x%X are not on the disk (%d blocks)",
                    disk.name(), startLba, blocks, disk.blocks()));
        }
    }

    /** The whole disk. */
    public static BlockMedia wholeDisk(DiskImage disk, boolean readOnly, int ioAlign) {
        return new BlockMedia(disk, 0, disk.blocks(), false, readOnly, ioAlign);
    }

    /** A partition of {@code parent}: IoAlign 0, as EDK2's PartitionDxe sets it for its children. */
    public static BlockMedia partition(BlockMedia parent, Partition p) {
        return new BlockMedia(parent.disk, parent.startLba + p.startLba(), p.blocks(), true, parent.readOnly, 0);
    }

    public int blockSize() {
        return DiskImage.BLOCK_SIZE;
    }

    public long lastBlock() {
        return blocks - 1;
    }

    public long sizeBytes() {
        return blocks * DiskImage.BLOCK_SIZE;
    }

    /**
     * ReadBlocks/WriteBlocks argument checks: EFI_MEDIA_CHANGED for another MediaId, EFI_WRITE_PROTECTED (writes on
     * read-only media), EFI_INVALID_PARAMETER for a NULL buffer, EFI_SUCCESS for BufferSize 0 (nothing to do),
     * EFI_BAD_BUFFER_SIZE when BufferSize is not a multiple of BlockSize, EFI_INVALID_PARAMETER when the blocks are
     * not all on the device or the buffer breaks IoAlign; null when the transfer may go ahead.
     */
    public EfiStatus checkBlocks(long mediaId, long lba, long bufferSize, long buffer, boolean write) {
        if (mediaId != MEDIA_ID) {
            return EfiStatus.MEDIA_CHANGED;
        }
        if (write && readOnly) {
            return EfiStatus.WRITE_PROTECTED;
        }
        if (buffer == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (bufferSize == 0) {
            return EfiStatus.SUCCESS;
        }
        if (Long.remainderUnsigned(bufferSize, DiskImage.BLOCK_SIZE) != 0) {
            return EfiStatus.BAD_BUFFER_SIZE;
        }
        long count = Long.divideUnsigned(bufferSize, DiskImage.BLOCK_SIZE);
        if (Long.compareUnsigned(lba, lastBlock()) > 0 || Long.compareUnsigned(count, blocks - lba) > 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (ioAlign > 1 && (buffer & (ioAlign - 1)) != 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return null;
    }

    /**
     * ReadDisk/WriteDisk argument checks: EFI_MEDIA_CHANGED, EFI_WRITE_PROTECTED, EFI_INVALID_PARAMETER when
     * Offset+BufferSize passes the device's end; null when the transfer may go ahead (BufferSize 0 included).
     */
    public EfiStatus checkBytes(long mediaId, long offset, long bufferSize, boolean write) {
        if (mediaId != MEDIA_ID) {
            return EfiStatus.MEDIA_CHANGED;
        }
        if (write && readOnly) {
            return EfiStatus.WRITE_PROTECTED;
        }
        long size = sizeBytes();
        if (Long.compareUnsigned(offset, size) > 0 || Long.compareUnsigned(bufferSize, size - offset) > 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return null;
    }

    /** {@code length} bytes at byte {@code offset} of this device. */
    public byte[] read(long offset, int length) {
        return disk.read(startLba * DiskImage.BLOCK_SIZE + offset, length);
    }

    /** Writes at byte {@code offset} of this device (into the disk's overlay). */
    public void write(long offset, byte[] data) {
        disk.write(startLba * DiskImage.BLOCK_SIZE + offset, data);
    }

    @Override
    public String toString() {
        return String.format("%s blocks 0x%X+0x%X%s", disk.name(), startLba, blocks, readOnly ? " read-only" : "");
    }
}
