package org.efiemu.uefi.boot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.efiemu.core.gate.CallContext;
import org.efiemu.core.gate.CallGate;
import org.efiemu.core.memory.GuestMemoryException;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.runtime.RuntimeService;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.ServiceTrace;

/**
 * Turns guest calls into adapter calls: every Boot Services and Runtime Services slot (and every protocol function)
 * gets its own call-gate stub; a call runs the interceptors, the adapter (or its replacement), records the trace
 * event and returns the status in RAX. The bindings themselves are declared once, in {@link ServiceBindings}.
 *
 * <p>Rules enforced here, for every service alike: an unbound slot returns {@code EFI_UNSUPPORTED} and is recorded
 * as an unimplemented call (EDK2 {@code CoreEfiNotAvailableYetArg*} style, but loud); a Boot Service called after
 * ExitBootServices succeeded (through a saved pointer) is a violation that stops the run (UEFI 2.10 §7.4.6: the
 * Boot Services are gone); a guest pointer the adapter did not catch becomes {@code EFI_INVALID_PARAMETER}, never a
 * Java exception in the guest; an expired watchdog resets the platform (§7.5.2).
 */
public final class ServiceDispatcher {
    private final CallGate bootGate;
    private final CallGate runtimeGate;
    private final ServiceTrace trace;
    private final FirmwareState state;
    private final LongSupplier virtualNanos;
    private final Map<String, List<ServiceInterceptor>> interceptors = new HashMap<>();
    private final Map<String, ServiceHandler> replacements = new HashMap<>();
    private final Map<String, Long> entries = new HashMap<>(512); // ~200 stubs per machine: no rehashing (read only by name or sorted)
    private HostWorkListener hostWork;
    /** Sets RFLAGS.IF on return from a service that released a lock (EDK2's CoreRestoreTpl); null before install. */
    private EventAbi lockReleases;
    /** Services being dispatched (a service that runs guest code may be entered again before it returns). */
    private int depth;
    /** {@link org.efiemu.core.memory.PhysicalMemory#hostBytesMoved()} when the bytes so far were charged. */
    private long chargedBytes;

    /**
     * Hears the host work of every service call once it returns: the bytes it read and wrote in guest memory (its
     * arguments, the buffers it copies, fills, checksums, reads from a file or disk, the memory map it writes). A
     * call that runs guest code which calls services again is charged only for what those inner calls did not
     * already charge, so the bytes of nested calls are counted once.
     */
    @FunctionalInterface
    public interface HostWorkListener {
        void charged(String service, long bytes);
    }

    /** Sets the one {@link HostWorkListener} (the machine's run budget); null removes it. */
    public void onHostWork(HostWorkListener listener) {
        this.hostWork = listener;
    }

    /**
     * @param bootGate trap region in boot-services memory (Boot Services, protocols)
     * @param runtimeGate trap region in EfiRuntimeServicesCode (Runtime Services)
     * @param virtualNanos the machine's virtual time, stamped on trace events
     */
    public ServiceDispatcher(CallGate bootGate, CallGate runtimeGate, ServiceTrace trace, FirmwareState state,
            LongSupplier virtualNanos) {
        this.bootGate = bootGate;
        this.runtimeGate = runtimeGate;
        this.trace = trace;
        this.state = state;
        this.virtualNanos = virtualNanos;
    }

    /** Points every slot of the Boot and Runtime Services tables at its stub, bound as {@link ServiceBindings} says. */
    public void install(SystemTable st, Adapters adapters) {
        lockReleases = adapters.events();
        for (BootService s : BootService.values()) {
            ServiceHandler h = ServiceBindings.boot(s, adapters);
            st.setBootService(s, register(bootGate, s.specName(), Math.max(s.parameterCount(), 0), h, true,
                    ServiceBindings.mayCallGuest(s, adapters), ServiceBindings.lockRelease(s)));
        }
        for (RuntimeService s : RuntimeService.values()) {
            ServiceHandler h = ServiceBindings.runtime(s, adapters);
            st.setRuntimeService(s, register(runtimeGate, s.specName(), s.parameterCount(), h, false,
                    ServiceBindings.mayCallGuest(s, adapters), ServiceBindings.lockRelease(s)));
        }
        st.sealAll();
    }

    /**
     * Registers a protocol function or other guest-callable service in the boot-time trap region.
     *
     * @param name trace name, e.g. {@code ConOut.OutputString}
     * @return the function's guest address
     */
    public long registerBootTime(String name, int arity, ServiceHandler handler) {
        return register(bootGate, name, arity, handler, true, null, ProtocolLocks.of(name));
    }

    /**
     * As {@link #registerBootTime(String, int, ServiceHandler)} for a protocol function whose OVMF driver takes a lock
     * (raises and restores the TPL), so that it returns with RFLAGS.IF set as {@code lock} says (e.g. the console
     * functions: ConSplitter and TerminalDxe raise the TPL).
     */
    public long registerBootTime(String name, int arity, ServiceHandler handler, LockRelease lock) {
        return register(bootGate, name, arity, handler, true, null, lock);
    }

