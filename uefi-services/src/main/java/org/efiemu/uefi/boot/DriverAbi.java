package org.efiemu.uefi.boot;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import org.efiemu.uefi.handle.DriverSupport;
import org.efiemu.uefi.handle.DriverSupport.Binding;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.LocateSearchType;
import org.efiemu.uefi.handle.OpenAttributes;
import org.efiemu.uefi.image.ImageRegistry;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The UEFI driver model for drivers that are guest code (UEFI 2.10 §7.3.12 ConnectController, §7.3.13
 * DisconnectController, §7.3.9 OpenProtocol EXCLUSIVE, §11.1 EFI Driver Binding Protocol): the ABI adapters of
 * ConnectController and DisconnectController, and the {@link DriverSupport.DriverCalls} that run a driver's
 * {@code Supported}, {@code Start} and {@code Stop} (and the override protocols' {@code GetDriver}/{@code GetVersion})
 * in the guest through the calling service's {@link org.efiemu.core.gate.CallContext#callGuest}. Each such call is one
 * line of the service's trace entry ({@code DriverBinding.Start(This, Controller, RemainingDevicePath) of drv.efi:
 * EFI_SUCCESS}); the services the driver calls meanwhile are traced as their own entries.
 *
 * <p>A driver binding takes part when its {@code Supported}, {@code Start} and {@code Stop} lie in an image efiemu
 * loaded (the booted application, or one it loaded with LoadImage): a captured firmware's driver bindings (a profile's
 * handles, with no code) do not, and keep the behaviour documented for them (nothing is connected, Stop not run).
 */
public final class DriverAbi {
    /** GetDriver calls made for one override protocol before giving up on one that never fails. */
    private static final int MAX_OVERRIDES = 256;

    private final org.efiemu.core.memory.GuestMemory memory;
    private final HandleDatabase handles;
    private final ImageRegistry registry;
    private final LongUnaryOperator pool;
    private final LongConsumer freePool;
    private final DriverSupport model;
    /** The firmware drivers efiemu runs in Java, by the handle their driver binding is on (insertion order). */
    private final java.util.Map<Long, DriverSupport.BuiltInDriver> builtIns = new java.util.LinkedHashMap<>();

    /**
     * @param pool allocates an EfiBootServicesData pool block (the Stop child buffer, the GetDriver handle)
     * @param freePool frees it
     */
    public DriverAbi(org.efiemu.core.memory.GuestMemory memory, HandleDatabase handles, ImageRegistry registry,
            LongUnaryOperator pool, LongConsumer freePool) {
        this.memory = memory;
        this.handles = handles;
        this.registry = registry;
        this.pool = pool;
        this.freePool = freePool;
        this.model = new DriverSupport(handles);
    }

    /**
     * Adds a firmware driver whose Supported/Start (and Stop, when modelled) efiemu runs in Java (EDK2's PartitionDxe
     * and FAT driver over efiemu's disks); its handle must have {@code EFI_DRIVER_BINDING_PROTOCOL}.
     */
    public void builtIn(DriverSupport.BuiltInDriver driver) {
        builtIns.put(driver.handle(), driver);
    }

    /** True when some firmware driver is run in Java ({@link #builtIn}). */
    public boolean hasBuiltIns() {
        return !builtIns.isEmpty();
    }

    /** The image holding guest code at {@code address}, if efiemu loaded one there. */
    private Optional<LoadedImage> code(long address) {
        return address == 0 ? Optional.empty() : registry.imageAt(address);
    }

    /** The interface of {@code protocol} on {@code handle} without recording an open, or 0. */
    private long interfaceOf(long handle, Guid protocol) {
        var r = handles.openProtocol(handle, protocol, 0, 0, OpenAttributes.GET_PROTOCOL);
        return r.status().isError() ? 0 : r.interfacePointer();
    }

