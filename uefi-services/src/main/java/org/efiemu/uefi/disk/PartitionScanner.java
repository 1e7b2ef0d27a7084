package org.efiemu.uefi.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.efiemu.uefi.spec.Guid;

/**
 * Reads a disk's partition table the way EDK2's PartitionDxe does (OVMF's partition driver): GPT first when the
 * protective MBR has an 0xEE entry starting at LBA 1, else a legacy MBR. Pure: no emulator.
 *
 * <p>GPT (UEFI 2.10 §5.3.2, EDK2 {@code PartitionValidGptTable}/{@code PartitionCheckGptEntry}): a header is valid
 * when its Signature is "EFI PART", its HeaderCRC32 matches (over HeaderSize bytes, the CRC field taken as 0), MyLBA is
 * where it was read, SizeOfPartitionEntry is at least 128 and a multiple of 8, the entry array lies on the disk and its
 * CRC32 matches PartitionEntryArrayCRC32. The primary (LBA 1) is tried first, then the backup (the primary's
 * AlternateLBA, or the last block when the primary is bad). When only one is valid, the other is rewritten from it
 * ({@code PartitionRestoreGptTable}) — on efiemu into the disk's copy-on-write overlay, never the user's file. When
 * both are bad there are no partition handles. An entry that is unused (zero type), out of FirstUsableLBA..LastUsableLBA,
 * reversed, overlapping another, or marked "no Block I/O" (attribute bit 1) gets no handle; each refusal is a note.
 * An entry that ends past the image's last block (a truncated image) gets no handle either (EDK2 would install it
 * and fail its reads): a note names it.
 *
 * <p>MBR (§5.2.1, EDK2 {@code PartitionValidMbr}): signature 0xAA55; a used entry ending past the disk or overlapping
 * another makes the whole MBR invalid (no handles); the 0xEE protective entry gets no handle; a primary partition
 * is numbered by its entry (1..4); an extended partition (0x05/0x0F) gets a handle like any primary one, and its
 * logical partitions follow the primaries as its children (see {@code logicalPartitions}).
 */
public final class PartitionScanner {
    /** "EFI PART" little-endian. */
    static final long GPT_SIGNATURE = 0x5452415020494645L;
    static final int GPT_ENTRY_MIN = 128;
    private static final int MBR_GPT_PROTECTIVE = 0xEE;
    private static final long MAX_ENTRY_ARRAY = 1L << 20;

    private PartitionScanner() {
    }

    /** The partitions of {@code disk}; repairs of a half-corrupt GPT go into its overlay, as OVMF writes them. */
    public static PartitionTable scan(DiskImage disk) {
        List<String> notes = new ArrayList<>();
        byte[] mbr = disk.read(0, DiskImage.BLOCK_SIZE);
        if (hasProtectiveEntry(mbr)) {
            return gpt(disk, notes);
        }
        return mbr(disk, mbr, notes);
    }

    private static boolean hasProtectiveEntry(byte[] mbr) {
        ByteBuffer b = le(mbr);
        for (int i = 0; i < 4; i++) {
            int at = 446 + 16 * i;
            if ((mbr[at + 4] & 0xFF) == MBR_GPT_PROTECTIVE && b.getInt(at + 8) == 1) {
                return true;
            }
        }
        return false;
    }

    /** A GPT header read at {@code lba}, with its entry array, or the reason it is not valid. */
    record GptHeader(long lba, byte[] header, byte[] entries, String problem) {
        long u64(int at) {
            return le(header).getLong(at);
        }

        int u32(int at) {
            return le(header).getInt(at);
        }

        long alternateLba() {
            return u64(32);
        }

        boolean valid() {
            return problem == null;
        }
    }

