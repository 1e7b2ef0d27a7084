package org.efiemu.uefi.image;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;

/**
 * The {@code EFI_DEBUG_IMAGE_INFO_TABLE} configuration table (UEFI 2.10 §18.4.3) debuggers read to find the loaded
 * images: a header {@code EFI_DEBUG_IMAGE_INFO_TABLE_HEADER} {volatile UINT32 UpdateStatus; UINT32 TableSize;
 * EFI_DEBUG_IMAGE_INFO *EfiDebugImageInfoTable} and an array of pointers, each NULL or pointing at an
 * {@code EFI_DEBUG_IMAGE_INFO_NORMAL} {UINT32 ImageInfoType = 1; EFI_LOADED_IMAGE_PROTOCOL *LoadedImageProtocolInstance;
 * EFI_HANDLE ImageHandle}. As EDK2's DxeCore ({@code Misc/DebugImageInfo.c}): an image is added when it is loaded and
 * its slot set back to NULL when it is unloaded; TableSize counts the images in the table; every change sets
 * EFI_DEBUG_IMAGE_INFO_TABLE_MODIFIED in UpdateStatus (EFI_DEBUG_IMAGE_INFO_UPDATE_IN_PROGRESS is never left set:
 * a change is done before the guest runs again). A new image takes the first empty slot; when none is left the
 * array is copied into one twice as large.
 *
 * <p>OVMF's table also holds its ~100 DXE drivers; efiemu's holds the images that exist on it: the application and
 * what it loads.
 */
public final class DebugImageInfoTable {
    /** Bytes of the header. */
    public static final int HEADER_SIZE = 16;
    /** Bytes of one EFI_DEBUG_IMAGE_INFO_NORMAL. */
    public static final int ENTRY_SIZE = 24;
    public static final int UPDATE_IN_PROGRESS = 1;
    public static final int TABLE_MODIFIED = 2;
    public static final int TYPE_NORMAL = 1;

    private final GuestMemory memory;
    private final long header;
    private final LongUnaryOperator allocate;
    private final List<Long> freeEntries = new ArrayList<>();
    private long array;
    private long[] handles;
    private int size;

    /**
     * @param header   where the header is (HEADER_SIZE bytes)
     * @param array    the first array of {@code slots} pointers
     * @param entries  {@code slots} preallocated EFI_DEBUG_IMAGE_INFO_NORMAL structures (slots * ENTRY_SIZE bytes)
     * @param allocate firmware memory for more entries and larger arrays when those run out
     */
    public DebugImageInfoTable(GuestMemory memory, long header, long array, long entries, int slots,
            LongUnaryOperator allocate) {
        this.memory = memory;
        this.header = header;
        this.array = array;
        this.allocate = allocate;
        this.handles = new long[slots];
        for (int i = slots - 1; i >= 0; i--) {
            freeEntries.add(entries + (long) i * ENTRY_SIZE);
        }
        memory.write(array, new byte[slots * 8]);
        memory.putU32(header, 0);
        memory.putU32(header + 4, 0);
        memory.putU64(header + 8, array);
    }

    /** Bytes the header, an array of {@code slots} and as many entries take. */
    public static int bytesFor(int slots) {
        return HEADER_SIZE + slots * (8 + ENTRY_SIZE);
    }

    public long headerAddress() {
        return header;
    }

    /** Adds the image on {@code imageHandle} whose EFI_LOADED_IMAGE_PROTOCOL is at {@code loadedImage}. */
    public void add(long loadedImage, long imageHandle) {
        int slot = 0;
        while (slot < handles.length && handles[slot] != 0) {
            slot++;
        }
        if (slot == handles.length) {
            long bigger = allocate.applyAsLong(handles.length * 16L);
            memory.write(bigger, new byte[handles.length * 16]);
            memory.write(bigger, memory.read(array, handles.length * 8));
            array = bigger;
            handles = java.util.Arrays.copyOf(handles, handles.length * 2);
            memory.putU64(header + 8, array);
        }
        long entry = freeEntries.isEmpty() ? allocate.applyAsLong(ENTRY_SIZE) : freeEntries.remove(freeEntries.size() - 1);
        memory.putU32(entry, TYPE_NORMAL);
        memory.putU32(entry + 4, 0);
        memory.putU64(entry + 8, loadedImage);
        memory.putU64(entry + 16, imageHandle);
        memory.putU64(array + slot * 8L, entry);
        handles[slot] = imageHandle;
        size++;
        modified();
    }

    /** Removes the image on {@code imageHandle} (nothing when it is not in the table). */
    public void remove(long imageHandle) {
        for (int slot = 0; slot < handles.length; slot++) {
            if (handles[slot] == imageHandle && imageHandle != 0) {
                long entry = memory.u64(array + slot * 8L);
                memory.putU64(array + slot * 8L, 0);
                memory.write(entry, new byte[ENTRY_SIZE]);
                freeEntries.add(entry);
                handles[slot] = 0;
                size--;
                modified();
                return;
            }
        }
    }

    /**
     * Makes room for {@code slots} images without allocating: the pointer array moves to {@code newArray} (slots * 8
     * bytes, the current pointers first) and {@code entries} (slots * ENTRY_SIZE bytes) become free entries. For a
     * captured firmware's images, presented before the application runs.
     */
    public void reserve(long newArray, long entries, int slots) {
        if (slots <= handles.length) {
            return;
        }
        memory.write(newArray, new byte[slots * 8]);
        memory.write(newArray, memory.read(array, handles.length * 8));
        array = newArray;
        handles = java.util.Arrays.copyOf(handles, slots);
        for (int i = slots - 1; i >= 0; i--) {
            freeEntries.add(0, entries + (long) i * ENTRY_SIZE);
        }
        memory.putU64(header + 8, array);
    }

    /** The image handles in table order (empty slots left out). */
    public List<Long> imageHandles() {
        List<Long> out = new ArrayList<>();
        for (long h : handles) {
            if (h != 0) {
                out.add(h);
            }
        }
        return out;
    }

    /** Images in the table. */
    public int size() {
        return size;
    }

    private void modified() {
        memory.putU32(header, (memory.u32(header) | TABLE_MODIFIED) & ~UPDATE_IN_PROGRESS);
        memory.putU32(header + 4, size);
    }
}