    /** Reads the driver binding on {@code handle} when its functions are code efiemu loaded. */
    private Binding binding(org.efiemu.core.memory.GuestMemory memory, long handle) {
        long p = interfaceOf(handle, Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID);
        if (p == 0 || !memory.isRam(p, Binding.SIZE)) {
            return null;
        }
        long supported = memory.u64(p + Binding.SUPPORTED);
        long start = memory.u64(p + Binding.START);
        long stop = memory.u64(p + Binding.STOP);
        Optional<LoadedImage> image = code(supported);
        if (image.isEmpty() || code(start).isEmpty() || code(stop).isEmpty()) {
            return null;
        }
        return new Binding(handle, p, supported, start, stop, memory.u32(p + Binding.VERSION),
                memory.u64(p + Binding.IMAGE_HANDLE), memory.u64(p + Binding.DRIVER_BINDING_HANDLE), image.get().name());
    }

    /**
     * True when some handle has a driver binding whose code efiemu holds: only then can ConnectController,
     * DisconnectController or an EXCLUSIVE OpenProtocol run guest code (each service's guest-need predicate).
     */
    public boolean hasGuestBindings() {
        for (long h : handles.locateHandleBuffer(LocateSearchType.ByProtocol, Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID, 0)
                .handles()) {
            if (binding(memory, h) != null) {
                return true;
            }
        }
        return false;
    }

    private static EfiStatus status(long raw) {
        return EfiStatus.of(raw).orElse(raw < 0 ? EfiStatus.DEVICE_ERROR : EfiStatus.SUCCESS);
    }