    static GptHeader readHeader(DiskImage disk, long lba) {
        if (lba < 1 || lba > disk.lastBlock()) {
            return new GptHeader(lba, null, null, "LBA " + lba + " is not on the disk (last block " + disk.lastBlock() + ")");
        }
        byte[] h = disk.read(lba * DiskImage.BLOCK_SIZE, DiskImage.BLOCK_SIZE);
        ByteBuffer b = le(h);
        if (b.getLong(0) != GPT_SIGNATURE) {
            return new GptHeader(lba, h, null, "Signature is not \"EFI PART\"");
        }
        int headerSize = b.getInt(12);
        if (headerSize < 92 || headerSize > DiskImage.BLOCK_SIZE) {
            return new GptHeader(lba, h, null, "HeaderSize " + Integer.toUnsignedString(headerSize)
                    + " is not in 92..512");
        }
        int stored = b.getInt(16);
        int computed = headerCrc(h, headerSize);
        if (stored != computed) {
            return new GptHeader(lba, h, null, String.format("HeaderCRC32 0x%08X does not match the header (computed 0x%08X)",
                    stored, computed));
        }
        if (b.getLong(24) != lba) {
            return new GptHeader(lba, h, null, "MyLBA " + Long.toUnsignedString(b.getLong(24)) + " is not " + lba);
        }
        long first = b.getLong(40);
        long last = b.getLong(48);
        if (Long.compareUnsigned(first, last) > 0) {
            return new GptHeader(lba, h, null, "FirstUsableLBA " + Long.toUnsignedString(first) + " > LastUsableLBA "
                    + Long.toUnsignedString(last));
        }
        long entryLba = b.getLong(72);
        long count = Integer.toUnsignedLong(b.getInt(80));
        long entrySize = Integer.toUnsignedLong(b.getInt(84));
        if (entrySize < GPT_ENTRY_MIN || entrySize % 8 != 0) {
            return new GptHeader(lba, h, null, "SizeOfPartitionEntry " + entrySize + " is not a multiple of 8 >= 128");
        }
        long arrayBytes = count * entrySize;
        if (arrayBytes > MAX_ENTRY_ARRAY) {
            return new GptHeader(lba, h, null, "the partition entry array (" + count + " x " + entrySize
                    + " bytes) is larger than 1 MiB");
        }
        if (Long.compareUnsigned(entryLba, disk.blocks()) >= 0
                || entryLba * DiskImage.BLOCK_SIZE + arrayBytes > disk.size()) {
            return new GptHeader(lba, h, null, "the partition entry array at PartitionEntryLBA "
                    + Long.toUnsignedString(entryLba) + " (" + arrayBytes + " bytes) runs past the disk's end ("
                    + disk.blocks() + " blocks): a truncated image?");
        }
        byte[] entries = disk.read(entryLba * DiskImage.BLOCK_SIZE, (int) arrayBytes);
        CRC32 crc = new CRC32();
        crc.update(entries);
        int arrayCrc = (int) crc.getValue();
        if (arrayCrc != b.getInt(88)) {
            return new GptHeader(lba, h, entries, String.format("PartitionEntryArrayCRC32 0x%08X does not match the %d entries"
                    + " at LBA %d (computed 0x%08X)", b.getInt(88), count, entryLba, arrayCrc));
        }
        return new GptHeader(lba, h, entries, null);
    }

    static int headerCrc(byte[] header, int headerSize) {
        byte[] copy = java.util.Arrays.copyOf(header, headerSize);
        copy[16] = copy[17] = copy[18] = copy[19] = 0;
        CRC32 crc = new CRC32();
        crc.update(copy);
        return (int) crc.getValue();
    }

