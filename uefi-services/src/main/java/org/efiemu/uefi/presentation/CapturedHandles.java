package org.efiemu.uefi.presentation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.DevicePaths;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.handle.CapturedHandle;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.OpenAttributes;
import org.efiemu.uefi.image.LoadedImageProtocol;
import org.efiemu.uefi.spec.Guid;

/**
 * Presents a captured firmware's handle database (the profile's {@code handle:} lines) on efiemu, before the
 * application runs: the handle list in the captured order, each handle with the captured protocols in the captured
 * order (UEFI 2.10 §7.3.14-7.3.15), efiemu's own handles standing for the captured handles they match
 * ({@link HandleMatching}) with their real implementations, and for the rest:
 * <ul>
 * <li>EFI_DEVICE_PATH_PROTOCOL and EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL: the captured bytes (§10.2, §9.2); efiemu's
 * own image gets a loaded image device path made as EDK2's CoreLoadImage makes it: its device handle's device path
 * followed by its FilePath;
 * <li>EFI_LOADED_IMAGE_PROTOCOL of the firmware's driver images: a structure with the captured Revision, ParentHandle,
 * DeviceHandle, memory types, ImageSize and FilePath; SystemTable is this machine's; ImageBase the captured one
 * ({@link #writeImageBases}) and Unload NULL unless the capture has its outcome ({@link CapturedDriverUnloads}; efiemu
 * holds none of the driver's code);
 * <li>a protocol whose captured interface was NULL (a GUID-only tag such as EDK2's {@code gEfiConsoleOutDeviceGuid}):
 * NULL;
 * <li>SimpleTextInput, SimpleTextInputEx, SimpleTextOutput and Graphics Output on handles efiemu did not make (the
 * PS/2 keyboard, the graphics console): efiemu's console and display interfaces;
 * <li>any other protocol: an {@link UnsupportedProtocols} interface whose functions return EFI_UNSUPPORTED and are
 * recorded.
 * </ul>
 */
public final class CapturedHandles {

    /**
     * Protocols with data a loader reads (modes, media, locations) that efiemu implements when the machine has the
     * device: presented only with efiemu's implementation, never as an {@link UnsupportedProtocols} interface (a GOP
     * whose Mode pointer led to a stub would be worse than no GOP). Without the device (a headless run, a captured
     * device efiemu did not match) the protocol is left off the handle and named in the notes.
     */
    static final java.util.Set<Guid> ONLY_IMPLEMENTED = java.util.Set.of(Guid.EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID,
            Guid.EFI_SERIAL_IO_PROTOCOL_GUID, Guid.EFI_PCI_IO_PROTOCOL_GUID,
            Guid.parse("2F707EBB-4A1A-11D4-9A38-0090273FC14D"), Guid.EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID,
            Guid.EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID, Guid.EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID,
            Guid.EFI_BLOCK_IO_PROTOCOL_GUID, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID, Guid.EFI_DISK_IO_PROTOCOL_GUID,
            Guid.EFI_DISK_IO2_PROTOCOL_GUID, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, Guid.EFI_RNG_PROTOCOL_GUID);

    /**
     * What the presentation did.
     *
     * @param presented the handle standing for each captured handle index (captured handles left out are not keys)
     */
    public record Result(int handles, int matched, int created, List<Guid> unsupported, List<String> notes,
            Map<Integer, Long> presented) {}

    private CapturedHandles() {}

