package org.efiemu.uefi.handle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.efiemu.uefi.handle.ProtocolStore.Handle;
import org.efiemu.uefi.handle.ProtocolStore.OpenData;
import org.efiemu.uefi.handle.ProtocolStore.ProtocolEntry;
import org.efiemu.uefi.handle.ProtocolStore.ProtocolInterface;
import org.efiemu.uefi.handle.ProtocolStore.ProtocolNotify;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The handle and protocol database (UEFI 2.10 §7.3 "Protocol Handler Services"), with the statuses and orders of
 * EDK2's {@code MdeModulePkg/Core/Dxe/Hand/Handle.c}, {@code Locate.c} and {@code Notify.c}.
 *
 * <p>Pure model: handles, registrations and interfaces are opaque 64-bit values. Handle and registration values
 * come from the caller's allocator (so they can be addresses in guest memory); events are signalled through the
 * caller's {@code signalEvent}; device paths are read through a {@link DevicePathReader}. Not thread-safe: one
 * database belongs to one machine.
 *
 * <p>{@code OpenProtocol(EXCLUSIVE)} of an interface a driver holds disconnects the driver through the caller's
 * {@link Disconnector} (the driver model, {@link DriverSupport}); so do {@code UninstallProtocolInterface} and
 * {@code ReinstallProtocolInterface} when given the driver model's {@link DriverHooks}. Without them (no driver that is
 * guest code) an interface opened {@code BY_DRIVER} makes those calls return {@code EFI_ACCESS_DENIED}, as EDK2 does
 * when the disconnect fails.
 */
public final class HandleDatabase {

    private final ProtocolStore store = new ProtocolStore();
    private final LongSupplier keyValues;
    private final LongConsumer signalEvent;
    private final HandleLocator locator;
    private long coreImageHandle;

    /**
     * @param keyValues   returns a fresh, non-zero, never-repeated value for each new handle and registration key
     * @param signalEvent called with an event to signal when a protocol it was registered for is (re)installed
     * @param devicePaths reads the bytes of a device path interface (for {@code LocateDevicePath})
     */
    public HandleDatabase(LongSupplier keyValues, LongConsumer signalEvent, DevicePathReader devicePaths) {
        this.keyValues = Objects.requireNonNull(keyValues, "keyValues");
        this.signalEvent = Objects.requireNonNull(signalEvent, "signalEvent");
        this.locator = new HandleLocator(store, Objects.requireNonNull(devicePaths, "devicePaths"));
    }

    /**
     * Sets the agent recorded by {@link #handleProtocol} ({@code gDxeCoreImageHandle} in EDK2); 0 records no
     * open entry.
     */
    public void setCoreImageHandle(long imageHandle) {
        this.coreImageHandle = imageHandle;
    }

    /** All handles in creation order. */
    public List<Long> handles() {
        return List.copyOf(store.handles.keySet());
    }

    /** True when {@code handle} is in the database ({@code CoreValidateHandle()}). */
    public boolean isValid(long handle) {
        return handle != 0 && store.handles.containsKey(handle);
    }

    /**
     * {@code InstallProtocolInterface()} (§7.3.2; EDK2 {@code CoreInstallProtocolInterfaceNotify}): handle 0
     * creates a new handle; installing a protocol the handle already has, or on an unknown handle, is
     * {@code EFI_INVALID_PARAMETER}. Signals the protocol's notify events.
     */
    public HandleResult installProtocolInterface(long handle, Guid protocol, long interfacePointer) {
        return install(handle, protocol, interfacePointer, true);
    }