    private static PartitionTable gpt(DiskImage disk, List<String> notes) {
        String where = "disk image " + disk.name() + ": ";
        GptHeader primary = readHeader(disk, 1);
        GptHeader used;
        if (!primary.valid()) {
            notes.add(where + "primary GPT header (LBA 1): " + primary.problem());
            GptHeader backup = readHeader(disk, disk.lastBlock());
            if (!backup.valid()) {
                notes.add(where + "backup GPT header (LBA " + disk.lastBlock() + "): " + backup.problem());
                notes.add(where + "no valid GPT header: no partition handles (as OVMF)");
                return new PartitionTable(PartitionTable.Scheme.GPT, List.of(), notes, null, 0);
            }
            notes.add(where + "using the backup GPT header (LBA " + disk.lastBlock()
                    + "); the primary was rewritten from it in the overlay (EDK2 PartitionRestoreGptTable)");
            restore(disk, backup);
            used = backup;
        } else {
            GptHeader backup = readHeader(disk, primary.alternateLba());
            if (!backup.valid()) {
                notes.add(where + "backup GPT header (AlternateLBA " + Long.toUnsignedString(primary.alternateLba()) + "): "
                        + backup.problem() + "; rewritten from the primary in the overlay (EDK2 PartitionRestoreGptTable)");
                restore(disk, primary);
            }
            used = primary;
        }
        return new PartitionTable(PartitionTable.Scheme.GPT, entries(disk, used, notes), notes,
                Guid.fromBytes(used.header(), 56), 0);
    }

    /** Writes the other copy of a GPT (header and entry array) from {@code good}, as EDK2 PartitionRestoreGptTable. */
    private static void restore(DiskImage disk, GptHeader good) {
        byte[] h = good.header().clone();
        ByteBuffer b = le(h);
        long my = b.getLong(24);
        long alternate = b.getLong(32);
        long entryLba = my == 1 ? b.getLong(48) + 1 : 2;
        if (Long.compareUnsigned(alternate, disk.lastBlock()) > 0 || alternate < 1
                || entryLba * DiskImage.BLOCK_SIZE + good.entries().length > disk.size()) {
            return; // EDK2's write would fail too; nothing is written
        }
        b.putLong(24, alternate);
        b.putLong(32, my);
        b.putLong(72, entryLba);
        b.putInt(16, 0);
        b.putInt(16, headerCrc(h, b.getInt(12)));
        disk.write(entryLba * DiskImage.BLOCK_SIZE, good.entries());
        disk.write(alternate * DiskImage.BLOCK_SIZE, h);
    }

