package org.efiemu.uefi.boot;

import static org.efiemu.uefi.boot.BootService.*;
import static org.efiemu.uefi.runtime.RuntimeService.*;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.efiemu.core.gate.CallContext;
import org.efiemu.uefi.runtime.RuntimeService;

/**
 * THE place where Boot Services and Runtime Services slots are bound to their ABI adapters: one line per implemented
 * slot. A slot without a line is unimplemented: it returns {@code EFI_UNSUPPORTED} and is recorded (see
 * {@link ServiceDispatcher}). {@link #serviceStatus()} lists every slot, implemented or not, for docs/services.md.
 */
public final class ServiceBindings {
    /** An adapter method of some {@link Adapters} component. */
    @FunctionalInterface
    interface Binding {
        ServiceHandler of(Adapters a);
    }

    /**
     * When a call of a service that may run guest code really may (evaluated on the emulation thread before each
     * call; see {@link org.efiemu.core.gate.CallGate#registerCallingGuest(String, int,
     * org.efiemu.core.gate.HostFunction, Predicate)}): a call for which it is false runs inline, without a
     * continuation thread. It must be conservative: a notification that becomes due in an inlined call is not run
     * and is recorded as a violation by {@link GuestCallbacks}.
     */
    @FunctionalInterface
    interface GuestNeed {
        Predicate<CallContext> of(Adapters a);
    }

    /** Every call may run guest code (StartImage runs the child's entry point, UnloadImage its Unload function). */
    private static final GuestNeed ALWAYS = a -> ctx -> true;
    /** A signal, a timer, a group, a protocol notification or a TPL drop can only run EVT_NOTIFY_SIGNAL functions. */
    private static final GuestNeed SIGNAL_NOTIFY = a -> ctx -> a.events().service().maySignalNotify();
    /**
     * A tick pending since the caller's cli, or one inside the call's fixed cost with a timer due at it, is taken in the
     * service's lock release, and an EVT_NOTIFY_SIGNAL function may run there ({@link EventAbi#releaseMayNotify()}).
     */
    private static final GuestNeed RELEASE_NOTIFY = a -> ctx -> a.events().releaseMayNotify();
    /** A driver binding whose code efiemu holds is installed: its Supported, Start or Stop may run. */
    private static final GuestNeed DRIVERS = a -> ctx -> a.handles().drivers().hasGuestBindings();

    private static GuestNeed either(GuestNeed x, GuestNeed y) {
        return a -> {
            Predicate<CallContext> px = x.of(a);
            Predicate<CallContext> py = y.of(a);
            return ctx -> px.test(ctx) || py.test(ctx);
        };
    }

    /** Whether OpenProtocol's Attributes (argument 6, on the stack) ask for EXCLUSIVE; true when it cannot be read. */
    private static boolean exclusive(CallContext ctx) {
        try {
            return (ctx.arg(5) & org.efiemu.uefi.handle.OpenAttributes.EXCLUSIVE) != 0;
        } catch (RuntimeException unreadable) {
            return true;
        }
    }

    private static final Map<BootService, Binding> BOOT = new EnumMap<>(BootService.class);
    private static final Map<RuntimeService, Binding> RUNTIME = new EnumMap<>(RuntimeService.class);
    /** Boot Services that may run guest code (event notification functions, child images) before returning. */
    private static final Map<BootService, GuestNeed> CALLS_GUEST = new EnumMap<>(BootService.class);
    private static final Map<RuntimeService, GuestNeed> RUNTIME_CALLS_GUEST = new EnumMap<>(RuntimeService.class);
    /** Whether a slot returns with RFLAGS.IF set, having released a lock (absent: {@link LockRelease#NONE}). */
    private static final Map<BootService, LockRelease> BOOT_LOCKS = new EnumMap<>(BootService.class);
    private static final Map<RuntimeService, LockRelease> RUNTIME_LOCKS = new EnumMap<>(RuntimeService.class);