    private HandleResult install(long handle, Guid protocol, long interfacePointer, boolean notify) {
        Objects.requireNonNull(protocol, "protocol");
        if (handle != 0 && (!isValid(handle) || store.find(handle, protocol) != null)) {
            return new HandleResult(EfiStatus.INVALID_PARAMETER, handle);
        }
        ProtocolEntry entry = store.entry(protocol, true);
        // EDK2 2022.11 (OVMF's) raises the handle's key when it creates the handle, not when it adds a protocol to an
        // existing one (EDK2 does that too since 2026, commit 8f28978843); StartImage connects by these keys
        Handle h = handle == 0 ? newHandle() : store.handles.get(handle);
        ProtocolInterface p = new ProtocolInterface(h, entry, interfacePointer);
        h.protocols.add(p);
        entry.interfaces.add(p);
        if (notify) {
            notifyRegistrations(entry);
        }
        return new HandleResult(EfiStatus.SUCCESS, h.value);
    }

    private Handle newHandle() {
        long value = keyValues.getAsLong();
        if (value == 0 || store.handles.containsKey(value) || store.registrations.containsKey(value)) {
            throw new IllegalStateException(String.format(
                    "handle allocator returned 0x%X, which is zero or already in use", value));
        }
        Handle h = new Handle(value);
        h.key = ++store.databaseKey;
        store.handles.put(value, h);
        return h;
    }

    /**
     * {@code InstallMultipleProtocolInterfaces()} (§7.3.15): all or nothing. A device path that is already
     * installed on some handle (exact match) fails with {@code EFI_ALREADY_STARTED}; on any failure the interfaces
     * installed so far are uninstalled and the caller's handle value is kept.
     *
     * @param pairs protocol/interface pairs in argument order
     */
    public HandleResult installMultipleProtocolInterfaces(long handle, List<Map.Entry<Guid, Long>> pairs) {
        long current = handle;
        List<Map.Entry<Guid, Long>> installed = new ArrayList<>();
        EfiStatus status = EfiStatus.SUCCESS;
        for (Map.Entry<Guid, Long> pair : pairs) {
            if (pair.getKey().equals(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)
                    && locator.isInstalledDevicePath(pair.getValue())) {
                status = EfiStatus.ALREADY_STARTED;
                break;
            }
            HandleResult r = installProtocolInterface(current, pair.getKey(), pair.getValue());
            if (r.status().isError()) {
                status = r.status();
                break;
            }
            current = r.handle();
            installed.add(pair);
        }
        if (status.isError()) {
            for (Map.Entry<Guid, Long> pair : installed) {
                uninstallProtocolInterface(current, pair.getKey(), pair.getValue());
            }
            return new HandleResult(status, handle);
        }
        return new HandleResult(EfiStatus.SUCCESS, current);
    }

    /**
     * {@code UninstallProtocolInterface()} (§7.3.3; EDK2 {@code CoreUninstallProtocolInterface}): closes the
     * BY_HANDLE/GET/TEST opens, fails with {@code EFI_ACCESS_DENIED} while other opens remain, and removes the
     * handle with its last protocol.
     */
    public EfiStatus uninstallProtocolInterface(long handle, Guid protocol, long interfacePointer) {
        return uninstallProtocolInterface(handle, protocol, interfacePointer, null);
    }

    /**
     * What the driver model does for {@code UninstallProtocolInterface} and {@code ReinstallProtocolInterface} of an
     * interface drivers hold: disconnect a holder ({@link Disconnector}) and connect a handle again
     * ({@code ConnectController(Handle, NULL, NULL, TRUE)}).
     */
    public interface DriverHooks extends Disconnector {
        void connect(long handle);
    }

