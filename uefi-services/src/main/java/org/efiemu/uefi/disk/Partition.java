package org.efiemu.uefi.disk;

import java.util.Objects;
import org.efiemu.uefi.spec.Guid;

/**
 * One partition a firmware gives a handle: where it lies on its disk and what its table entry says.
 *
 * @param number      the HardDrive device path node's PartitionNumber (UEFI 2.10 §10.3.5.1): GPT entry index + 1, or
 *                    the MBR entry's index + 1 (1..4), or for a logical partition its place in the extended partition's chain (1, 2, ...), as EDK2's PartitionDxe numbers them
 * @param startLba    first block on the disk
 * @param blocks      size in blocks
 * @param scheme      the table it came from
 * @param typeGuid    GPT PartitionTypeGUID (null for MBR)
 * @param uniqueGuid  GPT UniquePartitionGUID (null for MBR): the HD node's signature
 * @param mbrType     MBR OSIndicator (0 for GPT)
 * @param mbrSignature the MBR's UniqueMbrSignature (0 for GPT): the HD node's signature
 * @param entry       the raw table entry: 128 bytes of EFI_PARTITION_ENTRY or 16 bytes of MBR_PARTITION_RECORD (what
 *                    EFI_PARTITION_INFO_PROTOCOL carries)
 * @param name        the GPT PartitionName (empty for MBR)
 * @param extended    for a logical partition, the primary extended partition whose chain of extended boot records
 *                    holds it (EDK2's PartitionDxe installs it as a child of that partition's handle: the extended
 *                    partition's path plus its own HD node); null for every other partition
 */
public record Partition(int number, long startLba, long blocks, PartitionTable.Scheme scheme, Guid typeGuid,
        Guid uniqueGuid, int mbrType, int mbrSignature, byte[] entry, String name, Partition extended) {

    /** MBR OSIndicator of an EFI System Partition. */
    public static final int MBR_EFI_SYSTEM = 0xEF;

    public Partition {
        Objects.requireNonNull(scheme, "scheme");
        entry = entry.clone();
    }

    /** A partition of the disk's own table (not a logical partition). */
    public Partition(int number, long startLba, long blocks, PartitionTable.Scheme scheme, Guid typeGuid,
            Guid uniqueGuid, int mbrType, int mbrSignature, byte[] entry, String name) {
        this(number, startLba, blocks, scheme, typeGuid, uniqueGuid, mbrType, mbrSignature, entry, name, null);
    }

    /** MBR OSIndicator of an extended partition EDK2 follows (EXTENDED_DOS_PARTITION, EXTENDED_WINDOWS_PARTITION). */
    public static boolean isExtendedType(int mbrType) {
        return mbrType == 0x05 || mbrType == 0x0F;
    }

    /** A logical partition inside an extended partition. */
    public boolean isLogical() {
        return extended != null;
    }

    @Override
    public byte[] entry() {
        return entry.clone();
    }

    /** Last block on the disk. */
    public long endLba() {
        return startLba + blocks - 1;
    }

    /** An EFI System Partition (GPT type C12A7328-... or MBR type 0xEF): PartitionInfo's System field. */
    public boolean isEfiSystemPartition() {
        return scheme == PartitionTable.Scheme.GPT ? Guid.EFI_SYSTEM_PARTITION_GUID.equals(typeGuid)
                : mbrType == MBR_EFI_SYSTEM;
    }

    /**
     * The GUID PartitionDxe installs on the partition's child handle as a protocol with no interface (EDK2 2022.11
     * {@code PartitionInstallChildHandle}'s {@code TypeGuid}): a GPT entry's PartitionTypeGUID; for MBR (and an
     * extended partition's logical ones) EFI_PART_TYPE_EFI_SYSTEM_PART_GUID when the type is 0xEF, else none (null).
     * Loaders find the EFI System Partition by it ({@code LocateHandle(ByProtocol, EFI_PART_TYPE_EFI_SYSTEM_PART_GUID)}).
     */
    public Guid childTypeProtocol() {
        if (scheme == PartitionTable.Scheme.GPT) {
            return typeGuid;
        }
        return mbrType == MBR_EFI_SYSTEM ? Guid.EFI_SYSTEM_PARTITION_GUID : null;
    }

    @Override
    public String toString() {
        return scheme == PartitionTable.Scheme.GPT
                ? String.format("HD(%d,GPT,%s,0x%X,0x%X)%s", number, uniqueGuid, startLba, blocks,
                        name.isEmpty() ? "" : " \"" + name + "\"")
                : (extended != null ? extended.toString().replaceFirst(" type 0x..$", "") + "/" : "")
                        + String.format("HD(%d,MBR,0x%08X,0x%X,0x%X) type 0x%02X", number, mbrSignature, startLba,
                                blocks, mbrType);
    }
}