    static {
        // Task Priority Services (§7.1)
        boot(RAISE_TPL, a -> a.events()::raiseTpl);
        bootCallingGuest(RESTORE_TPL, a -> a.events()::restoreTpl, SIGNAL_NOTIFY);
        // Memory Services (§7.2)
        boot(ALLOCATE_PAGES, a -> a.memory()::allocatePages);
        boot(FREE_PAGES, a -> a.memory()::freePages);
        boot(GET_MEMORY_MAP, a -> a.memory()::getMemoryMap);
        boot(ALLOCATE_POOL, a -> a.memory()::allocatePool);
        boot(FREE_POOL, a -> a.memory()::freePool);
        // Event & Timer Services (§7.1)
        // (CreateEvent, CloseEvent: a tick pending or inside the call's cost is taken in the event lock's release)
        bootCallingGuest(CREATE_EVENT, a -> a.events()::createEvent, RELEASE_NOTIFY);
        bootCallingGuest(SET_TIMER, a -> a.events()::setTimer, SIGNAL_NOTIFY);
        bootCallingGuest(WAIT_FOR_EVENT, a -> a.events()::waitForEvent,
                a -> ctx -> a.events().service().mayNotifyOnWait());
        bootCallingGuest(SIGNAL_EVENT, a -> a.events()::signalEvent, SIGNAL_NOTIFY);
        bootCallingGuest(CLOSE_EVENT, a -> a.events()::closeEvent, RELEASE_NOTIFY);
        bootCallingGuest(CHECK_EVENT, a -> a.events()::checkEvent,
                a -> ctx -> a.events().service().mayNotifyOnCheck(ctx.arg(0)));
        // Protocol Handler Services (§7.3)
        // (a protocol notification signals the registered event: only its notification function is guest code)
        bootCallingGuest(INSTALL_PROTOCOL_INTERFACE, a -> a.handles()::installProtocolInterface, SIGNAL_NOTIFY);
        // (and with a driver that is guest code, the drivers holding the interface are stopped and started again)
        bootCallingGuest(REINSTALL_PROTOCOL_INTERFACE, a -> a.handles()::reinstallProtocolInterface,
                either(SIGNAL_NOTIFY, DRIVERS));
        bootCallingGuest(UNINSTALL_PROTOCOL_INTERFACE, a -> a.handles()::uninstallProtocolInterface, DRIVERS);
        boot(HANDLE_PROTOCOL, a -> a.protocols()::handleProtocol);
        boot(REGISTER_PROTOCOL_NOTIFY, a -> a.handles()::registerProtocolNotify);
        boot(LOCATE_HANDLE, a -> a.handles()::locateHandle);
        boot(LOCATE_DEVICE_PATH, a -> a.handles()::locateDevicePath);
        boot(INSTALL_CONFIGURATION_TABLE, a -> a.misc()::installConfigurationTable);
        // (an EXCLUSIVE open of an interface a driver holds BY_DRIVER runs that driver's Stop)
        bootCallingGuest(OPEN_PROTOCOL, a -> a.protocols()::openProtocol, a -> ctx -> exclusive(ctx)
                && a.handles().drivers().hasGuestBindings());
        boot(CLOSE_PROTOCOL, a -> a.protocols()::closeProtocol);
        boot(OPEN_PROTOCOL_INFORMATION, a -> a.handles()::openProtocolInformation);
        boot(PROTOCOLS_PER_HANDLE, a -> a.handles()::protocolsPerHandle);
        boot(LOCATE_HANDLE_BUFFER, a -> a.handles()::locateHandleBuffer);
        boot(LOCATE_PROTOCOL, a -> a.protocols()::locateProtocol);
        bootCallingGuest(INSTALL_MULTIPLE_PROTOCOL_INTERFACES, a -> a.handles()::installMultipleProtocolInterfaces,
                SIGNAL_NOTIFY);
        bootCallingGuest(UNINSTALL_MULTIPLE_PROTOCOL_INTERFACES, a -> a.handles()::uninstallMultipleProtocolInterfaces,
                either(SIGNAL_NOTIFY, DRIVERS));
        // DriverSupport Services (§7.3)
        // (the drivers' Supported, Start and Stop run in the guest: only when a driver binding holds guest code)
        bootCallingGuest(CONNECT_CONTROLLER, a -> a.handles()::connectController, DRIVERS);
        bootCallingGuest(DISCONNECT_CONTROLLER, a -> a.handles()::disconnectController, DRIVERS);
        // Image Services (§7.4)
        // (LoadImage installs the child's LoadedImage protocol: protocol notifications; and reads a file through a
        // Simple File System whose code is the guest's, a file-system driver's)
        bootCallingGuest(LOAD_IMAGE, a -> a.images()::loadImage,
                either(SIGNAL_NOTIFY, a -> ctx -> a.images().mayReadGuestFileSystem()));
        bootCallingGuest(START_IMAGE, a -> a.images()::startImage, ALWAYS);
        boot(EXIT, a -> a.images()::exit);
        bootCallingGuest(UNLOAD_IMAGE, a -> a.images()::unloadImage, ALWAYS);
        // (the EFI_EVENT_GROUP_BEFORE_EXIT_BOOT_SERVICES and EXIT_BOOT_SERVICES groups: EVT_NOTIFY_SIGNAL members)
        bootCallingGuest(EXIT_BOOT_SERVICES, a -> a.events()::exitBootServices, SIGNAL_NOTIFY);
        // Miscellaneous Services (§7.5)
        boot(GET_NEXT_MONOTONIC_COUNT, a -> a.misc()::getNextMonotonicCount);
        bootCallingGuest(STALL, a -> a.events()::stall, SIGNAL_NOTIFY);
        boot(SET_WATCHDOG_TIMER, a -> a.misc()::setWatchdogTimer);
        boot(CALCULATE_CRC32, a -> a.misc()::calculateCrc32);
        boot(COPY_MEM, a -> a.misc()::copyMem);
        boot(SET_MEM, a -> a.misc()::setMem);
        bootCallingGuest(CREATE_EVENT_EX, a -> a.events()::createEventEx, SIGNAL_NOTIFY);
        // Runtime Services (§8)
        runtime(GET_TIME, a -> a.time()::getTime);
        runtime(SET_TIME, a -> a.time()::setTime);
        runtime(GET_WAKEUP_TIME, a -> a.time()::getWakeupTime);
        runtime(SET_WAKEUP_TIME, a -> a.time()::setWakeupTime);
        runtimeCallingGuest(SET_VIRTUAL_ADDRESS_MAP, a -> a.virtualMemory()::setVirtualAddressMap, SIGNAL_NOTIFY);
        runtime(CONVERT_POINTER, a -> a.virtualMemory()::convertPointer);
        runtime(GET_VARIABLE, a -> a.variables()::getVariable);
        runtime(GET_NEXT_VARIABLE_NAME, a -> a.variables()::getNextVariableName);
        runtime(SET_VARIABLE, a -> a.variables()::setVariable);
        runtime(GET_NEXT_HIGH_MONOTONIC_COUNT, a -> a.runtime()::getNextHighMonotonicCount);
        runtime(RESET_SYSTEM, a -> a.runtime()::resetSystem);
        runtime(UPDATE_CAPSULE, a -> a.virtualMemory()::updateCapsule);
        runtime(QUERY_CAPSULE_CAPABILITIES, a -> a.virtualMemory()::queryCapsuleCapabilities);
        runtime(QUERY_VARIABLE_INFO, a -> a.variables()::queryVariableInfo);

        // Which services return with RFLAGS.IF set (a lock taken and released: EDK2 CoreRestoreTpl's STI below
        // TPL_HIGH_LEVEL), from EDK2's DxeMain and OVMF's drivers, measured on OVMF 2022.11 (timer-tick "if-services").
        // Not listed: no lock (CalculateCrc32, CopyMem, SetMem, Stall; ResetSystem does not return; the capsule
        // services; SetVirtualAddressMap and ConvertPointer run after ExitBootServices, where no STI is done).
        // The event and TPL services set IF themselves where EDK2 releases the lock, before their own work.
        locks(LockRelease.BY_ADAPTER, RAISE_TPL, RESTORE_TPL, CREATE_EVENT, SET_TIMER, WAIT_FOR_EVENT, SIGNAL_EVENT,
                CLOSE_EVENT, CHECK_EVENT, CREATE_EVENT_EX, EXIT_BOOT_SERVICES);
        // gMemoryLock after the argument checks (Page.c, Pool.c)
        locks(LockRelease.AFTER_ARGUMENT_CHECKS, ALLOCATE_PAGES, FREE_PAGES, GET_MEMORY_MAP, ALLOCATE_POOL, FREE_POOL);
        // gProtocolDatabaseLock after the NULL-pointer checks (Hand/*.c; OpenProtocol, HandleProtocol and
        // CloseProtocol validate handles under it: their adapters say so with ServiceCall.lockTaken)
        locks(LockRelease.AFTER_ARGUMENT_CHECKS, INSTALL_PROTOCOL_INTERFACE, REINSTALL_PROTOCOL_INTERFACE,
                UNINSTALL_PROTOCOL_INTERFACE, HANDLE_PROTOCOL, REGISTER_PROTOCOL_NOTIFY, LOCATE_HANDLE,
                LOCATE_DEVICE_PATH, OPEN_PROTOCOL, CLOSE_PROTOCOL, OPEN_PROTOCOL_INFORMATION, PROTOCOLS_PER_HANDLE,
                LOCATE_HANDLE_BUFFER, LOCATE_PROTOCOL, INSTALL_MULTIPLE_PROTOCOL_INTERFACES,
                UNINSTALL_MULTIPLE_PROTOCOL_INTERFACES, CONNECT_CONTROLLER, DISCONNECT_CONTROLLER);
        // CoreInstallConfigurationTable: a NULL Guid and deleting a missing entry return before the pool allocation
        // and the event group signal
        locks(LockRelease.before(org.efiemu.uefi.spec.EfiStatus.INVALID_PARAMETER,
                org.efiemu.uefi.spec.EfiStatus.NOT_FOUND), INSTALL_CONFIGURATION_TABLE);
        // images: the handle is looked up through the protocol database (CoreLoadedImageInfo) first
        locks(LockRelease.AFTER_ARGUMENT_CHECKS, LOAD_IMAGE);
        locks(LockRelease.ALWAYS, START_IMAGE, EXIT, UNLOAD_IMAGE);
        // drivers: WatchdogTimerDxe's SetTimerPeriod calls SetTimer; MonotonicCounterRuntimeDxe raises to TPL_HIGH_LEVEL
        locks(LockRelease.AFTER_ARGUMENT_CHECKS, SET_WATCHDOG_TIMER, GET_NEXT_MONOTONIC_COUNT);
        // runtime drivers at boot time: PcRtc's RtcLock, the variable driver's VariableServicesLock, the counter
        runtimeLocks(LockRelease.AFTER_ARGUMENT_CHECKS, GET_TIME, SET_TIME, GET_WAKEUP_TIME, SET_WAKEUP_TIME,
                GET_VARIABLE, GET_NEXT_VARIABLE_NAME, SET_VARIABLE, GET_NEXT_HIGH_MONOTONIC_COUNT, QUERY_VARIABLE_INFO);
    }