    /**
     * @param implemented efiemu's interfaces for protocols it implements, by GUID (used on handles it did not make)
     * @param region where device paths, loaded image structures and unsupported interfaces go
     */
    public static Result present(List<CapturedHandle> captured, HandleDatabase db, GuestMemory memory,
            FirmwareArena.Region region, UnsupportedProtocols unsupported, Map<Guid, Long> implemented, long imageHandle,
            long systemTable) {
        List<HandleMatching.Present> present = new ArrayList<>();
        for (long h : db.handles()) {
            var dp = db.openProtocol(h, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, 0, 0, OpenAttributes.GET_PROTOCOL);
            byte[] path = dp.status().isError() || dp.interfacePointer() == 0 ? null : DevicePaths.read(memory, dp.interfacePointer());
            present.add(new HandleMatching.Present(h, db.protocolsPerHandle(h), path));
        }
        List<HandleMatching.Slot> plan = HandleMatching.plan(captured, present, imageHandle);
        Map<Integer, Long> byIndex = new HashMap<>();
        Map<Long, List<Guid>> protocolOrder = new LinkedHashMap<>();
        List<Long> order = new ArrayList<>();
        List<long[]> images = new ArrayList<>(); // {structure, captured index}
        int matched = 0;
        int created = 0;
        List<String> notes = new ArrayList<>();
        for (HandleMatching.Slot s : plan) {
            CapturedHandle c = s.captured();
            long handle = s.handle();
            if (c == null) {
                order.add(handle);
                continue;
            }
            boolean made = handle == 0;
            for (Guid g : c.protocols()) {
                if (handle != 0 && !db.openProtocol(handle, g, 0, 0, OpenAttributes.GET_PROTOCOL).status().isError()) {
                    continue; // efiemu's own implementation
                }
                long iface;
                if (g.equals(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)) {
                    iface = bytes(memory, region, "captured device path of handle " + c.index(), c.devicePath());
                } else if (g.equals(CapturedHandle.LOADED_IMAGE_DEVICE_PATH)) {
                    byte[] path = handle == imageHandle && handle != 0 ? ownImagePath(db, memory, imageHandle) : c.imageDevicePath();
                    iface = bytes(memory, region, "loaded image device path of handle " + c.index(), path);
                } else if (g.equals(Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID)) {
                    iface = region.take("EFI_LOADED_IMAGE_PROTOCOL of captured handle " + c.index(), LoadedImageProtocol.SIZE, 16);
                    images.add(new long[] {iface, c.index()});
                } else if (c.nullInterfaces().contains(g)) {
                    iface = 0;
                } else if (implemented.containsKey(g)) {
                    iface = implemented.get(g);
                } else if (ONLY_IMPLEMENTED.contains(g)) {
                    notes.add("captured handle " + c.index() + ": " + g + " left out (efiemu has no such device in this run)");
                    continue;
                } else {
                    iface = unsupported.interfaceFor(g);
                }
                var r = db.installProtocolInterface(handle, g, iface);
                if (r.status().isError()) {
                    throw new IllegalStateException("captured handle " + c.index() + ": installing " + g + " gave "
                            + r.status().specName());
                }
                handle = r.handle();
            }
            if (handle == 0) {
                notes.add("captured handle " + c.index() + " left out: none of its protocols is presented");
                continue;
            }
            if (made) {
                created++;
            } else {
                matched++;
            }
            byIndex.put(c.index(), handle);
            protocolOrder.put(handle, c.protocols());
            order.add(handle);
        }
        for (long[] li : images) {
            CapturedHandle.CapturedImage i = captured.get((int) li[1]).image();
            long at = li[0];
            memory.putU32(at, i.revision());
            memory.putU64(at + LoadedImageProtocol.PARENT_HANDLE, i.parent() < 0 ? 0 : byIndex.getOrDefault(i.parent(), 0L));
            memory.putU64(at + LoadedImageProtocol.SYSTEM_TABLE, systemTable);
            memory.putU64(at + LoadedImageProtocol.DEVICE_HANDLE, i.device() < 0 ? 0 : byIndex.getOrDefault(i.device(), 0L));
            memory.putU64(at + LoadedImageProtocol.FILE_PATH, i.filePath() == null ? 0
                    : bytes(memory, region, "FilePath of captured image " + li[1], i.filePath()));
            memory.putU32(at + LoadedImageProtocol.LOAD_OPTIONS_SIZE, 0);
            memory.putU64(at + LoadedImageProtocol.LOAD_OPTIONS, 0);
            memory.putU64(at + LoadedImageProtocol.IMAGE_BASE, 0);
            memory.putU64(at + LoadedImageProtocol.IMAGE_SIZE, i.size());
            memory.putU32(at + LoadedImageProtocol.IMAGE_CODE_TYPE, i.codeType());
            memory.putU32(at + LoadedImageProtocol.IMAGE_DATA_TYPE, i.dataType());
            memory.putU64(at + LoadedImageProtocol.UNLOAD, 0);
        }
        db.arrange(order, protocolOrder);
        long storage = captured.stream().filter(HandleMatching::storage).count();
        if (storage > 0) {
            notes.add(storage + " captured storage handles (the capture run's boot media) replaced by efiemu's own");
        }
        return new Result(db.handles().size(), matched, created, List.copyOf(unsupported.protocols()), notes,
                Map.copyOf(byIndex));
    }

