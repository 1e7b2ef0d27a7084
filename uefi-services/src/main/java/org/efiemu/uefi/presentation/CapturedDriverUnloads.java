package org.efiemu.uefi.presentation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.handle.CapturedHandle;
import org.efiemu.uefi.handle.CapturedUnload;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.OpenAttributes;
import org.efiemu.uefi.image.DebugImageInfoTable;
import org.efiemu.uefi.image.LoadedImageProtocol;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The Unload functions of a captured firmware's driver images (UEFI 2.10 §9.1.1 EFI_LOADED_IMAGE_PROTOCOL.Unload,
 * §7.4.6 UnloadImage), from what the firmware-probe saw UnloadImage do on real OVMF ({@link CapturedUnload}: the status
 * and the handles gone afterwards). efiemu holds none of the drivers' code, so it cannot run their Unload functions;
 * it presents a non-NULL Unload where OVMF has one and answers with the captured outcome, recorded in the trace:
 * <ul>
 * <li>UnloadImage(driver) (EDK2 {@code CoreUnloadImage}: the driver's Unload, then {@code CoreUnloadAndCloseImage}):
 * the captured status; on success the captured handles are removed, the image's own EFI_LOADED_IMAGE_PROTOCOL and
 * EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL with them, every open entry the image was the agent of is closed and its
 * EFI_DEBUG_IMAGE_INFO_TABLE entry is removed;
 * <li>a direct call of the Unload function (the driver's own function, without {@code CoreUnloadAndCloseImage}): the
 * captured status; on success the same handles are removed except that the image's handle keeps its
 * EFI_LOADED_IMAGE_PROTOCOL and EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL, and its debug table entry stays.
 * </ul>
 * Not exact: the outcome is OVMF's for the drivers unloaded one after another in handle order (what an earlier unload
 * already removed is not removed twice); the image's pages and the pool the driver frees are not returned to the
 * memory map.
 */
public final class CapturedDriverUnloads {

    private final HandleDatabase db;
    private final GuestMemory memory;
    private final DebugImageInfoTable debugImages;
    private final Map<Long, CapturedUnload> byHandle = new HashMap<>();
    private final Map<Integer, Long> presented;
    private final long function;

    /**
     * Writes the Unload function into the EFI_LOADED_IMAGE_PROTOCOL of every presented driver image that has a
     * captured outcome.
     */
    public CapturedDriverUnloads(List<CapturedUnload> unloads, CapturedHandles.Result result, HandleDatabase db,
            GuestMemory memory, ServiceDispatcher dispatcher, DebugImageInfoTable debugImages) {
        this.db = db;
        this.memory = memory;
        this.debugImages = debugImages;
        this.presented = result.presented();
        this.function = unloads.isEmpty() ? 0
                : dispatcher.registerBootTime("EFI_LOADED_IMAGE_PROTOCOL.Unload (captured driver)", 1, this::unloadFunction);
        for (CapturedUnload u : unloads) {
            Long h = presented.get(u.image());
            if (h == null) {
                continue;
            }
            long li = loadedImage(h);
            if (li != 0) {
                memory.putU64(li + LoadedImageProtocol.UNLOAD, function);
                byHandle.put(h, u);
            }
        }
    }

    /** The presented driver images with a captured Unload. */
    public int images() {
        return byHandle.size();
    }

    private long loadedImage(long handle) {
        var r = db.openProtocol(handle, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, 0, 0, OpenAttributes.GET_PROTOCOL);
        return r.status().isError() ? 0 : r.interfacePointer();
    }

    /**
     * UnloadImage of a captured driver image: the captured outcome, or empty when {@code handle} is not one (the caller
     * goes on with its own rules).
     */
    public Optional<EfiStatus> unloadImage(ServiceCall c, long handle) {
        CapturedUnload u = byHandle.get(handle);
        if (u == null || !db.isValid(handle)) {
            return Optional.empty();
        }
        c.output("captured driver image " + u.image() + ": OVMF's UnloadImage gave " + u.status().specName()
                + (u.status().isError() ? "" : " and removed handles " + u.removed()) + " (the driver's code is not run)");
        if (!u.status().isError()) {
            apply(u, handle, true);
        }
        return Optional.of(u.status());
    }

    private EfiStatus unloadFunction(ServiceCall c) {
        long handle = c.arg(0);
        c.arguments(ServiceCall.hex(handle));
        CapturedUnload u = byHandle.get(handle);
        if (u == null || !db.isValid(handle)) {
            // EDK2's driver Unload functions are called with their own image handle; another one is not theirs
            c.output("not a captured driver image with an Unload function");
            return EfiStatus.INVALID_PARAMETER;
        }
        c.output("captured driver image " + u.image() + ": the status OVMF's UnloadImage gave, " + u.status().specName()
                + (u.status().isError() ? "" : ", handles " + u.removed() + " removed, the image's handle kept")
                + " (the driver's code is not run)");
        if (!u.status().isError()) {
            apply(u, handle, false);
        }
        return u.status();
    }

    private void apply(CapturedUnload u, long imageHandle, boolean closeImage) {
        for (int i : u.removed()) {
            Long h = presented.get(i);
            if (h == null || !db.isValid(h)) {
                continue;
            }
            if (h == imageHandle && !closeImage) {
                db.removeProtocols(h, g -> !g.equals(Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID)
                        && !g.equals(CapturedHandle.LOADED_IMAGE_DEVICE_PATH));
            } else {
                db.removeHandle(h);
            }
        }
        if (closeImage) {
            if (db.isValid(imageHandle)) {
                db.removeProtocols(imageHandle, g -> g.equals(Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID)
                        || g.equals(CapturedHandle.LOADED_IMAGE_DEVICE_PATH));
            }
            db.closeOpensByAgent(imageHandle);
            debugImages.remove(imageHandle);
            byHandle.remove(imageHandle);
        }
    }
}