    private static void locks(LockRelease rule, BootService... slots) {
        for (BootService s : slots) {
            if (BOOT_LOCKS.put(s, rule) != null) {
                throw new IllegalStateException("Boot Service " + s + " has two lock rules");
            }
        }
    }

    private static void runtimeLocks(LockRelease rule, RuntimeService... slots) {
        for (RuntimeService s : slots) {
            if (RUNTIME_LOCKS.put(s, rule) != null) {
                throw new IllegalStateException("Runtime Service " + s + " has two lock rules");
            }
        }
    }

    /** Whether Boot Services slot {@code s} returns with RFLAGS.IF set (EDK2's lock release). */
    public static LockRelease lockRelease(BootService s) {
        return BOOT_LOCKS.getOrDefault(s, LockRelease.NONE);
    }

    /** Whether Runtime Services slot {@code s} returns with RFLAGS.IF set while Boot Services run. */
    public static LockRelease lockRelease(RuntimeService s) {
        return RUNTIME_LOCKS.getOrDefault(s, LockRelease.NONE);
    }

    private ServiceBindings() {}

    private static void boot(BootService s, Binding b) {
        if (BOOT.put(s, b) != null) {
            throw new IllegalStateException("Boot Service " + s + " is bound twice");
        }
    }

    /**
     * Binds {@code s} as a service that may call guest code (notify functions, entry points) before it returns, when
     * {@code need} says so for the call at hand.
     */
    private static void bootCallingGuest(BootService s, Binding b, GuestNeed need) {
        boot(s, b);
        CALLS_GUEST.put(s, need);
    }

