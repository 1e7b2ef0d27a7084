package org.efiemu.uefi.presentation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.efiemu.uefi.handle.CapturedHandle;
import org.efiemu.uefi.spec.Guid;

/**
 * Pure: which of efiemu's own handles stands for which handle of a captured firmware's handle database, and the
 * order the handle list takes (UEFI 2.10 §7.3.15: LocateHandleBuffer(AllHandles) returns the handle list's order).
 *
 * <p>The rules, in order:
 * <ol>
 * <li>storage: a captured handle with EFI_BLOCK_IO_PROTOCOL or EFI_SIMPLE_FILE_SYSTEM_PROTOCOL belongs to the boot
 * media of the capture run (QEMU's {@code fat:} drive holding the firmware-probe), not to the machine; efiemu's own
 * storage handles (its boot volume, {@code --esp} and {@code --disk} disks and partitions) take their place, at the
 * first captured storage handle's position;
 * <li>the application: efiemu's image handle stands for the captured handle of the image BDS started (the last one
 * with EFI_LOADED_IMAGE_PROTOCOL whose DeviceHandle is a storage handle; else the last one with a loaded image);
 * <li>a handle with a device path stands for the first captured handle with the same device path bytes;
 * <li>a handle without one (the console splitter's ConIn, ConOut and StdErr handles) stands for the first captured
 * handle without device path or loaded image that has exactly its protocols, else the first that has all of them;
 * <li>an efiemu handle no captured handle matches comes after the captured ones, in creation order.
 * </ol>
 */
public final class HandleMatching {
    private static final Guid BLOCK_IO = Guid.EFI_BLOCK_IO_PROTOCOL_GUID;
    private static final Guid FILE_SYSTEM = Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;

    private HandleMatching() {}

    /** One of efiemu's handles before the presentation: its value, protocols and device path bytes (null: none). */
    public record Present(long handle, List<Guid> protocols, byte[] devicePath) {
        public Present {
            protocols = List.copyOf(protocols);
        }

        boolean storage() {
            return protocols.contains(BLOCK_IO) || protocols.contains(FILE_SYSTEM);
        }
    }

    /**
     * One place of the presented handle list.
     *
     * @param captured the captured handle presented here, or null for one of efiemu's handles with no captured
     *     counterpart (storage, or unmatched)
     * @param handle efiemu's handle standing for it, or 0 when a new handle is made
     */
    public record Slot(CapturedHandle captured, long handle) {}

    /** True when a captured handle is part of the capture run's boot media (rule 1). */
    public static boolean storage(CapturedHandle c) {
        return c.protocols().contains(BLOCK_IO) || c.protocols().contains(FILE_SYSTEM);
    }

    /**
     * The presented handle list.
     *
     * @param captured the captured handle database in its order
     * @param present efiemu's handles in creation order
     * @param imageHandle efiemu's image handle (one of {@code present})
     */
    public static List<Slot> plan(List<CapturedHandle> captured, List<Present> present, long imageHandle) {
        long[] match = new long[captured.size()];
        Set<Long> used = new HashSet<>();
        int image = -1;
        for (int i = captured.size() - 1; i >= 0 && image < 0; i--) {
            CapturedHandle c = captured.get(i);
            if (c.image() != null && c.image().device() >= 0 && storage(captured.get(c.image().device()))) {
                image = i;
            }
        }
        for (int i = captured.size() - 1; i >= 0 && image < 0; i--) {
            if (captured.get(i).image() != null) {
                image = i;
            }
        }
        if (image >= 0 && present.stream().anyMatch(p -> p.handle() == imageHandle)) {
            match[image] = imageHandle;
            used.add(imageHandle);
        }
        for (Present p : present) {
            if (p.handle() == imageHandle || p.storage()) {
                continue;
            }
            // without a device path: a captured handle with exactly these protocols first, else one with more
            for (boolean exact : new boolean[] {true, false}) {
                int found = -1;
                for (int i = 0; i < captured.size() && found < 0; i++) {
                    CapturedHandle c = captured.get(i);
                    if (match[i] != 0 || storage(c) || i == image) {
                        continue;
                    }
                    boolean fits = p.devicePath() != null
                            ? c.devicePath() != null && Arrays.equals(c.devicePath(), p.devicePath())
                            : c.devicePath() == null && c.image() == null && c.protocols().containsAll(p.protocols())
                                    && (!exact || new HashSet<>(c.protocols()).equals(new HashSet<>(p.protocols())));
                    if (fits) {
                        found = i;
                    }
                }
                if (found >= 0) {
                    match[found] = p.handle();
                    used.add(p.handle());
                    break;
                }
            }
        }
        List<Slot> out = new ArrayList<>();
        boolean storagePlaced = false;
        for (int i = 0; i < captured.size(); i++) {
            CapturedHandle c = captured.get(i);
            if (storage(c)) {
                if (!storagePlaced) {
                    storagePlaced = true;
                    for (Present p : present) {
                        if (p.storage() && p.handle() != imageHandle) {
                            out.add(new Slot(null, p.handle()));
                            used.add(p.handle());
                        }
                    }
                }
                continue;
            }
            out.add(new Slot(c, match[i]));
        }
        for (Present p : present) {
            if (!used.contains(p.handle())) {
                out.add(new Slot(null, p.handle()));
            }
        }
        return out;
    }
}
