package org.efiemu.uefi.boot;

import static org.efiemu.uefi.boot.BootService.*;
import static org.efiemu.uefi.runtime.RuntimeService.*;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private static final Map<BootService, Binding> BOOT = new EnumMap<>(BootService.class);
    private static final Map<RuntimeService, Binding> RUNTIME = new EnumMap<>(RuntimeService.class);
    /** Boot Services that may run guest code (event notification functions, child images) before returning. */
    private static final Set<BootService> CALLS_GUEST = EnumSet.noneOf(BootService.class);
    private static final Set<RuntimeService> RUNTIME_CALLS_GUEST = EnumSet.noneOf(RuntimeService.class);

    static {
        // Task Priority Services (§7.1)
        boot(RAISE_TPL, a -> a.events()::raiseTpl);
        bootCallingGuest(RESTORE_TPL, a -> a.events()::restoreTpl);
        // Memory Services (§7.2)
        boot(ALLOCATE_PAGES, a -> a.memory()::allocatePages);
        boot(FREE_PAGES, a -> a.memory()::freePages);
        boot(GET_MEMORY_MAP, a -> a.memory()::getMemoryMap);
        boot(ALLOCATE_POOL, a -> a.memory()::allocatePool);
        boot(FREE_POOL, a -> a.memory()::freePool);
        // Event & Timer Services (§7.1)
        boot(CREATE_EVENT, a -> a.events()::createEvent);
        bootCallingGuest(SET_TIMER, a -> a.events()::setTimer);
        bootCallingGuest(WAIT_FOR_EVENT, a -> a.events()::waitForEvent);
        bootCallingGuest(SIGNAL_EVENT, a -> a.events()::signalEvent);
        boot(CLOSE_EVENT, a -> a.events()::closeEvent);
        bootCallingGuest(CHECK_EVENT, a -> a.events()::checkEvent);
        // Protocol Handler Services (§7.3)
        bootCallingGuest(INSTALL_PROTOCOL_INTERFACE, a -> a.handles()::installProtocolInterface);
        bootCallingGuest(REINSTALL_PROTOCOL_INTERFACE, a -> a.handles()::reinstallProtocolInterface);
        boot(UNINSTALL_PROTOCOL_INTERFACE, a -> a.handles()::uninstallProtocolInterface);
        boot(HANDLE_PROTOCOL, a -> a.protocols()::handleProtocol);
        boot(REGISTER_PROTOCOL_NOTIFY, a -> a.handles()::registerProtocolNotify);
        boot(LOCATE_HANDLE, a -> a.handles()::locateHandle);
        boot(LOCATE_DEVICE_PATH, a -> a.handles()::locateDevicePath);
        boot(INSTALL_CONFIGURATION_TABLE, a -> a.misc()::installConfigurationTable);
        boot(OPEN_PROTOCOL, a -> a.protocols()::openProtocol);
        boot(CLOSE_PROTOCOL, a -> a.protocols()::closeProtocol);
        boot(OPEN_PROTOCOL_INFORMATION, a -> a.handles()::openProtocolInformation);
        boot(PROTOCOLS_PER_HANDLE, a -> a.handles()::protocolsPerHandle);
        boot(LOCATE_HANDLE_BUFFER, a -> a.handles()::locateHandleBuffer);
        boot(LOCATE_PROTOCOL, a -> a.protocols()::locateProtocol);
        bootCallingGuest(INSTALL_MULTIPLE_PROTOCOL_INTERFACES, a -> a.handles()::installMultipleProtocolInterfaces);
        bootCallingGuest(UNINSTALL_MULTIPLE_PROTOCOL_INTERFACES, a -> a.handles()::uninstallMultipleProtocolInterfaces);
        // DriverSupport Services (§7.3)
        boot(CONNECT_CONTROLLER, a -> a.handles()::connectController);
        boot(DISCONNECT_CONTROLLER, a -> a.handles()::disconnectController);
        // Image Services (§7.4)
        bootCallingGuest(LOAD_IMAGE, a -> a.images()::loadImage);
        bootCallingGuest(START_IMAGE, a -> a.images()::startImage);
        boot(EXIT, a -> a.images()::exit);
        bootCallingGuest(UNLOAD_IMAGE, a -> a.images()::unloadImage);
        bootCallingGuest(EXIT_BOOT_SERVICES, a -> a.events()::exitBootServices);
        // Miscellaneous Services (§7.5)
        boot(GET_NEXT_MONOTONIC_COUNT, a -> a.misc()::getNextMonotonicCount);
        bootCallingGuest(STALL, a -> a.events()::stall);
        boot(SET_WATCHDOG_TIMER, a -> a.misc()::setWatchdogTimer);
        boot(CALCULATE_CRC32, a -> a.misc()::calculateCrc32);
        boot(COPY_MEM, a -> a.misc()::copyMem);
        boot(SET_MEM, a -> a.misc()::setMem);
        bootCallingGuest(CREATE_EVENT_EX, a -> a.events()::createEventEx);
        // Runtime Services (§8)
        runtime(GET_TIME, a -> a.time()::getTime);
        runtime(SET_TIME, a -> a.time()::setTime);
        runtime(GET_WAKEUP_TIME, a -> a.time()::getWakeupTime);
        runtime(SET_WAKEUP_TIME, a -> a.time()::setWakeupTime);
        runtimeCallingGuest(SET_VIRTUAL_ADDRESS_MAP, a -> a.virtualMemory()::setVirtualAddressMap);
        runtime(CONVERT_POINTER, a -> a.virtualMemory()::convertPointer);
        runtime(GET_VARIABLE, a -> a.variables()::getVariable);
        runtime(GET_NEXT_VARIABLE_NAME, a -> a.variables()::getNextVariableName);
        runtime(SET_VARIABLE, a -> a.variables()::setVariable);
        runtime(GET_NEXT_HIGH_MONOTONIC_COUNT, a -> a.runtime()::getNextHighMonotonicCount);
        runtime(RESET_SYSTEM, a -> a.runtime()::resetSystem);
        runtime(UPDATE_CAPSULE, a -> a.virtualMemory()::updateCapsule);
        runtime(QUERY_CAPSULE_CAPABILITIES, a -> a.virtualMemory()::queryCapsuleCapabilities);
        runtime(QUERY_VARIABLE_INFO, a -> a.variables()::queryVariableInfo);
    }

    private ServiceBindings() {}

    private static void boot(BootService s, Binding b) {
        if (BOOT.put(s, b) != null) {
            throw new IllegalStateException("Boot Service " + s + " is bound twice");
        }
    }

    /** Binds {@code s} as a service that may call guest code (notify functions, entry points) before it returns. */
    private static void bootCallingGuest(BootService s, Binding b) {
        boot(s, b);
        CALLS_GUEST.add(s);
    }

    /** True when slot {@code s} may run guest code before returning (its stub runs on a continuation thread). */
    static boolean callsGuest(BootService s) {
        return CALLS_GUEST.contains(s);
    }

    private static void runtimeCallingGuest(RuntimeService s, Binding b) {
        runtime(s, b);
        RUNTIME_CALLS_GUEST.add(s);
    }

    /** True when Runtime Services slot {@code s} may run guest code (SetVirtualAddressMap's notifications). */
    static boolean callsGuest(RuntimeService s) {
        return RUNTIME_CALLS_GUEST.contains(s);
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