    /**
     * Gives the protocols whose LocateHandle(ByProtocol) order the capture recorded (EDK2: install order, not handle
     * order; {@code handle-locate:} lines) that order among the presented handles (UEFI 2.10 §7.3.12). Captured
     * handles efiemu did not present (the capture run's boot media) are skipped; efiemu's own storage handles keep
     * their places.
     */
    public static void arrangeLocateOrders(Map<Guid, List<Integer>> locateOrders, Result presented, HandleDatabase db) {
        locateOrders.forEach((protocol, indexes) -> db.arrangeProtocol(protocol, indexes.stream()
                .filter(presented.presented()::containsKey).map(presented.presented()::get).toList()));
    }

    /**
     * The captured ImageBase of each presented driver image ({@code image-base:} lines) written into its
     * EFI_LOADED_IMAGE_PROTOCOL (UEFI 2.10 §9.1); efiemu's own image keeps its own. The addresses are the captured
     * machine's (whose memory map the profile presents); efiemu holds none of the drivers' code, so the memory there
     * reads as zeros.
     */
    public static void writeImageBases(Map<Integer, Long> imageBases, Result presented, HandleDatabase db,
            GuestMemory memory, long imageHandle) {
        imageBases.forEach((index, base) -> {
            Long h = presented.presented().get(index);
            if (h == null || h == imageHandle) {
                return;
            }
            var li = db.openProtocol(h, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, 0, 0, OpenAttributes.GET_PROTOCOL);
            if (!li.status().isError() && li.interfacePointer() != 0) {
                memory.putU64(li.interfacePointer() + LoadedImageProtocol.IMAGE_BASE, base);
            }
        });
    }

    /**
     * The firmware's open entries ({@code handle-open:} lines; UEFI 2.10 §7.3.11 OpenProtocolInformation) on the
     * presented handles, after the entries efiemu made: the drivers' BY_DRIVER and BY_CHILD_CONTROLLER opens, so the
     * application's OpenProtocol BY_DRIVER of a managed protocol is EFI_ACCESS_DENIED and the same agent's is
     * EFI_ALREADY_STARTED as EDK2's CoreOpenProtocol gives them, and the core's BY_HANDLE_PROTOCOL opens with their
     * counts. The core image (the agent of the BY_HANDLE_PROTOCOL entries: EDK2's HandleProtocol opens as
     * {@code gDxeCoreImageHandle}) becomes the database's HandleProtocol agent, so the application's HandleProtocol
     * calls count on those entries as on OVMF. Entries naming a handle efiemu did not present (the capture run's boot
     * media) or a protocol it left off are skipped.
     *
     * @return the entries presented
     */
    public static int presentOpens(List<org.efiemu.uefi.handle.CapturedOpen> opens, Result presented, HandleDatabase db) {
        Map<Integer, Long> at = presented.presented();
        int n = 0;
        java.util.Set<Integer> coreAgents = new java.util.HashSet<>();
        for (org.efiemu.uefi.handle.CapturedOpen o : opens) {
            if (o.attributes() == OpenAttributes.BY_HANDLE_PROTOCOL) {
                coreAgents.add(o.agent());
            }
            Long h = at.get(o.handle());
            Long agent = at.get(o.agent());
            Long controller = o.controller() < 0 ? Long.valueOf(0) : at.get(o.controller());
            if (h == null || agent == null || controller == null || !db.protocolsPerHandle(h).contains(o.protocol())) {
                continue;
            }
            db.restoreOpen(h, o.protocol(), agent, controller, o.attributes(), o.count());
            n++;
        }
        if (coreAgents.size() == 1 && at.containsKey(coreAgents.iterator().next())) {
            db.setCoreImageHandle(at.get(coreAgents.iterator().next()));
        }
        return n;
    }

