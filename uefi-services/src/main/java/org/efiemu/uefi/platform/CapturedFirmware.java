package org.efiemu.uefi.platform;

import java.util.List;
import org.efiemu.uefi.handle.CapturedHandle;

/**
 * What a real firmware presented as the firmware-probe captured it, beyond what the other profile keys say: its whole
 * handle database ({@code handle:} lines) and its HOB list ({@code hob:} lines). Empty for a machine that was not
 * captured: efiemu then presents its own handles and builds the HOB list from the memory map.
 *
 * @param handles every handle in the firmware's LocateHandleBuffer(AllHandles) order, indexes 0..n-1
 * @param hobs the HOB list's HOBs in order (PI 1.7 vol. 3 §5), each with all its bytes as captured, the PHIT first
 *     and the end-of-list HOB last
 * @param locateOrders for the protocols whose LocateHandle(ByProtocol) order (UEFI 2.10 §7.3.12; EDK2: the order the
 *     interfaces were installed) is not the handle list's order: the handles it returns, as handle indexes, in the
 *     order returned ({@code handle-locate:} lines); protocols not named are returned in handle order
 * @param imageBases the ImageBase of each loaded image, by handle index ({@code image-base:} lines; the firmware's
 *     load addresses, the same on every boot of one machine); images not named present ImageBase 0
 * @param opens the open entries of every handle's protocols as OpenProtocolInformation gave them ({@code handle-open:}
 *     lines; the drivers' BY_DRIVER and BY_CHILD_CONTROLLER opens, the core's HandleProtocol opens), in the order of
 *     the handles, of each handle's protocols and of each open list; empty: no open entries
 * @param unloads the driver images whose Unload is set, what UnloadImage did to each ({@code image-unload:} lines); an
 *     image not named presents Unload NULL
 */