    /** True when slot {@code s} may run guest code before returning (when it does, on a continuation thread). */
    static boolean callsGuest(BootService s) {
        return CALLS_GUEST.containsKey(s);
    }

    /** True when Runtime Services slot {@code s} may run guest code (SetVirtualAddressMap's notifications). */
    static boolean callsGuest(RuntimeService s) {
        return RUNTIME_CALLS_GUEST.containsKey(s);
    }

    /**
     * For a slot that may run guest code before returning, when a call of it on {@code adapters} may (its stub then
     * runs on a continuation thread); null for a slot that never does.
     */
    static Predicate<CallContext> mayCallGuest(BootService s, Adapters adapters) {
        GuestNeed need = CALLS_GUEST.get(s);
        return need == null ? null : need.of(adapters);
    }

    private static void runtimeCallingGuest(RuntimeService s, Binding b, GuestNeed need) {
        runtime(s, b);
        RUNTIME_CALLS_GUEST.put(s, need);
    }

    /** As {@link #mayCallGuest(BootService, Adapters)} for Runtime Services (SetVirtualAddressMap's notifications). */
    static Predicate<CallContext> mayCallGuest(RuntimeService s, Adapters adapters) {
        GuestNeed need = RUNTIME_CALLS_GUEST.get(s);
        return need == null ? null : need.of(adapters);
    }

