package org.efiemu.uefi.boot;

import static org.efiemu.uefi.boot.BootService.*;
import static org.efiemu.uefi.runtime.RuntimeService.*;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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

    static {
        // Memory Services (§7.2)
        boot(ALLOCATE_PAGES, a -> a.memory()::allocatePages);
        boot(FREE_PAGES, a -> a.memory()::freePages);
        boot(GET_MEMORY_MAP, a -> a.memory()::getMemoryMap);
        boot(ALLOCATE_POOL, a -> a.memory()::allocatePool);
        boot(FREE_POOL, a -> a.memory()::freePool);
        // Protocol Handler Services (§7.3)
        boot(HANDLE_PROTOCOL, a -> a.protocols()::handleProtocol);
        boot(INSTALL_CONFIGURATION_TABLE, a -> a.misc()::installConfigurationTable);
        boot(OPEN_PROTOCOL, a -> a.protocols()::openProtocol);
        boot(CLOSE_PROTOCOL, a -> a.protocols()::closeProtocol);
        boot(LOCATE_PROTOCOL, a -> a.protocols()::locateProtocol);
        // Image Services (§7.4)
        boot(EXIT_BOOT_SERVICES, a -> a.memory()::exitBootServices);
        // Miscellaneous Services (§7.5)
        boot(GET_NEXT_MONOTONIC_COUNT, a -> a.misc()::getNextMonotonicCount);
        boot(STALL, a -> a.misc()::stall);
        boot(SET_WATCHDOG_TIMER, a -> a.misc()::setWatchdogTimer);
        boot(CALCULATE_CRC32, a -> a.misc()::calculateCrc32);
        boot(COPY_MEM, a -> a.misc()::copyMem);
        boot(SET_MEM, a -> a.misc()::setMem);
        // Runtime Services (§8)
        runtime(GET_NEXT_HIGH_MONOTONIC_COUNT, a -> a.runtime()::getNextHighMonotonicCount);
        runtime(RESET_SYSTEM, a -> a.runtime()::resetSystem);
    }

    private ServiceBindings() {}

    private static void boot(BootService s, Binding b) {
        if (BOOT.put(s, b) != null) {
            throw new IllegalStateException("Boot Service " + s + " is bound twice");
        }
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