    private static List<Partition> entries(DiskImage disk, GptHeader header, List<String> notes) {
        String where = "disk image " + disk.name() + ": GPT entry ";
        ByteBuffer h = le(header.header());
        long first = h.getLong(40);
        long last = h.getLong(48);
        int count = h.getInt(80);
        int size = h.getInt(84);
        ByteBuffer e = le(header.entries());
        boolean[] refused = new boolean[count];
        for (int i = 0; i < count; i++) {
            int at = i * size;
            if (unused(header.entries(), at)) {
                refused[i] = true;
                continue;
            }
            long start = e.getLong(at + 32);
            long end = e.getLong(at + 40);
            if (Long.compareUnsigned(start, end) > 0 || Long.compareUnsigned(start, first) < 0
                    || Long.compareUnsigned(end, last) > 0) {
                notes.add(where + (i + 1) + String.format(": LBA 0x%X..0x%X is not inside FirstUsableLBA..LastUsableLBA "
                        + "0x%X..0x%X: no handle", start, end, first, last));
                refused[i] = true;
                continue;
            }
            for (int j = i + 1; j < count; j++) {
                int bt = j * size;
                if (unused(header.entries(), bt)) {
                    continue;
                }
                long s2 = e.getLong(bt + 32);
                long e2 = e.getLong(bt + 40);
                if (Long.compareUnsigned(end, s2) >= 0 && Long.compareUnsigned(start, e2) <= 0) {
                    notes.add(where + (i + 1) + String.format(" (LBA 0x%X..0x%X) overlaps entry %d (LBA 0x%X..0x%X): "
                            + "neither gets a handle (EDK2 PartitionCheckGptEntry)", start, end, j + 1, s2, e2));
                    refused[i] = true;
                    refused[j] = true;
                }
            }
            if ((e.getLong(at + 48) & 2) != 0) {
                notes.add(where + (i + 1) + ": attribute bit 1 (no Block I/O protocol) is set: no handle");
                refused[i] = true;
            }
            if (!refused[i] && Long.compareUnsigned(end, disk.lastBlock()) > 0) {
                notes.add(where + (i + 1) + String.format(": ends at LBA 0x%X but the image has only %d blocks "
                        + "(a truncated image?): no handle", end, disk.blocks()));
                refused[i] = true;
            }
        }
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (refused[i]) {
                continue;
            }
            int at = i * size;
            long start = e.getLong(at + 32);
            long end = e.getLong(at + 40);
            byte[] raw = java.util.Arrays.copyOfRange(header.entries(), at, at + GPT_ENTRY_MIN);
            String name = new String(raw, 56, 72, StandardCharsets.UTF_16LE);
            int nul = name.indexOf('\0');
            out.add(new Partition(i + 1, start, end - start + 1, PartitionTable.Scheme.GPT, Guid.fromBytes(raw, 0),
                    Guid.fromBytes(raw, 16), 0, 0, raw, nul >= 0 ? name.substring(0, nul) : name));
        }
        return out;
    }

    private static boolean unused(byte[] entries, int at) {
        for (int k = 0; k < 16; k++) {
            if (entries[at + k] != 0) {
                return false;
            }
        }
        return true;
    }

    private static PartitionTable mbr(DiskImage disk, byte[] mbr, List<String> notes) {
        String where = "disk image " + disk.name() + ": MBR ";
        ByteBuffer b = le(mbr);
        if ((b.getShort(510) & 0xFFFF) != 0xAA55) {
            return new PartitionTable(PartitionTable.Scheme.NONE, List.of(), notes, null, 0);
        }
        int signature = b.getInt(440);
        long[] start = new long[4];
        long[] end = new long[4];
        boolean[] used = new boolean[4];
        boolean any = false;
        for (int i = 0; i < 4; i++) {
            int at = 446 + 16 * i;
            long s = Integer.toUnsignedLong(b.getInt(at + 8));
            long n = Integer.toUnsignedLong(b.getInt(at + 12));
            if ((mbr[at + 4] & 0xFF) == 0 || n == 0) {
                continue;
            }
            any = true;
            used[i] = true;
            start[i] = s;
            end[i] = s + n - 1;
            if (end[i] > disk.lastBlock()) {
                notes.add(where + String.format("entry %d: LBA 0x%X..0x%X ends past the disk's last block 0x%X (a truncated "
                        + "image?): the MBR is not valid, no partition handles (EDK2 PartitionValidMbr)", i + 1, s, end[i],
                        disk.lastBlock()));
                return new PartitionTable(PartitionTable.Scheme.NONE, List.of(), notes, null, 0);
            }
        }
        for (int i = 0; i < 4; i++) {
            for (int j = i + 1; j < 4; j++) {
                if (used[i] && used[j] && end[i] >= start[j] && start[i] <= end[j]) {
                    notes.add(where + String.format("entries %d (LBA 0x%X..0x%X) and %d (LBA 0x%X..0x%X) overlap: the MBR "
                            + "is not valid, no partition handles (EDK2 PartitionValidMbr)", i + 1, start[i], end[i],
                            j + 1, start[j], end[j]));
                    return new PartitionTable(PartitionTable.Scheme.NONE, List.of(), notes, null, 0);
                }
            }
        }
        if (!any) {
            return new PartitionTable(PartitionTable.Scheme.NONE, List.of(), notes, null, 0);
        }
        List<Partition> out = new ArrayList<>();
        List<Partition> logical = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            if (!used[i]) {
                continue;
            }
            int at = 446 + 16 * i;
            int type = mbr[at + 4] & 0xFF;
            if (type == MBR_GPT_PROTECTIVE) {
                continue;
            }
            byte[] raw = java.util.Arrays.copyOfRange(mbr, at, at + 16);
            // EDK2 numbers a primary partition by its entry (HdDev.PartitionNumber = Index + 1)
            Partition p = new Partition(i + 1, start[i], end[i] - start[i] + 1, PartitionTable.Scheme.MBR, null, null,
                    type, signature, raw, "");
            out.add(p);
            if (Partition.isExtendedType(type)) {
                logical.addAll(logicalPartitions(disk, p, notes));
            }
        }
        out.addAll(logical); // PartitionDxe reaches the extended partitions' handles after the disk's children
        return new PartitionTable(PartitionTable.Scheme.MBR, out, notes, null, signature);
    }

    /**
     * The logical partitions in {@code extended}'s chain of extended boot records, as EDK2's PartitionDxe finds them
     * when it starts on the extended partition's own handle ({@code PartitionInstallMbrChildHandles}, its second
     * branch): the first EBR must pass the same checks as an MBR within the extended partition; then each EBR's
     * entry 0 is a logical partition (start relative to that EBR, numbered 1, 2, ... under the extended partition,
     * signature 0) and entry 1 links to the next EBR (start relative to the extended partition). The walk stops at an
     * empty entry 0, an entry 0 outside the extended partition, an entry 1 that is not extended or points to 0, or a
     * link outside it. An EBR visited twice (a loop EDK2 would follow forever) ends the walk with a note.
     */
    private static List<Partition> logicalPartitions(DiskImage disk, Partition extended, List<String> notes) {
        String where = "disk image " + disk.name() + ": extended partition " + extended.number() + " ";
        List<Partition> out = new ArrayList<>();
        byte[] first = disk.read(extended.startLba() * DiskImage.BLOCK_SIZE, DiskImage.BLOCK_SIZE);
        ByteBuffer fb = le(first);
        if ((fb.getShort(510) & 0xFFFF) != 0xAA55) {
            notes.add(where + "has no extended boot record (no 0xAA55 signature at its first block): no logical partitions");
            return out;
        }
        for (int i = 0; i < 4; i++) {
            int at = 446 + 16 * i;
            long n = Integer.toUnsignedLong(fb.getInt(at + 12));
            long s = Integer.toUnsignedLong(fb.getInt(at + 8));
            if ((first[at + 4] & 0xFF) != 0 && n != 0 && s + n - 1 > extended.blocks() - 1) {
                notes.add(where + String.format("EBR entry %d: LBA 0x%X..0x%X ends past the extended partition's last "
                        + "block 0x%X: not a valid EBR, no logical partitions (EDK2 PartitionValidMbr)", i + 1, s,
                        s + n - 1, extended.blocks() - 1));
                return out;
            }
        }
        java.util.Set<Long> visited = new java.util.HashSet<>();
        long ebr = 0;
        int index = 0;
        do {
            if (!visited.add(ebr)) {
                notes.add(where + String.format("EBR at LBA 0x%X is reached twice (a loop in the chain): the walk "
                        + "stops there", extended.startLba() + ebr));
                break;
            }
            byte[] b = disk.read((extended.startLba() + ebr) * DiskImage.BLOCK_SIZE, DiskImage.BLOCK_SIZE);
            ByteBuffer bb = le(b);
            long size0 = Integer.toUnsignedLong(bb.getInt(446 + 12));
            int type0 = b[446 + 4] & 0xFF;
            if (size0 == 0) {
                break;
            }
            if (Partition.isExtendedType(type0)) {
                ebr = Integer.toUnsignedLong(bb.getInt(446 + 8));
                continue;
            }
            long start = Integer.toUnsignedLong(bb.getInt(446 + 8)) + ebr + extended.startLba();
            if (start + size0 - 1 >= extended.startLba() + extended.blocks() || start <= extended.startLba()) {
                notes.add(where + String.format("logical partition at LBA 0x%X..0x%X lies outside the extended "
                        + "partition: the walk stops there", start, start + size0 - 1));
                break;
            }
            out.add(new Partition(++index, start, size0, PartitionTable.Scheme.MBR, null, null, type0, 0,
                    java.util.Arrays.copyOfRange(b, 446, 462), "", extended));
            if (!Partition.isExtendedType(b[462 + 4] & 0xFF)) {
                break;
            }
            ebr = Integer.toUnsignedLong(bb.getInt(462 + 8));
            if (ebr == 0) {
                break;
            }
        } while (ebr < extended.blocks());
        return out;
    }

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