    /** The driver calls of one service call {@code c}: guest functions run through its continuation. */
    DriverSupport.DriverCalls calls(ServiceCall c) {
        return new DriverSupport.DriverCalls() {
            @Override
            public Binding binding(long handle) {
                DriverSupport.BuiltInDriver d = builtIns.get(handle);
                if (d != null) {
                    long p = interfaceOf(handle, Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID);
                    return p == 0 ? null : new Binding(handle, p, 0, 0, 0, d.version(), handle, handle, d.name());
                }
                return DriverAbi.this.binding(c.memory(), handle);
            }

            @Override
            public boolean stoppable(Binding b) {
                DriverSupport.BuiltInDriver d = builtIn(b);
                return d == null || d.stoppable();
            }

            private DriverSupport.BuiltInDriver builtIn(Binding b) {
                return b.supported() == 0 ? builtIns.get(b.handle()) : null;
            }

            /**
             * A built-in driver's function, shown as a guest driver's is: its line in call order (reserved before it
             * runs, its status filled in when it returns), what it makes happen meanwhile nested under it.
             */
            private EfiStatus shown(String what, Binding b, long controller, String third,
                    java.util.function.Supplier<EfiStatus> function) {
                int place = c.reserveOutput();
                int nesting = c.nesting();
                String status = "did not return";
                try {
                    EfiStatus s = c.nest(function);
                    status = s.specName();
                    return s;
                } finally {
                    c.outputAt(place, nesting, "DriverBinding." + what + "(" + hex(b.pointer()) + ", " + hex(controller)
                            + ", " + third + ") of " + b.driverName() + ": " + status);
                }
            }

            private EfiStatus call(String what, Binding b, long fn, long controller, long third, long... more) {
                long[] args = new long[3 + more.length];
                args[0] = b.pointer();
                args[1] = controller;
                args[2] = third;
                System.arraycopy(more, 0, args, 3, more.length);
                int place = c.reserveOutput();
                int nesting = c.nesting();
                String status = "did not return";
                try {
                    long raw = c.nest(() -> c.context().callGuest(fn, args));
                    status = EfiStatus.nameOf(raw);
                    return status(raw);
                } finally {
                    StringBuilder shown = new StringBuilder("DriverBinding." + what + "(" + hex(b.pointer()) + ", "
                            + hex(controller) + ", " + (more.length == 0 ? ptr(third) : Long.toString(third)));
                    for (long m : more) {
                        shown.append(", ").append(ptr(m));
                    }
                    c.outputAt(place, nesting, shown.append(") of ").append(b.driverName()).append(": ").append(status)
                            .toString());
                }
            }

            @Override
            public EfiStatus supported(Binding b, long controller, long remaining) {
                DriverSupport.BuiltInDriver d = builtIn(b);
                if (d != null) {
                    return shown("Supported", b, controller, ptr(remaining), () -> d.supported(controller, remaining));
                }
                return call("Supported", b, b.supported(), controller, remaining);
            }

            @Override
            public EfiStatus start(Binding b, long controller, long remaining) {
                DriverSupport.BuiltInDriver d = builtIn(b);
                if (d != null) {
                    return shown("Start", b, controller, ptr(remaining), () -> d.start(controller, remaining));
                }
                return call("Start", b, b.start(), controller, remaining);
            }

            @Override
            public EfiStatus stop(Binding b, long controller, List<Long> children) {
                DriverSupport.BuiltInDriver d = builtIn(b);
                if (d != null) {
                    return shown("Stop", b, controller, children.size() + ", " + children.stream().map(ServiceCall::hex)
                            .toList(), () -> {
                                EfiStatus s = d.stop(controller, children, driverHooks(c));
                                return s == null ? EfiStatus.UNSUPPORTED : s;
                            });
                }
                if (children.isEmpty()) {
                    return call("Stop", b, b.stop(), controller, 0, 0);
                }
                long buffer = pool.applyAsLong(8L * children.size());
                try {
                    for (int i = 0; i < children.size(); i++) {
                        c.memory().putU64(buffer + 8L * i, children.get(i));
                    }
                    return call("Stop", b, b.stop(), controller, children.size(), buffer);
                } finally {
                    freePool.accept(buffer);
                }
            }

            /** The handles an override protocol's {@code GetDriver} gives until it fails (EDK2's do-while). */
            private List<Long> overrides(String name, long iface, long getDriver, Long controller) {
                List<Long> out = new ArrayList<>();
                long slot = pool.applyAsLong(8);
                try {
                    c.memory().putU64(slot, 0);
                    for (int i = 0; i < MAX_OVERRIDES; i++) {
                        long raw = controller != null ? c.context().callGuest(getDriver, iface, controller, slot)
                                : c.context().callGuest(getDriver, iface, slot);
                        long image = c.memory().u64(slot);
                        c.output(name + ".GetDriver(" + hex(iface) + (controller != null ? ", " + hex(controller) : "")
                                + ") = " + hex(image) + ": " + EfiStatus.nameOf(raw));
                        if (status(raw).isError()) {
                            return out;
                        }
                        out.add(image);
                    }
                    c.output(name + ".GetDriver never failed: stopped after " + MAX_OVERRIDES + " handles");
                    return out;
                } finally {
                    freePool.accept(slot);
                }
            }

            @Override
            public List<Long> platformOverrides(long controller) {
                var r = handles.locateProtocol(Guid.EFI_PLATFORM_DRIVER_OVERRIDE_PROTOCOL_GUID, 0);
                long iface = r.status().isError() ? 0 : r.interfacePointer();
                if (iface == 0 || !c.isRam(iface, 8) || code(c.memory().u64(iface)).isEmpty()) {
                    return List.of();
                }
                return overrides("PlatformDriverOverride", iface, c.memory().u64(iface), controller);
            }

            @Override
            public List<Long> busSpecificOverrides(long controller) {
                long iface = interfaceOf(controller, Guid.EFI_BUS_SPECIFIC_DRIVER_OVERRIDE_PROTOCOL_GUID);
                if (iface == 0 || !c.isRam(iface, 8) || code(c.memory().u64(iface)).isEmpty()) {
                    return List.of();
                }
                return overrides("BusSpecificDriverOverride", iface, c.memory().u64(iface), null);
            }

            @Override
            public OptionalLong familyOverrideVersion(long handle) {
                long iface = interfaceOf(handle, Guid.EFI_DRIVER_FAMILY_OVERRIDE_PROTOCOL_GUID);
                if (iface == 0 || !c.isRam(iface, 8) || code(c.memory().u64(iface)).isEmpty()) {
                    return OptionalLong.empty();
                }
                long v = c.context().callGuest(c.memory().u64(iface), iface) & 0xFFFF_FFFFL;
                c.output("DriverFamilyOverride.GetVersion(" + hex(iface) + ") = " + hex(v));
                return OptionalLong.of(v);
            }

            @Override
            public boolean anyFamilyOverride() {
                return !handles.locateHandleBuffer(LocateSearchType.ByProtocol,
                        Guid.EFI_DRIVER_FAMILY_OVERRIDE_PROTOCOL_GUID, 0).handles().isEmpty();
            }
        };
    }