    private static void runtime(RuntimeService s, Binding b) {
        if (RUNTIME.put(s, b) != null) {
            throw new IllegalStateException("Runtime Service " + s + " is bound twice");
        }
    }

    /** The adapter of Boot Services slot {@code s} on {@code adapters}, or null when the slot is unimplemented. */
    static ServiceHandler boot(BootService s, Adapters adapters) {
        Binding b = BOOT.get(s);
        return b == null ? null : b.of(adapters);
    }

    static ServiceHandler runtime(RuntimeService s, Adapters adapters) {
        Binding b = RUNTIME.get(s);
        return b == null ? null : b.of(adapters);
    }

    /**
     * One table slot and whether efiemu implements it.
     *
     * @param table {@code EFI_BOOT_SERVICES} or {@code EFI_RUNTIME_SERVICES}
     * @param service the spec name
     * @param offset the slot's byte offset in its table
     */
    public record SlotStatus(String table, String service, int offset, boolean implemented) {
        @Override
        public String toString() {
            return String.format("%s.%s (+0x%X): %s", table, service, offset, implemented ? "implemented" : "EFI_UNSUPPORTED");
        }
    }

    /** Every slot of both tables in spec order, implemented or not. */
    public static List<SlotStatus> serviceStatus() {
        List<SlotStatus> out = new ArrayList<>();
        for (BootService s : BootService.values()) {
            out.add(new SlotStatus("EFI_BOOT_SERVICES", s.specName(), s.offset(), BOOT.containsKey(s)));
        }
        for (RuntimeService s : RuntimeService.values()) {
            out.add(new SlotStatus("EFI_RUNTIME_SERVICES", s.specName(), s.offset(), RUNTIME.containsKey(s)));
        }
        return out;
    }
}