    /**
     * EDK2's {@code CoreDisconnectControllersUsingProtocolInterface}: disconnects the BY_DRIVER holders of {@code p} one
     * by one; then drops its BY_HANDLE/GET/TEST opens; when a disconnect failed (or a Stop left its open, on which EDK2
     * would loop for ever) or opens remain, connects the handle again and answers EFI_ACCESS_DENIED. EFI_NOT_FOUND when
     * a driver's Stop removed the interface itself.
     */
    private EfiStatus disconnectUsing(long handle, Guid protocol, ProtocolInterface p, DriverHooks hooks) {
        EfiStatus status = EfiStatus.SUCCESS;
        OpenData holder;
        while ((holder = firstByDriver(p)) != null) {
            status = hooks.disconnect(handle, holder.agent);
            if (!isValid(handle) || store.find(handle, protocol) != p) {
                return EfiStatus.NOT_FOUND;
            }
            if (!status.isError() && p.openList.contains(holder)) {
                status = EfiStatus.ACCESS_DENIED;
            }
            if (status.isError()) {
                break;
            }
        }
        if (!status.isError()) {
            p.openList.removeIf(o -> (o.attributes & (OpenAttributes.BY_HANDLE_PROTOCOL | OpenAttributes.GET_PROTOCOL
                    | OpenAttributes.TEST_PROTOCOL)) != 0);
        }
        if (status.isError() || !p.openList.isEmpty()) {
            hooks.connect(handle);
            return EfiStatus.ACCESS_DENIED;
        }
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code UninstallProtocolInterface()} as {@link #uninstallProtocolInterface(long, Guid, long)}; with {@code hooks}
     * (the driver model) the drivers holding the interface BY_DRIVER are disconnected first, as EDK2's
     * {@code CoreUninstallProtocolInterface} does, and the handle is connected again when one refuses.
     */
    public EfiStatus uninstallProtocolInterface(long handle, Guid protocol, long interfacePointer, DriverHooks hooks) {
        if (!isValid(handle)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        ProtocolInterface p = store.find(handle, protocol);
        if (p == null || p.pointer != interfacePointer) {
            return EfiStatus.NOT_FOUND;
        }
        if (hooks != null) {
            EfiStatus s = disconnectUsing(handle, protocol, p, hooks);
            if (s.isError()) {
                return s;
            }
        }
        p.openList.removeIf(o -> (o.attributes & (OpenAttributes.BY_HANDLE_PROTOCOL | OpenAttributes.GET_PROTOCOL
                | OpenAttributes.TEST_PROTOCOL)) != 0);
        if (!p.openList.isEmpty()) {
            return EfiStatus.ACCESS_DENIED;
        }
        p.entry.remove(p);
        p.handle.protocols.remove(p);
        p.handle.key = ++store.databaseKey;
        if (p.handle.protocols.isEmpty()) {
            store.handles.remove(handle);
        }
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code UninstallMultipleProtocolInterfaces()} (§7.3.16): all or nothing; on a failure the interfaces removed
     * so far are reinstalled and {@code EFI_INVALID_PARAMETER} is returned.
     */
    public EfiStatus uninstallMultipleProtocolInterfaces(long handle, List<Map.Entry<Guid, Long>> pairs) {
        return uninstallMultipleProtocolInterfaces(handle, pairs, null);
    }

    /** As {@link #uninstallMultipleProtocolInterfaces(long, List)}, each through the driver model's {@code hooks}. */
    public EfiStatus uninstallMultipleProtocolInterfaces(long handle, List<Map.Entry<Guid, Long>> pairs,
            DriverHooks hooks) {
        List<Map.Entry<Guid, Long>> removed = new ArrayList<>();
        for (Map.Entry<Guid, Long> pair : pairs) {
            if (uninstallProtocolInterface(handle, pair.getKey(), pair.getValue(), hooks).isError()) {
                for (Map.Entry<Guid, Long> back : removed) {
                    install(handle, back.getKey(), back.getValue(), true);
                }
                return EfiStatus.INVALID_PARAMETER;
            }
            removed.add(pair);
        }
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code ReinstallProtocolInterface()} (§7.3.4): replaces the interface pointer, moves it to the end of the
     * protocol's list (as EDK2 re-inserts it) and signals the protocol's notify events.
     */
    public EfiStatus reinstallProtocolInterface(long handle, Guid protocol, long oldInterface, long newInterface) {
        return reinstallProtocolInterface(handle, protocol, oldInterface, newInterface, null);
    }

    /**
     * {@code ReinstallProtocolInterface()} as {@link #reinstallProtocolInterface(long, Guid, long, long)}; with
     * {@code hooks} (the driver model) as EDK2's {@code CoreReinstallProtocolInterface}: the drivers holding the
     * interface are disconnected first (EFI_ACCESS_DENIED when one refuses) and the handle is connected again
     * (Recursive) after the new interface is in place.
     */
    public EfiStatus reinstallProtocolInterface(long handle, Guid protocol, long oldInterface, long newInterface,
            DriverHooks hooks) {
        if (!isValid(handle)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        ProtocolInterface p = store.find(handle, protocol);
        if (p == null || p.pointer != oldInterface) {
            return EfiStatus.NOT_FOUND;
        }
        if (hooks != null) {
            EfiStatus s = disconnectUsing(handle, protocol, p, hooks);
            if (s.isError()) {
                return s;
            }
        } else if (p.openList.stream().anyMatch(o -> (o.attributes & OpenAttributes.BY_DRIVER) != 0)) {
            return EfiStatus.ACCESS_DENIED;
        }
        p.entry.remove(p);
        p.pointer = newInterface;
        p.entry.interfaces.add(p);
        notifyRegistrations(p.entry);
        if (hooks != null) {
            hooks.connect(handle);
        }
        return EfiStatus.SUCCESS;
    }

    /**
     * The interface of {@code protocol} on {@code handle}, or 0 when the handle (or the protocol on it) does not exist;
     * no open entry is made (firmware code reading its own database, not an {@code OpenProtocol}).
     */
    public long interfacePointer(long handle, Guid protocol) {
        ProtocolInterface p = isValid(handle) ? store.find(handle, protocol) : null;
        return p == null ? 0 : p.pointer;
    }

    /** {@code HandleProtocol()} (§7.3.7): {@code OpenProtocol(BY_HANDLE_PROTOCOL)} by the core image. */
    public InterfaceResult handleProtocol(long handle, Guid protocol) {
        return openProtocol(handle, protocol, coreImageHandle, 0, OpenAttributes.BY_HANDLE_PROTOCOL);
    }

    /**
     * {@code OpenProtocol()} (§7.3.9; EDK2 {@code CoreOpenProtocol}). Statuses: {@code EFI_INVALID_PARAMETER} for
     * a bad handle/agent/controller or attribute combination, {@code EFI_UNSUPPORTED} when the handle lacks the
     * protocol, {@code EFI_ALREADY_STARTED} when the same agent/controller already has it BY_DRIVER,
     * {@code EFI_ACCESS_DENIED} when it is held BY_DRIVER/EXCLUSIVE by another. A repeated identical non-exclusive
     * open increments the entry's open count.
     */
    public InterfaceResult openProtocol(long handle, Guid protocol, long agent, long controller, int attributes) {
        return openProtocol(handle, protocol, agent, controller, attributes, (h, a) -> EfiStatus.ACCESS_DENIED);
    }

    /**
     * Disconnects the driver {@code agent} from {@code controller} ({@code CoreDisconnectController(controller, agent,
     * NULL)}), for {@link #openProtocol(long, Guid, long, long, int, Disconnector)}.
     */
    @FunctionalInterface
    public interface Disconnector {
        EfiStatus disconnect(long controller, long agent);
    }

    /**
     * {@code OpenProtocol()} as {@link #openProtocol(long, Guid, long, long, int)}, where an EXCLUSIVE open of an
     * interface a driver holds BY_DRIVER first disconnects each holder through {@code disconnector} (EDK2
     * {@code CoreOpenProtocol}: any failure is {@code EFI_ACCESS_DENIED}). A holder whose entry a successful disconnect
     * left in place (a Stop that did not close what it opened, on which EDK2 would loop for ever) is
     * {@code EFI_ACCESS_DENIED} too.
     */
    public InterfaceResult openProtocol(long handle, Guid protocol, long agent, long controller, int attributes,
            Disconnector disconnector) {
        boolean writes = attributes != OpenAttributes.TEST_PROTOCOL;
        InterfaceResult invalid = new InterfaceResult(EfiStatus.INVALID_PARAMETER, 0, writes);
        if (!isValid(handle) || !OpenAttributes.isValid(attributes)) {
            return invalid;
        }
        switch (attributes) {
            case OpenAttributes.BY_CHILD_CONTROLLER -> {
                if (!isValid(agent) || !isValid(controller) || handle == controller) {
                    return invalid;
                }
            }
            case OpenAttributes.BY_DRIVER, OpenAttributes.BY_DRIVER | OpenAttributes.EXCLUSIVE -> {
                if (!isValid(agent) || !isValid(controller)) {
                    return invalid;
                }
            }
            case OpenAttributes.EXCLUSIVE -> {
                if (!isValid(agent)) {
                    return invalid;
                }
            }
            default -> {
            }
        }
        ProtocolInterface p = store.find(handle, protocol);
        if (p == null) {
            return new InterfaceResult(EfiStatus.UNSUPPORTED, 0, writes);
        }
        boolean byDriver = false;
        boolean exclusive = false;
        for (OpenData o : p.openList) {
            boolean exact = o.agent == agent && o.attributes == attributes && o.controller == controller;
            if ((o.attributes & OpenAttributes.BY_DRIVER) != 0) {
                byDriver = true;
                if (exact) {
                    return new InterfaceResult(EfiStatus.ALREADY_STARTED, p.pointer, writes);
                }
            }
            if ((o.attributes & OpenAttributes.EXCLUSIVE) != 0) {
                exclusive = true;
            } else if (exact) {
                o.openCount++;
                return new InterfaceResult(EfiStatus.SUCCESS, p.pointer, writes);
            }
        }
        boolean denied = switch (attributes) {
            case OpenAttributes.BY_DRIVER -> exclusive || byDriver;
            case OpenAttributes.BY_DRIVER | OpenAttributes.EXCLUSIVE, OpenAttributes.EXCLUSIVE -> exclusive;
            default -> false;
        };
        if (denied) {
            return new InterfaceResult(EfiStatus.ACCESS_DENIED, 0, writes);
        }
        if (byDriver && (attributes & OpenAttributes.EXCLUSIVE) != 0) {
            // CoreOpenProtocol: disconnect the BY_DRIVER holders one by one, re-reading the open list after each
            OpenData holder;
            while ((holder = firstByDriver(p)) != null) {
                EfiStatus s = disconnector.disconnect(handle, holder.agent);
                if (s.isError() || !isValid(handle) || store.find(handle, protocol) != p || p.openList.contains(holder)) {
                    return new InterfaceResult(EfiStatus.ACCESS_DENIED, 0, writes);
                }
            }
        }
        if (agent != 0) {
            p.openList.add(new OpenData(agent, controller, attributes));
        }
        return new InterfaceResult(EfiStatus.SUCCESS, p.pointer, writes);
    }

    private static OpenData firstByDriver(ProtocolInterface p) {
        for (OpenData o : p.openList) {
            if ((o.attributes & OpenAttributes.BY_DRIVER) != 0) {
                return o;
            }
        }
        return null;
    }

    /**
     * Every open entry on every protocol of {@code handle}, protocols in install order and each protocol's entries in
     * open order (the walk of EDK2's {@code CoreConnectController}/{@code CoreDisconnectController} over
     * {@code Handle->Protocols} and each {@code OpenList}); empty for an invalid handle.
     */
    public List<OpenProtocolEntry> openEntries(long handle) {
        Handle h = store.handles.get(handle);
        if (h == null) {
            return List.of();
        }
        List<OpenProtocolEntry> out = new ArrayList<>();
        for (ProtocolInterface p : h.protocols) {
            for (OpenData o : p.openList) {
                out.add(new OpenProtocolEntry(o.agent, o.controller, o.attributes, o.openCount));
            }
        }
        return out;
    }

    /** {@code CoreGetHandleDatabaseKey()}: raised each time a handle is created or a protocol is uninstalled from one. */
    public long databaseKey() {
        return store.databaseKey;
    }

    /** The handles created or modified after database key {@code key}, in creation order ({@code CoreConnectHandlesByKey}). */
    public List<Long> handlesModifiedAfter(long key) {
        return store.handles.values().stream().filter(h -> h.key > key).map(h -> h.value).toList();
    }

    /**
     * {@code CloseProtocol()} (§7.3.10): removes every open entry of (agent, controller); {@code EFI_NOT_FOUND}
     * when the handle lacks the protocol or no entry matches.
     */
    public EfiStatus closeProtocol(long handle, Guid protocol, long agent, long controller) {
        if (!isValid(handle) || !isValid(agent) || (controller != 0 && !isValid(controller))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        ProtocolInterface p = store.find(handle, protocol);
        if (p == null) {
            return EfiStatus.NOT_FOUND;
        }
        boolean removed = p.openList.removeIf(o -> o.agent == agent && o.controller == controller);
        return removed ? EfiStatus.SUCCESS : EfiStatus.NOT_FOUND;
    }

    /**
     * {@code OpenProtocolInformation()} (§7.3.11): the open entries in open order; an empty list when the handle
     * lacks the protocol, for which {@link #openProtocolInformationStatus} gives {@code EFI_NOT_FOUND}.
     */
    public List<OpenProtocolEntry> openProtocolInformation(long handle, Guid protocol) {
        ProtocolInterface p = store.find(handle, protocol);
        if (p == null) {
            return List.of();
        }
        return p.openList.stream()
                .map(o -> new OpenProtocolEntry(o.agent, o.controller, o.attributes, o.openCount)).toList();
    }

    /**
     * Appends an open entry as a real firmware's open list held it (a captured database, before the application runs;
     * {@link CapturedOpen}), after the entries the protocol already has, with its open count: what EDK2's
     * {@code CoreOpenProtocol} leaves when the firmware's drivers and core opened it. No attribute rule is checked (the
     * firmware made the entry); the handle must have the protocol.
     *
     * @throws IllegalArgumentException the handle does not have the protocol, or the count is below 1
     */
    public void restoreOpen(long handle, Guid protocol, long agent, long controller, int attributes, int count) {
        ProtocolInterface p = store.find(handle, protocol);
        if (p == null || count < 1) {
            throw new IllegalArgumentException(String.format("handle 0x%X: %s", handle, p == null
                    ? "has no " + protocol + " to restore an open entry on" : "open count " + count));
        }
        OpenData o = new OpenData(agent, controller, attributes);
        o.openCount = count;
        p.openList.add(o);
    }

    /**
     * True when some protocol of {@code controller} is open BY_DRIVER (UEFI 2.10 §7.3.9): a driver manages it, and
     * EDK2's {@code CoreDisconnectController} would call that driver's Stop.
     */
    public boolean isManagedByDriver(long controller) {
        Handle h = store.handles.get(controller);
        return h != null && h.protocols.stream().anyMatch(p -> p.openList.stream()
                .anyMatch(o -> (o.attributes & OpenAttributes.BY_DRIVER) != 0));
    }

    /**
     * Closes every open entry whose agent is {@code image}, on every handle: what EDK2's
     * {@code CoreUnloadAndCloseImage} does for an unloaded image (UEFI 2.10 §7.4.6).
     */
    public void closeOpensByAgent(long image) {
        for (Handle h : store.handles.values()) {
            for (ProtocolInterface p : h.protocols) {
                p.openList.removeIf(o -> o.agent == image);
            }
        }
    }

    /**
     * Removes a handle with all its protocols whatever their opens, and every open entry that names it as agent or
     * controller: a firmware driver's handle that the driver's Unload destroyed (its protocols uninstalled after the
     * driver closed what it had opened), for which efiemu has the captured outcome, not the driver.
     *
     * @return false when the handle is not in the database
     */
    public boolean removeHandle(long handle) {
        return removeProtocols(handle, g -> true);
    }

    /**
     * Removes the protocols of {@code handle} that {@code which} accepts, whatever their opens; with its last protocol
     * the handle goes too (EDK2 {@code CoreUninstallProtocolInterface}), and every open entry that names it as agent or
     * controller.
     *
     * @return false when the handle is not in the database
     */
    public boolean removeProtocols(long handle, java.util.function.Predicate<Guid> which) {
        Handle h = store.handles.get(handle);
        if (h == null) {
            return false;
        }
        for (ProtocolInterface p : List.copyOf(h.protocols)) {
            if (which.test(p.entry.guid)) {
                p.entry.remove(p);
                h.protocols.remove(p);
            }
        }
        if (h.protocols.isEmpty()) {
            store.handles.remove(handle);
            for (Handle other : store.handles.values()) {
                for (ProtocolInterface p : other.protocols) {
                    p.openList.removeIf(o -> o.agent == handle || o.controller == handle);
                }
            }
        }
        return true;
    }

    /** Status of {@link #openProtocolInformation}: {@code EFI_NOT_FOUND} when the handle lacks the protocol. */
    public EfiStatus openProtocolInformationStatus(long handle, Guid protocol) {
        return store.find(handle, protocol) == null ? EfiStatus.NOT_FOUND : EfiStatus.SUCCESS;
    }

    /**
     * {@code ProtocolsPerHandle()} (§7.3.14): the handle's protocol GUIDs in install order; empty for an invalid
     * handle (the ABI layer returns {@code EFI_INVALID_PARAMETER}).
     */
    public List<Guid> protocolsPerHandle(long handle) {
        Handle h = store.handles.get(handle);
        return h == null ? List.of() : h.protocols.stream().map(p -> p.entry.guid).toList();
    }

    /**
     * {@code RegisterProtocolNotify()} (§7.3.5): {@code event} is signalled on every later install or reinstall
     * of {@code protocol}; returns the registration key for {@code LocateHandle(ByRegisterNotify)} and
     * {@code LocateProtocol}. Event 0 is {@code EFI_INVALID_PARAMETER}.
     */
    public HandleResult registerProtocolNotify(Guid protocol, long event) {
        if (protocol == null || event == 0) {
            return new HandleResult(EfiStatus.INVALID_PARAMETER, 0);
        }
        long key = keyValues.getAsLong();
        if (key == 0 || store.registrations.containsKey(key) || store.handles.containsKey(key)) {
            throw new IllegalStateException(String.format(
                    "registration allocator returned 0x%X, which is zero or already in use", key));
        }
        ProtocolEntry entry = store.entry(protocol, true);
        ProtocolNotify n = new ProtocolNotify(key, entry, event);
        entry.notifies.add(n);
        store.registrations.put(key, n);
        return new HandleResult(EfiStatus.SUCCESS, key);
    }

    /** Removes every registration of {@code event} (EDK2 {@code CoreUnregisterProtocolNotify}, run by CloseEvent). */
    public void unregisterProtocolNotify(long event) {
        store.registrations.values().removeIf(n -> {
            if (n.event == event) {
                n.entry.notifies.remove(n);
                return true;
            }
            return false;
        });
    }

    private void notifyRegistrations(ProtocolEntry entry) {
        for (ProtocolNotify n : List.copyOf(entry.notifies)) {
            signalEvent.accept(n.event);
        }
    }

    /**
     * Puts the database in a real firmware's order (a captured handle database, before the application runs): the
     * handle list in {@code handleOrder} (handles it does not name follow in their creation order), each handle's
     * protocols in {@code protocolOrder}'s order for it (protocols it does not name follow in install order), and
     * each protocol's interface list by handle position, so LocateHandle(ByProtocol) and LocateProtocol find them in
     * handle order (EDK2 appends interfaces as drivers install them, which on OVMF's boot follows handle creation
     * for the handles a loader looks up).
     *
     * @throws IllegalArgumentException a handle named that is not in the database or named twice
     */
    public void arrange(List<Long> handleOrder, Map<Long, List<Guid>> protocolOrder) {
        java.util.LinkedHashMap<Long, Handle> ordered = new java.util.LinkedHashMap<>();
        for (long h : handleOrder) {
            Handle handle = store.handles.get(h);
            if (handle == null || ordered.containsKey(h)) {
                throw new IllegalArgumentException(String.format("handle 0x%X: %s", h, handle == null
                        ? "not in the database" : "named twice"));
            }
            ordered.put(h, handle);
        }
        store.handles.forEach(ordered::putIfAbsent);
        store.handles.clear();
        store.handles.putAll(ordered);
        Map<Handle, Integer> position = new java.util.IdentityHashMap<>();
        for (Handle h : store.handles.values()) {
            position.put(h, position.size());
            List<Guid> order = protocolOrder.getOrDefault(h.value, List.of());
            h.protocols.sort(java.util.Comparator.comparingInt(p -> {
                int i = order.indexOf(p.entry.guid);
                return i < 0 ? Integer.MAX_VALUE : i;
            }));
        }
        for (ProtocolEntry e : store.protocols.values()) {
            e.interfaces.sort(java.util.Comparator.comparingInt(p -> position.get(p.handle)));
        }
    }

    /**
     * Puts one protocol's interface list (the order LocateHandle(ByProtocol) and LocateProtocol use, UEFI 2.10
     * §7.3.12; EDK2 appends an interface to its protocol entry when it is installed) in a captured firmware's order:
     * the interfaces on {@code handleOrder}'s handles take the places those interfaces hold, in {@code handleOrder}'s
     * order; the others keep theirs. Handles named that do not have the protocol are ignored.
     */
    public void arrangeProtocol(Guid protocol, List<Long> handleOrder) {
        ProtocolEntry e = store.protocols.get(protocol);
        if (e == null) {
            return;
        }
        List<Integer> slots = new java.util.ArrayList<>();
        List<ProtocolStore.ProtocolInterface> named = new java.util.ArrayList<>();
        for (int i = 0; i < e.interfaces.size(); i++) {
            if (handleOrder.contains(e.interfaces.get(i).handle.value)) {
                slots.add(i);
                named.add(e.interfaces.get(i));
            }
        }
        named.sort(java.util.Comparator.comparingInt(p -> handleOrder.indexOf(p.handle.value)));
        for (int k = 0; k < slots.size(); k++) {
            e.interfaces.set(slots.get(k), named.get(k));
        }
    }

    /** {@code LocateHandle()}; see {@link HandleLocator#locateHandle}. */
    public LocateResult locateHandle(LocateSearchType type, Guid protocol, long searchKey, long bufferSize) {
        return locator.locateHandle(type, protocol, searchKey, bufferSize);
    }

    /** {@code LocateHandleBuffer()}; see {@link HandleLocator#locateHandleBuffer}. */
    public LocateResult locateHandleBuffer(LocateSearchType type, Guid protocol, long searchKey) {
        return locator.locateHandleBuffer(type, protocol, searchKey);
    }

    /** {@code LocateProtocol()}; see {@link HandleLocator#locateProtocol}. */
    public InterfaceResult locateProtocol(Guid protocol, long registration) {
        return locator.locateProtocol(protocol, registration);
    }

    /** {@code LocateDevicePath()}; see {@link HandleLocator#locateDevicePath}. */
    public DevicePathMatch locateDevicePath(Guid protocol, byte[] devicePath) {
        return locator.locateDevicePath(protocol, devicePath);
    }
}