    /**
     * The EFI_DEBUG_IMAGE_INFO_TABLE (UEFI 2.10 §18.4.3) as OVMF has it when BDS starts an application: one
     * EFI_DEBUG_IMAGE_INFO_NORMAL entry per loaded image, in handle order (the firmware-probe's {@code debug-image:}
     * lines show OVMF's table in the order of the images' handles), each naming the presented handle and its
     * EFI_LOADED_IMAGE_PROTOCOL; the application's entry at its captured place. Room for the captured images and 32
     * more is taken from {@code region}, so no pool allocation moves.
     */
    public static void presentDebugImages(List<CapturedHandle> captured, Result presented, HandleDatabase db,
            org.efiemu.uefi.image.DebugImageInfoTable table, FirmwareArena.Region region) {
        List<Long> images = new ArrayList<>();
        for (CapturedHandle c : captured) {
            Long h = presented.presented().get(c.index());
            if (c.image() != null && h != null) {
                images.add(h);
            }
        }
        int slots = images.size() + 32;
        long array = region.take("EFI_DEBUG_IMAGE_INFO table array (captured images)", 8L * slots, 8);
        long entries = region.take("EFI_DEBUG_IMAGE_INFO_NORMAL entries (captured images)",
                (long) org.efiemu.uefi.image.DebugImageInfoTable.ENTRY_SIZE * slots, 8);
        table.reserve(array, entries, slots);
        List<Long> before = table.imageHandles();
        before.forEach(table::remove);
        for (long h : images) {
            var li = db.openProtocol(h, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, 0, 0, OpenAttributes.GET_PROTOCOL);
            if (!li.status().isError()) {
                table.add(li.interfacePointer(), h);
            }
        }
        for (long h : before) { // images efiemu loaded that stand for no captured one
            if (!images.contains(h)) {
                var li = db.openProtocol(h, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, 0, 0, OpenAttributes.GET_PROTOCOL);
                table.add(li.interfacePointer(), h);
            }
        }
    }

    private static long bytes(GuestMemory memory, FirmwareArena.Region region, String what, byte[] b) {
        long at = region.take(what, b.length, 8);
        memory.write(at, b);
        return at;
    }

    /** EDK2 CoreLoadImageCommon: the loaded image device path is the device's path followed by the FilePath. */
    private static byte[] ownImagePath(HandleDatabase db, GuestMemory memory, long imageHandle) {
        long li = db.openProtocol(imageHandle, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, 0, 0, OpenAttributes.GET_PROTOCOL)
                .interfacePointer();
        long device = memory.u64(li + LoadedImageProtocol.DEVICE_HANDLE);
        long filePath = memory.u64(li + LoadedImageProtocol.FILE_PATH);
        byte[] file = filePath == 0 ? new byte[] {0x7F, (byte) 0xFF, 4, 0} : DevicePaths.read(memory, filePath);
        var dp = device == 0 ? null : db.openProtocol(device, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, 0, 0, OpenAttributes.GET_PROTOCOL);
        if (dp == null || dp.status().isError() || dp.interfacePointer() == 0) {
            return file;
        }
        byte[] dev = DevicePaths.read(memory, dp.interfacePointer());
        byte[] out = new byte[dev.length - 4 + file.length];
        System.arraycopy(dev, 0, out, 0, dev.length - 4);
        System.arraycopy(file, 0, out, dev.length - 4, file.length);
        return out;
    }

}