public record CapturedFirmware(List<CapturedHandle> handles, List<byte[]> hobs,
        java.util.Map<org.efiemu.uefi.spec.Guid, List<Integer>> locateOrders, java.util.Map<Integer, Long> imageBases,
        List<org.efiemu.uefi.handle.CapturedOpen> opens, List<org.efiemu.uefi.handle.CapturedUnload> unloads) {
    public static final CapturedFirmware NONE = new CapturedFirmware(List.of(), List.of());

    /** Without LocateHandle(ByProtocol) orders and image bases. */
    public CapturedFirmware(List<CapturedHandle> handles, List<byte[]> hobs) {
        this(handles, hobs, java.util.Map.of(), java.util.Map.of());
    }

    /** Without open entries and unload outcomes. */
    public CapturedFirmware(List<CapturedHandle> handles, List<byte[]> hobs,
            java.util.Map<org.efiemu.uefi.spec.Guid, List<Integer>> locateOrders, java.util.Map<Integer, Long> imageBases) {
        this(handles, hobs, locateOrders, imageBases, List.of(), List.of());
    }

    /** Without image bases. */
    public CapturedFirmware(List<CapturedHandle> handles, List<byte[]> hobs,
            java.util.Map<org.efiemu.uefi.spec.Guid, List<Integer>> locateOrders) {
        this(handles, hobs, locateOrders, java.util.Map.of());
    }

    public CapturedFirmware {
        imageBases = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(imageBases));
        for (int i : imageBases.keySet()) {
            if (i < 0 || i >= handles.size() || handles.get(i).image() == null) {
                throw new IllegalArgumentException("image-base " + i + ": no captured handle " + i
                        + " with EFI_LOADED_IMAGE_PROTOCOL");
            }
        }
        java.util.Map<org.efiemu.uefi.spec.Guid, List<Integer>> orders = new java.util.LinkedHashMap<>();
        locateOrders.forEach((g, l) -> orders.put(g, List.copyOf(l)));
        locateOrders = java.util.Collections.unmodifiableMap(orders);
        for (var e : locateOrders.entrySet()) {
            for (int i : e.getValue()) {
                if (i < 0 || i >= handles.size()) {
                    throw new IllegalArgumentException("handle-locate " + e.getKey() + ": handle " + i + " beyond the "
                            + handles.size() + " handles");
                }
            }
        }
        handles = List.copyOf(handles);
        hobs = hobs.stream().map(byte[]::clone).toList();
        for (int i = 0; i < handles.size(); i++) {
            if (handles.get(i).index() != i) {
                throw new IllegalArgumentException("captured handle " + handles.get(i).index() + " at position " + i
                        + ": expected handles numbered 0, 1, 2, ... in order");
            }
        }
        for (CapturedHandle h : handles) {
            if (h.image() != null && (h.image().parent() >= handles.size() || h.image().device() >= handles.size())) {
                throw new IllegalArgumentException("captured handle " + h.index() + ": loaded-image parent/device index "
                        + "beyond the " + handles.size() + " handles");
            }
        }
        HobListCheck.check(hobs);
        opens = List.copyOf(opens);
        unloads = List.copyOf(unloads);
        for (org.efiemu.uefi.handle.CapturedOpen o : opens) {
            if (o.handle() >= handles.size() || o.agent() >= handles.size() || o.controller() >= handles.size()) {
                throw new IllegalArgumentException("handle-open " + o.handle() + " " + o.protocol() + ": a handle index "
                        + "beyond the " + handles.size() + " handles");
            }
            if (!handles.get(o.handle()).protocols().contains(o.protocol())) {
                throw new IllegalArgumentException("handle-open " + o.handle() + " " + o.protocol()
                        + ": captured handle " + o.handle() + " has no such protocol");
            }
        }
        java.util.Set<Integer> unloaded = new java.util.HashSet<>();
        for (org.efiemu.uefi.handle.CapturedUnload u : unloads) {
            if (u.image() >= handles.size() || handles.get(u.image()).image() == null) {
                throw new IllegalArgumentException("image-unload " + u.image() + ": no captured handle " + u.image()
                        + " with EFI_LOADED_IMAGE_PROTOCOL");
            }
            if (!unloaded.add(u.image())) {
                throw new IllegalArgumentException("image-unload " + u.image() + ": image given twice");
            }
            if (!u.removed().isEmpty() && u.removed().get(u.removed().size() - 1) >= handles.size()) {
                throw new IllegalArgumentException("image-unload " + u.image() + ": removed handle beyond the "
                        + handles.size() + " handles");
            }
        }
    }

    /** True when the profile recorded the firmware's handle database. */
    public boolean hasHandles() {
        return !handles.isEmpty();
    }

    /** True when the profile recorded the firmware's HOB list. */
    public boolean hasHobList() {
        return !hobs.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CapturedFirmware c) || !handles.equals(c.handles) || hobs.size() != c.hobs.size()
                || !locateOrders.equals(c.locateOrders) || !imageBases.equals(c.imageBases) || !opens.equals(c.opens)
                || !unloads.equals(c.unloads)) {
            return false;
        }
        for (int i = 0; i < hobs.size(); i++) {
            if (!java.util.Arrays.equals(hobs.get(i), c.hobs.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return handles.hashCode() * 31 + hobs.size();
    }

    /** The HOB list's structural rules (PI 1.7 vol. 3 §5.2-5.3). */
    static final class HobListCheck {
        private HobListCheck() {}

        static void check(List<byte[]> hobs) {
            for (int i = 0; i < hobs.size(); i++) {
                byte[] h = hobs.get(i);
                String what = "HOB " + i;
                if (h.length < 8 || h.length % 8 != 0) {
                    throw new IllegalArgumentException(what + ": " + h.length + " bytes; expected a multiple of 8, at least 8");
                }
                int type = (h[0] & 0xFF) | (h[1] & 0xFF) << 8;
                int length = (h[2] & 0xFF) | (h[3] & 0xFF) << 8;
                if (length != h.length) {
                    throw new IllegalArgumentException(what + ": HobLength " + length + " but " + h.length + " bytes");
                }
                if (i == 0 && (type != 0x0001 || h.length < 56)) {
                    throw new IllegalArgumentException(what + ": type 0x" + Integer.toHexString(type)
                            + "; expected the PHIT (EFI_HOB_TYPE_HANDOFF 0x0001, 56 bytes or more) first");
                }
                boolean last = i == hobs.size() - 1;
                if (last != (type == 0xFFFF)) {
                    throw new IllegalArgumentException(what + ": " + (last ? "the last HOB is type 0x"
                            + Integer.toHexString(type) + "; expected EFI_HOB_TYPE_END_OF_HOB_LIST (0xffff)"
                            : "EFI_HOB_TYPE_END_OF_HOB_LIST before the end of the list"));
                }
            }
        }
    }
}
