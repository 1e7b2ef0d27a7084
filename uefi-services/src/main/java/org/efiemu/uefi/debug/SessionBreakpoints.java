package org.efiemu.uefi.debug;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.efiemu.core.debug.Breakpoint;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.Watchpoint;

/**
 * What the user set in a {@link UefiDebugSession}, under one id sequence: service breakpoints, address breakpoints
 * and write watchpoints. It outlives the machines the session builds: the address breakpoints and watchpoints are
 * installed again on every replay's {@link Debugger} ({@link #reinstall}), and each id keeps the core handle it has on
 * the current machine so {@link #delete} can remove it there.
 */
final class SessionBreakpoints {
    private record AddressBreak(int id, String location, long address) {}

    private record Watch(int id, long address, long length) {}

    /** Installs a write watchpoint on the current machine (mapping the watched RAM first). */
    interface WatchInstaller {
        Watchpoint watch(long address, long length);
    }

    private final Map<Integer, ServiceBreakpoint> serviceBreaks = new TreeMap<>();
    private final Map<Integer, AddressBreak> addressBreaks = new TreeMap<>();
    private final Map<Integer, Watch> watches = new TreeMap<>();
    private final Map<Integer, Object> coreHandles = new TreeMap<>();
    private int nextId = 1;

    ServiceBreakpoint addService(String service, String description, Predicate<ServiceArguments> condition) {
        ServiceBreakpoint b = new ServiceBreakpoint(nextId++, service, description, condition);
        serviceBreaks.put(b.id(), b);
        return b;
    }

    /** Records an address breakpoint already set on the current machine as {@code core}; returns its id. */
    int addAddress(String location, long address, Breakpoint core) {
        AddressBreak b = new AddressBreak(nextId++, location, address);
        addressBreaks.put(b.id(), b);
        coreHandles.put(b.id(), core);
        return b.id();
    }

    /** Records a watchpoint already set on the current machine as {@code core}; returns its id. */
    int addWatch(long address, long length, Watchpoint core) {
        Watch w = new Watch(nextId++, address, length);
        watches.put(w.id(), w);
        coreHandles.put(w.id(), core);
        return w.id();
    }

    /** Whether some address breakpoint or watchpoint is set (they can stop a run between two service calls). */
    boolean hasAddressBreaksOrWatches() {
        return !addressBreaks.isEmpty() || !watches.isEmpty();
    }

    Collection<ServiceBreakpoint> serviceBreakpoints() {
        return serviceBreaks.values();
    }

    /** Deletes breakpoint or watchpoint {@code id}; throws naming the ids that exist when unknown. */
    void delete(int id, Debugger debugger) {
        if (serviceBreaks.remove(id) == null && addressBreaks.remove(id) == null && watches.remove(id) == null) {
            throw new IllegalArgumentException("no breakpoint or watchpoint " + id + "; set: " + describeAll());
        }
        Object h = coreHandles.remove(id);
        if (h instanceof Breakpoint b) debugger.remove(b);
        if (h instanceof Watchpoint w) debugger.remove(w);
    }

    /** Sets the address breakpoints and watchpoints again on a freshly built machine's debugger. */
    void reinstall(Debugger debugger, WatchInstaller watch) {
        addressBreaks.values().forEach(b -> coreHandles.put(b.id(), debugger.breakAt(b.address())));
        watches.values().forEach(w -> coreHandles.put(w.id(), watch.watch(w.address(), w.length())));
    }

    /** What is set, one line each, by id. */
    List<String> describeAll() {
        Map<Integer, String> all = new TreeMap<>();
        serviceBreaks.values().forEach(b -> all.put(b.id(), b.toString()));
        addressBreaks.values().forEach(b -> all.put(b.id(), String.format("breakpoint %d at %s (0x%X)", b.id(),
                b.location(), b.address())));
        watches.values().forEach(w -> all.put(w.id(), String.format("watchpoint %d on writes to [0x%X, 0x%X)", w.id(),
                w.address(), w.address() + w.length())));
        return List.copyOf(all.values());
    }

    /** The stop text of the address breakpoint at {@code rip}: {@code breakpoint 2 at strategy.efi+0x1A2B}. */
    String describeBreak(long rip) {
        return addressBreaks.values().stream().filter(b -> b.address() == rip).findFirst()
                .map(b -> String.format("breakpoint %d at %s", b.id(), b.location())).orElse("breakpoint");
    }
}