    /**
     * {@code ConnectController(ControllerHandle, *DriverImageHandle, *RemainingDevicePath, Recursive)} (UEFI 2.10
     * §7.3.12; EDK2 {@code CoreConnectController}): an invalid controller is EFI_INVALID_PARAMETER; with no driver
     * binding whose code efiemu holds, EFI_NOT_FOUND; else the drivers in EDK2's order (the DriverImageHandle list,
     * the platform, family and bus-specific overrides, then the rest by Version, highest first) get Supported and, when
     * it succeeds, Start, until no more start; Recursive connects the children opened BY_CHILD_CONTROLLER.
     */
    public EfiStatus connectController(ServiceCall c) {
        long controller = c.arg(0);
        long list = c.arg(1);
        long remaining = c.arg(2);
        boolean recursive = (c.arg(3) & 0xFF) != 0;
        c.arguments(ptr(controller), ptr(list), ptr(remaining), c.arg(3) & 0xFF);
        if (!handles.isValid(controller)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (!hasGuestBindings() && builtIns.isEmpty()) {
            c.output("no driver binding is installed");
            return EfiStatus.NOT_FOUND;
        }
        List<Long> images = null;
        if (list != 0) {
            images = new ArrayList<>();
            for (long at = list; ; at += 8) {
                if (!c.isRam(at, 8) || images.size() > 4096) {
                    c.output("DriverImageHandle " + hex(list) + " is not a NULL-terminated handle list in RAM");
                    return EfiStatus.INVALID_PARAMETER;
                }
                long h = c.memory().u64(at);
                if (h == 0) {
                    break;
                }
                images.add(h);
            }
        }
        boolean remainingIsEnd = false;
        byte[] remainingBytes = null;
        if (remaining != 0) {
            remainingBytes = org.efiemu.uefi.DevicePaths.read(c.memory(), remaining);
            if (remainingBytes == null) {
                c.output("RemainingDevicePath " + hex(remaining) + " is not a well-formed device path in RAM");
                return EfiStatus.INVALID_PARAMETER;
            }
            remainingIsEnd = c.memory().u8(remaining) == 0x7F && c.memory().u8(remaining + 1) == 0xFF;
        }
        // CoreConnectController: the drivers get an aligned copy of RemainingDevicePath (DuplicateDevicePath, pool),
        // freed when the connect is done; the Recursive connects of the children pass NULL
        long aligned = 0;
        if (remainingBytes != null) {
            aligned = pool.applyAsLong(remainingBytes.length);
            c.memory().write(aligned, remainingBytes);
        }
        try {
            DriverSupport.Outcome o = model.connectController(controller, images, aligned, remainingIsEnd, recursive,
                    calls(c));
            o.notes().forEach(c::output);
            return o.status();
        } finally {
            if (aligned != 0) {
                freePool.accept(aligned);
            }
        }
    }

    /**
     * {@code DisconnectController(ControllerHandle, DriverImageHandle, ChildHandle)} (UEFI 2.10 §7.3.13; EDK2
     * {@code CoreDisconnectController}): the managing drivers' Stop, children first, for guest drivers and the
     * firmware drivers efiemu runs in Java (DiskIoDxe, PartitionDxe, Fat); a captured firmware's other drivers are not
     * run (EFI_SUCCESS, nothing disconnected, as before the driver model).
     */
    public EfiStatus disconnectController(ServiceCall c) {
        long controller = c.arg(0);
        long driver = c.arg(1);
        long child = c.arg(2);
        c.arguments(ptr(controller), ptr(driver), ptr(child));
        if (!handles.isValid(controller) || (driver != 0 && !handles.isValid(driver))
                || (child != 0 && !handles.isValid(child))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (!hasGuestBindings() && builtIns.isEmpty()) {
            if (handles.isManagedByDriver(controller)) {
                // a captured firmware's driver holds the controller BY_DRIVER: EDK2 would call its Stop
                c.output("a captured firmware driver manages this controller; its Stop is not run (efiemu holds none of"
                        + " its code): nothing is disconnected");
            }
            return EfiStatus.SUCCESS;
        }
        DriverSupport.Outcome o = model.disconnectController(controller, driver, child, calls(c));
        o.notes().forEach(c::output);
        return o.status();
    }

    /** The disconnect an EXCLUSIVE OpenProtocol of call {@code c} makes of a driver holding the interface. */
    HandleDatabase.Disconnector exclusiveDisconnector(ServiceCall c) {
        return (controller, agent) -> {
            List<String> notes = new ArrayList<>();
            c.output("DisconnectController(" + hex(controller) + ", " + hex(agent) + ", NULL) of a BY_DRIVER holder");
            // the Stops it makes are nested under its line
            return c.nest(() -> {
                EfiStatus s = model.disconnectForExclusiveOpen(controller, agent, calls(c), notes);
                notes.forEach(c::output);
                return s;
            });
        };
    }

    /**
     * The driver model for UninstallProtocolInterface and ReinstallProtocolInterface of call {@code c} (EDK2
     * {@code CoreDisconnectControllersUsingProtocolInterface} and the reconnect), or null when no driver binding holds
     * guest code (those services then answer as before the driver model).
     */
    HandleDatabase.DriverHooks hooks(ServiceCall c) {
        if (!hasGuestBindings()) {
            return null;
        }
        return driverHooks(c);
    }

    /**
     * The driver model's hooks for the uninstalls of call {@code c}, guest drivers or not: what a built-in driver's
     * Stop uses (its uninstalls disconnect the drivers holding the interfaces, EDK2
     * {@code CoreDisconnectControllersUsingProtocolInterface}).
     */
    private HandleDatabase.DriverHooks driverHooks(ServiceCall c) {
        HandleDatabase.Disconnector disconnect = exclusiveDisconnector(c);
        return new HandleDatabase.DriverHooks() {
            @Override
            public EfiStatus disconnect(long controller, long agent) {
                return disconnect.disconnect(controller, agent);
            }

            @Override
            public void connect(long handle) {
                DriverSupport.Outcome o = model.connectController(handle, null, 0, false, true, calls(c));
                o.notes().forEach(c::output);
                c.output("ConnectController(" + hex(handle) + ", NULL, NULL, TRUE): " + o.status().specName());
            }
        };
    }

    /**
     * {@code CoreConnectHandlesByKey}: after a driver's entry point returns, StartImage connects (Recursive) every
     * handle created or modified since {@code key} (UEFI 2.10 §7.4.2: "StartImage() must monitor the handle database").
     */
    void connectHandlesByKey(ServiceCall c, long key) {
        if (!hasGuestBindings()) {
            return;
        }
        for (long h : handles.handlesModifiedAfter(key)) {
            DriverSupport.Outcome o = model.connectController(h, null, 0, false, true, calls(c));
            o.notes().forEach(c::output);
            c.output("ConnectController(" + hex(h) + ", NULL, NULL, TRUE) after the driver's entry point: "
                    + o.status().specName());
        }
    }
}
