package org.efiemu.uefi.disk;

import java.util.List;
import org.efiemu.uefi.spec.Guid;

/**
 * What a disk's partition table gives a firmware: the scheme found, the partitions that get handles and notes on
 * everything that was refused or repaired (a bad CRC, a backup header used, overlapping or out-of-range entries), each
 * naming the disk and the structure.
 *
 * @param diskGuid the GPT DiskGUID (null unless GPT)
 * @param mbrSignature the MBR's UniqueMbrSignature (0 unless MBR)
 */
public record PartitionTable(Scheme scheme, List<Partition> partitions, List<String> notes, Guid diskGuid,
        int mbrSignature) {

    /** The partitioning scheme a disk was read as. */
    public enum Scheme {
        /** GUID Partition Table (UEFI 2.10 §5.3). */
        GPT,
        /** Legacy Master Boot Record (UEFI 2.10 §5.2.1). */
        MBR,
        /** Neither: no partition handles (the whole disk may still hold a file system). */
        NONE
    }

    public PartitionTable {
        partitions = List.copyOf(partitions);
        notes = List.copyOf(notes);
    }
}