    /**
     * As {@link #registerBootTime}, for a function that may call back into the guest (event notification
     * functions, a child image's entry point): it runs on the gate's continuation thread, so it costs more per call.
     */
    public long registerBootTimeCallingGuest(String name, int arity, ServiceHandler handler) {
        return register(bootGate, name, arity, handler, true, ctx -> true, ProtocolLocks.of(name));
    }

    /**
     * As {@link #registerBootTimeCallingGuest(String, int, ServiceHandler)} for a function that runs guest code only
     * on some calls ({@code when}, asked on the emulation thread before the call; e.g. a PCI poll that may wait across
     * a timer tick): the other calls run inline.
     */
    public long registerBootTimeCallingGuest(String name, int arity, ServiceHandler handler,
            Predicate<CallContext> when) {
        return register(bootGate, name, arity, handler, true, when, ProtocolLocks.of(name));
    }

    /**
     * @param mayCallGuest null for a service that never runs guest code; else whether this call may (a call for which
     *     it is false, and whose adapter is not {@link #replace replaced}, runs inline without a continuation thread)
     */
    private long register(CallGate gate, String name, int arity, ServiceHandler handler, boolean bootTime,
            Predicate<CallContext> mayCallGuest, LockRelease lock) {
        Stub fn = new Stub(name, arity, handler, bootTime, lock, mayCallGuest);
        boolean releaseMayNotify = lock != LockRelease.NONE && lock != LockRelease.BY_ADAPTER;
        long address = mayCallGuest == null && !releaseMayNotify ? gate.register(name, arity, fn)
                : gate.registerCallingGuest(name, arity, fn, fn);
        entries.put(name, address);
        return address;
    }

    /**
     * A registered service's stub: runs {@link #dispatch} and, for a service that may run guest code, tells whether
     * this call may (replaced by the test harness, the binding's {@code mayCallGuest}, or, for a service that takes a
     * lock, a tick pending under the caller's cli taken in the lock release, whose notifications run in the guest).
     * A class rather than lambdas: a machine registers a few hundred stubs, and a capturing lambda costs the launcher's
     * first-tier JIT a VM call per instance ({@code Unsafe.allocateInstance} is not an intrinsic there).
     */
    private final class Stub implements org.efiemu.core.gate.HostFunction, Predicate<CallContext> {
        private final String name;
        private final int arity;
        private final ServiceHandler handler;
        private final boolean bootTime;
        private final LockRelease lock;
        private final Predicate<CallContext> mayCallGuest;
        private final boolean releaseMayNotify;

        Stub(String name, int arity, ServiceHandler handler, boolean bootTime, LockRelease lock,
                Predicate<CallContext> mayCallGuest) {
            this.name = name;
            this.arity = arity;
            this.handler = handler;
            this.bootTime = bootTime;
            this.lock = lock;
            this.mayCallGuest = mayCallGuest;
            this.releaseMayNotify = lock != LockRelease.NONE && lock != LockRelease.BY_ADAPTER;
        }

        @Override
        public long invoke(CallContext ctx) throws Exception {
            return dispatch(name, arity, handler, bootTime, ctx, lock);
        }

        @Override
        public boolean test(CallContext ctx) {
            if (replacements.containsKey(name)) return true;
            if (!releaseMayNotify) return mayCallGuest.test(ctx);
            return mayCallGuest == null ? releaseMayNotify() : mayCallGuest.test(ctx) || releaseMayNotify();
        }
    }

    private boolean releaseMayNotify() {
        return lockReleases != null && lockReleases.releaseMayNotify();
    }

