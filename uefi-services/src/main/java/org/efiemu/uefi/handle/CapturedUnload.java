package org.efiemu.uefi.handle;

import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * What UnloadImage (UEFI 2.10 §7.4.6) did to a real firmware's driver image whose EFI_LOADED_IMAGE_PROTOCOL.Unload is
 * set (the firmware-probe's {@code unload:} lines, the drivers unloaded in handle order): its status and the handles
 * that were gone afterwards (the image's own handle among them when EDK2's CoreUnloadAndCloseImage removed its last
 * protocol), as indexes into the captured handle list.
 *
 * @param image the driver image's handle index
 * @param status UnloadImage's status
 * @param removed the handles gone after it, ascending
 */
public record CapturedUnload(int image, EfiStatus status, List<Integer> removed) {
    public CapturedUnload {
        Objects.requireNonNull(status, "status");
        removed = List.copyOf(removed);
        if (image < 0) {
            throw new IllegalArgumentException("image handle " + image + ": expected a handle index");
        }
        for (int i = 1; i < removed.size(); i++) {
            if (removed.get(i) <= removed.get(i - 1)) {
                throw new IllegalArgumentException("image " + image + ": removed handles " + removed
                        + ": expected ascending indexes, none twice");
            }
        }
    }
}