    /** The stub address of a registered service, by name. */
    public java.util.SortedSet<String> serviceNames() {
        return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(entries.keySet()));
    }

    public long entry(String name) {
        Long a = entries.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no service named '" + name + "' is registered"
                    + org.efiemu.core.util.NearestName.hint(name, serviceNames())
                    + " (" + entries.size() + " services: Boot and Runtime Services by spec name, protocols as ConOut.OutputString)");
        }
        return a;
    }

    /** Adds an observer for service {@code name} (spec name, or {@code "*"} for every service). */
    public void intercept(String name, ServiceInterceptor interceptor) {
        interceptors.computeIfAbsent(name, k -> new ArrayList<>()).add(interceptor);
    }

    public void removeInterceptor(String name, ServiceInterceptor interceptor) {
        List<ServiceInterceptor> l = interceptors.get(name);
        if (l != null) {
            l.remove(interceptor);
        }
    }

    /** Replaces the adapter of {@code name} (null restores the bound one). The trace still records the calls. */
    public void replace(String name, ServiceHandler handler) {
        entry(name);
        if (handler == null) {
            replacements.remove(name);
        } else {
            replacements.put(name, handler);
        }
    }

    private long dispatch(String name, int arity, ServiceHandler bound, boolean bootTime, CallContext ctx,
            LockRelease lock) {
        HostWorkListener meter = hostWork;
        if (meter == null) {
            return dispatchCall(name, arity, bound, bootTime, ctx, lock);
        }
        org.efiemu.core.memory.PhysicalMemory physical = ctx.memory().physical();
        if (depth++ == 0) {
            chargedBytes = physical.hostBytesMoved(); // host reads between calls (a debugger, a snapshot) are free
        }
        try {
            return dispatchCall(name, arity, bound, bootTime, ctx, lock);
        } finally {
            depth--;
            long now = physical.hostBytesMoved();
            long bytes = now - chargedBytes;
            chargedBytes = now;
            meter.charged(name, bytes);
        }
    }

    private long dispatchCall(String name, int arity, ServiceHandler bound, boolean bootTime, CallContext ctx,
            LockRelease lock) {
        ServiceCall call = new ServiceCall(name, ctx);
        boolean afterEbs = state.exitedBootServices();
        long now = virtualNanos.getAsLong();
        if (watchdogExpired(now, call)) {
            return EfiStatus.ABORTED.code();
        }
        if (bootTime && afterEbs) {
            state.violation("boot-service-after-exit-boot-services", name + " called after ExitBootServices succeeded "
                    + "(through a saved pointer; the Boot Services table is zero-filled)", call.callerRip());
            ctx.stop(name + " called after ExitBootServices");
            record(call, rawArgs(call, arity), EfiStatus.UNSUPPORTED, now, true);
            return EfiStatus.UNSUPPORTED.code();
        }
        List<ServiceInterceptor> mine = observers(name);
        for (ServiceInterceptor i : mine) {
            i.before(call);
        }
        ServiceHandler handler = replacements.getOrDefault(name, bound);
        EfiStatus status;
        if (handler == null) {
            state.unimplemented(name, call.callerRip());
            call.arguments(rawArgs(call, arity));
            call.output("not implemented by efiemu");
            status = EfiStatus.UNSUPPORTED;
        } else {
            boolean releases = lock != LockRelease.NONE && lock != LockRelease.BY_ADAPTER && lockReleases != null;
            Object before = null;
            if (releases) {
                call.onLockRelease(() -> lockReleases.lockReleasedOnReturn(call));
                before = lock.beforeCall(call);
            }
            status = invoke(handler, call);
            if (releases && !call.lockReleasedByAdapter() && lock.released(call, before, status)) {
                lockReleases.lockReleasedOnReturn(call);
            }
        }
        for (ServiceInterceptor i : mine) {
            i.after(call, status);
        }
        if (call.forcedStatus() != null && status != null) {
            call.output("forced by an interceptor; the service returned " + status.specName());
            status = call.forcedStatus();
        }
        record(call, null, status, now, afterEbs);
        return status == null ? call.rawReturn() : status.code();
    }

    private static EfiStatus invoke(ServiceHandler handler, ServiceCall call) {
        try {
            return handler.handle(call);
        } catch (EfiException e) {
            return e.status();
        } catch (GuestMemoryException e) {
            call.output("guest pointer: " + e.getMessage());
            return EfiStatus.INVALID_PARAMETER;
        } catch (org.efiemu.uefi.firmware.FirmwareArena.ExhaustedException e) {
            call.output("firmware resources exhausted: " + e.getMessage());
            return EfiStatus.OUT_OF_RESOURCES;
        }
    }

    private boolean watchdogExpired(long now, ServiceCall call) {
        long deadline = state.watchdogDeadline();
        if (deadline == 0 || now < deadline || state.exitedBootServices()) {
            return false;
        }
        state.reset(new FirmwareState.ResetRequest("EfiResetCold", "EFI_TIMEOUT", "watchdog timer expired"));
        state.violation("watchdog-expired", String.format("the watchdog timer expired at virtual %d ns (now %d ns), "
                + "the platform resets", deadline, now), call.callerRip());
        call.context().stop("watchdog timer expired");
        return true;
    }

    private List<ServiceInterceptor> observers(String name) {
        if (interceptors.isEmpty()) {
            return List.of(); // the common case: no list built per service call
        }
        List<ServiceInterceptor> out = new ArrayList<>(interceptors.getOrDefault("*", List.of()));
        out.addAll(interceptors.getOrDefault(name, List.of()));
        return out;
    }

    private static Object[] rawArgs(ServiceCall call, int arity) {
        Object[] a = new Object[arity];
        for (int i = 0; i < arity; i++) {
            a[i] = ServiceCall.hex(i < 4 || call.isRam(call.context().stackPointer() + 40 + 8L * (i - 4), 8) ? call.arg(i) : 0);
        }
        return a;
    }

    private void record(ServiceCall call, Object[] args, EfiStatus status, long now, boolean afterEbs) {
        if (args != null) {
            call.arguments(args);
        }
        trace.record(new ServiceCallEvent(trace.nextSequence(), now, call.service(), call.decodedArguments(),
                status == null ? "-" : status.specName(), call.decodedOutputs(), state.describe(call.callerRip()),
                call.callerRip(), afterEbs));
    }
}
