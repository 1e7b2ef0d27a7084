package org.efiemu.uefi.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.debug.Breakpoint;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.StopEvent;
import org.efiemu.core.debug.StopKind;
import org.efiemu.core.debug.Watchpoint;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.machine.StopReason;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceHandler;
import org.efiemu.uefi.boot.ServiceInterceptor;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * A UEFI-aware debugging session over one payload on one platform: service breakpoints with conditions on the
 * decoded arguments, address breakpoints ({@code strategy.efi+0x1A2B}), write watchpoints, step/next/finish/continue,
 * {@link #back()} to the state before the previous service call, and Java interception of any service, all on the
 * core {@link Debugger} the console and the GDB stub use.
 *
 * <p><b>Time travel by deterministic replay.</b> A machine is deterministic (virtual clock, no host time), so the
 * session names a moment by the number of instructions retired. Going back, or stopping <i>before</i> a service
 * whose call was only recognised while it ran, builds a fresh machine from the same {@link UefiMachineBuilder} and
 * runs it with an exact instruction budget to that moment: RAM, registers and the whole UEFI model (memory map,
 * pool, handles, events, variables, trace) are then exactly as they were, with no per-object snapshot code.
 * Interceptors and replacements registered here are installed on every machine the session builds, from the
 * start, so they must behave the same on every run (no state kept across runs). The ESP must not be writable.
 *
 * <p><b>Cost.</b> With no breakpoint or watchpoint set, the session adds no Unicorn hook: one service interceptor
 * notes where each service call happens (a list append per call), the rest runs at full speed.
 */
public final class UefiDebugSession implements AutoCloseable {
    /** Where a service call happened: instructions retired before its stub ran. */
    record CallSite(long position, String service) {}

    private record Intercept(String service, ServiceInterceptor interceptor) {}

    private record Hit(long position, ServiceBreakpoint breakpoint, ServiceArguments args) {}

    private final UefiMachineBuilder builder;
    private final List<Intercept> interceptors = new ArrayList<>();
    private final Map<String, ServiceHandler> replacements = new TreeMap<>();
    private final SessionBreakpoints set = new SessionBreakpoints();
    private final List<CallSite> calls = new ArrayList<>();
    private RunLimits limits = new RunLimits(2_000_000_000L, java.time.Duration.ofMinutes(10));
    private UefiMachine machine;
    private Debugger debugger;
    private long resumePosition = -1;
    private Hit hit;
    private boolean over;
    private String overReason = "";
    private boolean replaying;
    private long rebuilds;
    /** Characters of console output the current machine printed (reset when the machine is rebuilt). */
    private long consoleChars;
    private long entryPosition;
    private boolean sanitize;
    private org.efiemu.uefi.sanitizer.MemorySanitizer sanitizer;
    private StopEvent lastEvent;
    private List<MemoryDescriptor> mapAtPreviousStop = List.of();
    private List<MemoryDescriptor> mapAtStop = List.of();

    private UefiDebugSession(UefiMachineBuilder builder) {
        this.builder = Objects.requireNonNull(builder, "builder");
    }

    /** Builds the machine and stops before the image's first instruction ({@link DebugStop.Kind#ENTRY}). */
    public static UefiDebugSession start(UefiMachineBuilder builder) {
        UefiDebugSession s = new UefiDebugSession(builder);
        s.rebuild(-1);
        s.entryPosition = s.instructions();
        return s;
    }

    /**
     * {@link #start(UefiMachineBuilder)}, passing the guest's console output to {@code guestOutput} as it is printed,
     * each character once: time travel rebuilds the machine and replays it (and {@code back} then re-runs code that
     * already printed), and the replayed output, identical by determinism, is not passed again.
     */
    public static UefiDebugSession start(UefiMachineBuilder builder, ConsoleListener guestOutput) {
        UefiDebugSession s = new UefiDebugSession(builder);
        long[] passed = {0}; // characters passed on so far, over all machines of the session
        builder.consoleListener((source, text) -> {
            long before = s.consoleChars;
            s.consoleChars += text.length();
            if (s.consoleChars > passed[0]) {
                guestOutput.text(source, text.substring((int) Math.max(0, passed[0] - before)));
                passed[0] = s.consoleChars;
            }
        });
        s.rebuild(-1);
        return s;
    }

    /** The stop at the image's entry point (for front ends printing where the session begins). */
    public DebugStop entryStop() {
        return stop(DebugStop.Kind.ENTRY, "entry point of " + machine.image().name(), null, null, null);
    }

    /** Limits for each continue/step/finish (default: 2e9 instructions, 10 minutes). */
    public void limits(RunLimits l) {
        limits = Objects.requireNonNull(l, "limits");
        debugger.limits(l);
    }

    // --------------------------------------------------------------------------------------------- machine

    /**
     * Builds a fresh machine and runs it to {@code target} instructions (-1: stop at the entry point). Everything
     * the session set (interceptors, replacements, breakpoints, watchpoints) is installed on it.
     */
    private void rebuild(long target) {
        if (debugger != null) debugger.close();
        if (machine != null) machine.close();
        rebuilds++;
        consoleChars = 0;
        calls.clear();
        hit = null;
        over = false;
        machine = builder.build();
        sanitizer = sanitize ? org.efiemu.uefi.sanitizer.MemorySanitizer.attach(machine) : null;
        replacements.forEach((name, h) -> machine.services().replace(name, h));
        interceptors.forEach(i -> machine.services().intercept(i.service(), i.interceptor()));
        machine.services().intercept("*", recorder);
        debugger = new Debugger(machine.machine());
        Breakpoint entry = debugger.breakAt(machine.image().entryPoint());
        machine.run(); // stops at the entry breakpoint: watchdog armed, stack and arguments set as for a boot
        debugger.remove(entry);
        uncount();
        long now = instructions();
        if (target > now) {
            debugger.limits(RunLimits.instructions(target - now));
            replaying = true;
            StopEvent e;
            try {
                e = debugger.cont();
            } finally {
                replaying = false;
            }
            if (e.report() == null || e.report().reason() != StopReason.BUDGET) {
                throw new IllegalStateException("replay to instruction " + target + " stopped early: " + e);
            }
            uncount();
        }
        if (target >= 0 && instructions() != target) {
            throw new IllegalStateException("replay diverged: at instruction " + instructions() + ", expected " + target);
        }
        debugger.limits(limits);
        set.reinstall(debugger, this::watchMapped);
    }

    /** A stop by the instruction counter counts the instruction it kept from running (COUNTED clocks). */
    private void uncount() {
        if (machine.machine().clock().mode() != ClockMode.COUNTED) return;
        long[] s = machine.machine().clock().save();
        s[0]--;
        machine.machine().clock().restore(s);
    }

    private final ServiceInterceptor recorder = new ServiceInterceptor() {
        @Override
        public void before(ServiceCall call) {
            long position = instructions() - 1; // the stub's ret was counted before its hook ran
            calls.add(new CallSite(position, call.service()));
            if (set.serviceBreakpoints().isEmpty() || replaying || position == resumePosition || hit != null) return;
            ServiceArguments args = null;
            for (ServiceBreakpoint b : set.serviceBreakpoints()) {
                if (!b.service().equals(call.service())) continue;
                if (args == null) args = ServiceArguments.of(call, 4);
                if (b.matches(call.service(), args)) {
                    b.hit();
                    hit = new Hit(position, b, args);
                    machine.machine().requestStop(b.toString());
                    return;
                }
            }
        }
    };

    /** The machine now (a new instance after {@link #back()} or a service breakpoint: do not keep it). */
    public UefiMachine machine() {
        return machine;
    }

    /** The core debugger on the current machine (registers, memory, disassembly). */
    public Debugger debugger() {
        return debugger;
    }

    /** Instructions retired: the session's position in time. */
    public long instructions() {
        return machine.machine().clock().instructions();
    }

    /** Machines built so far (1 + replays), for cost reports. */
    public long rebuilds() {
        return rebuilds;
    }

    // --------------------------------------------------------------------------------------------- set-up

    /** Stops before every call of {@code service}. */
    public ServiceBreakpoint breakOnService(String service) {
        return breakOnService(service, null, a -> true);
    }

    /** Stops before calls of {@code service} whose arguments satisfy {@code condition} ({@link ServiceCondition}). */
    public ServiceBreakpoint breakOnService(String service, String condition) {
        return breakOnService(service, condition, ServiceCondition.parse(service, condition));
    }

    /** Stops before calls of {@code service} whose decoded arguments satisfy a Java predicate. */
    public ServiceBreakpoint breakOnService(String service, String description, Predicate<ServiceArguments> condition) {
        machine.services().entry(service); // throws naming the known services
        return set.addService(service, description, condition);
    }

    /** Stops before the instruction at {@code location}: {@code 0x1A2B}, or {@code image.efi+0x1A2B}. */
    public int breakAt(String location) {
        long address = Locations.resolve(machine.images(), location);
        return set.addAddress(location, address, debugger.breakAt(address));
    }

    /** Stops after the guest writes any byte of the physical range {@code [address, address+length)}. */
    public int watch(long address, long length) {
        return set.addWatch(address, length, watchMapped(address, length));
    }

    /**
     * The core watchpoint reads the old bytes in its write hook, which runs before RAM that was never touched is
     * mapped (RAM is mapped on first touch): map the watched RAM (and the 7 bytes below it) first.
     */
    private Watchpoint watchMapped(long address, long length) {
        long from = Math.max(0, address - 7);
        var memory = machine.machine().memory();
        for (long a = from & ~0xFFFL; a < address + length; a += 0x1000) {
            if (memory.isRam(a, 1)) machine.machine().physical().ensureMapped(a, 1);
        }
        return debugger.watchWrites(address, length);
    }

    /** Deletes breakpoint or watchpoint {@code id}; throws naming the ids that exist when unknown. */
    public void delete(int id) {
        set.delete(id, debugger);
    }

    /** What is set, one line each, by id. */
    public List<String> breakpoints() {
        return set.describeAll();
    }

    /**
     * Observes (and may change: {@link ServiceCall#context()} gives the registers and memory) every call of
     * {@code service} ({@code "*"}: all) before and after it runs, on this machine and every replay.
     */
    public void intercept(String service, ServiceInterceptor interceptor) {
        interceptors.add(new Intercept(service, Objects.requireNonNull(interceptor, "interceptor")));
        machine.services().intercept(service, interceptor);
    }

    /** Replaces {@code service}'s implementation (null restores it), on this machine and every replay. */
    public void replace(String service, ServiceHandler handler) {
        machine.services().replace(service, handler);
        if (handler == null) replacements.remove(service);
        else replacements.put(service, handler);
    }

    // --------------------------------------------------------------------------------------------- running

    /** Runs until a breakpoint, watchpoint, the end of the program or a limit. */
    public DebugStop cont() {
        return run(debugger::cont, DebugStop.Kind.BREAKPOINT);
    }

    /** Runs one instruction (a call of a service stub runs the whole service). */
    public DebugStop step() {
        return run(debugger::step, DebugStop.Kind.STEP);
    }

    /** Runs one instruction, or a whole call. */
    public DebugStop next() {
        return run(debugger::next, DebugStop.Kind.NEXT);
    }

    /**
     * Runs until the current function returns. Standing before a service call (after a service breakpoint or
     * {@link #back()}), runs the service and stops at its caller, reporting the status and outputs.
     */
    public DebugStop finish() {
        boolean atService = machine.machine().gate().labelAt(debugger.reg(X86Reg.RIP)) != null;
        int traced = machine.trace().events().size();
        DebugStop s = run(debugger::finish, DebugStop.Kind.FINISH);
        List<ServiceCallEvent> events = machine.trace().events();
        if (atService && s.kind() == DebugStop.Kind.FINISH && events.size() > traced) {
            ServiceCallEvent e = events.get(traced);
            return new DebugStop(s.kind(), s.rip(), s.where(), s.instructions(), e.summary(), null, null, e);
        }
        return s;
    }

    private DebugStop run(java.util.function.Supplier<StopEvent> how, DebugStop.Kind normal) {
        if (over) {
            throw new IllegalStateException("the program is over (" + overReason + "); use back");
        }
        resumePosition = instructions();
        hit = null;
        StopEvent e = how.get();
        lastEvent = e;
        resumePosition = -1;
        if (hit != null) {
            lastEvent = null;
            Hit h = hit;
            rebuild(h.position()); // the service already ran: come back to the moment before it
            return stop(DebugStop.Kind.SERVICE, h.breakpoint() + ": " + h.args(), h.args(), null, null);
        }
        return translate(e, normal);
    }

    private DebugStop translate(StopEvent e, DebugStop.Kind normal) {
        var state = machine.state();
        if (state.imageReturnStatus().isPresent() || state.reset().isPresent() || !state.violations().isEmpty()) {
            String why = state.reset().isPresent() ? "ResetSystem: " + state.reset().get()
                    : !state.violations().isEmpty() ? "violation: " + state.violations().get(0)
                    : "the image returned " + EfiStatus.nameOf(state.imageReturnStatus().get());
            over = true;
            overReason = why;
            return stop(DebugStop.Kind.EXITED, why, null, null, null);
        }
        DebugStop.Kind kind = switch (e.kind()) {
            case BREAKPOINT -> DebugStop.Kind.BREAKPOINT;
            case WATCHPOINT -> DebugStop.Kind.WATCHPOINT;
            case STEP -> normal == DebugStop.Kind.NEXT ? DebugStop.Kind.NEXT : DebugStop.Kind.STEP;
            case NEXT -> DebugStop.Kind.NEXT;
            case FINISH -> DebugStop.Kind.FINISH;
            default -> DebugStop.Kind.MACHINE;
        };
        String text = e.watch() != null ? e.watch().toString()
                : kind == DebugStop.Kind.BREAKPOINT ? set.describeBreak(e.rip()) : e.description();
        if (kind == DebugStop.Kind.MACHINE || e.kind() == StopKind.EXITED) {
            over = true;
            overReason = text;
        }
        return stop(kind, text, null, e.watch(), null);
    }

    private DebugStop stop(DebugStop.Kind kind, String text, ServiceArguments args,
            org.efiemu.core.debug.WatchHit watch, ServiceCallEvent call) {
        mapAtPreviousStop = mapAtStop;
        mapAtStop = machine.memoryMap().getMemoryMap().descriptors();
        long rip = debugger.reg(X86Reg.RIP);
        return new DebugStop(kind, rip, where(rip), instructions(), text, args, watch, call);
    }

    /**
     * The memory-ownership sanitizer's findings so far. The first call replays the run to now with a
     * {@link org.efiemu.uefi.sanitizer.MemorySanitizer} attached from the start (every later machine of the session
     * gets one too), so the findings cover the whole run, not only what follows the call.
     */
    public org.efiemu.uefi.sanitizer.SanitizerReport sanitizer() {
        if (!sanitize) {
            sanitize = true;
            long now = instructions();
            rebuild(now == entryPosition ? -1 : now);
        }
        return sanitizer.report();
    }

    /**
     * The core debugger's stop behind the last continue/step/next/finish; null when a service breakpoint stopped it
     * (the machine was rebuilt to the moment before the call), for front ends speaking the core's terms (GDB).
     */
    public StopEvent lastEvent() {
        return lastEvent;
    }

    /**
     * Returns to the moment {@code position} instructions had retired (replaying from the start), e.g. one
     * instruction back for a reverse step; throws when {@code position} lies before the entry point or after now.
     */
    public DebugStop backTo(long position) {
        if (position < entryPosition || position > instructions()) {
            throw new IllegalStateException(String.format("back to instruction %d: expected %d (the entry point) to %d"
                    + " (now)", position, entryPosition, instructions()));
        }
        rebuild(position == entryPosition ? -1 : position);
        return stop(DebugStop.Kind.BACK, "at instruction " + position, null, null, null);
    }

    /**
     * Returns to the state before the previous service call (the one that ran last before now): RIP at its stub,
     * its arguments in registers, memory and the UEFI model as they were. Repeating goes further back.
     */
    public DebugStop back() {
        long now = instructions();
        CallSite previous = null;
        for (CallSite c : calls) {
            if (c.position() < now) previous = c;
        }
        if (previous == null) throw new IllegalStateException("back: no service call before instruction " + now);
        rebuild(previous.position());
        return stop(DebugStop.Kind.BACK, "before " + previous.service() + " (instruction " + previous.position() + ")",
                null, null, null);
    }

    /**
     * gdb's reverse-continue: returns to the latest moment before now at which going forward stopped or would stop
     * with a reason — an address breakpoint or watchpoint hit (by instruction) or a service call (as {@link #back()})
     * — whichever came last. Finding the hits replays the run from the entry point once with the breakpoints and
     * watchpoints set (service breakpoints do not stop that pass); then the session rebuilds to the moment found.
     */
    public DebugStop reverseContinue() {
        long now = instructions();
        long target = -1;
        String why = null;
        for (CallSite c : calls) {
            if (c.position() < now && c.position() > target) {
                target = c.position();
                why = "before " + c.service() + " (instruction " + c.position() + ")";
            }
        }
        if (set.hasAddressBreaksOrWatches()) {
            rebuild(-1);
            replaying = true;
            try {
                while (instructions() < now) {
                    debugger.limits(RunLimits.instructions(now - instructions()));
                    StopEvent e = debugger.cont();
                    if (e.kind() != StopKind.BREAKPOINT && e.kind() != StopKind.WATCHPOINT) break;
                    long at = instructions();
                    if (at < now && at >= target) {
                        target = at;
                        why = (e.watch() != null ? e.watch().toString() : set.describeBreak(e.rip()))
                                + " (instruction " + at + ")";
                    }
                }
            } finally {
                replaying = false;
                debugger.limits(limits);
            }
        }
        if (target < 0) {
            rebuild(now == entryPosition ? -1 : now);
            throw new IllegalStateException("reverse-continue: no breakpoint, watchpoint or service call before"
                    + " instruction " + now);
        }
        rebuild(target == entryPosition ? -1 : target);
        return stop(DebugStop.Kind.BACK, why, null, null, null);
    }

    // --------------------------------------------------------------------------------------------- views

    /**
     * {@code image.efi+0x1A2B} inside a loaded image, {@code AllocatePages stub} / {@code GetTime stub} in the Boot and
     * Runtime Services trap regions, the firmware arena piece ({@code EFI_SYSTEM_TABLE+0x18}), else hex.
     */
    public String where(long address) {
        if (machine.images().imageAt(address).isPresent()) return machine.images().describe(address);
        var stub = machine.labelAt(address);
        if (stub.isPresent() && stub.get().endsWith(" stub")) return stub.get();
        return machine.arena().stream().filter(p -> p.contains(address)).findFirst()
                .map(p -> address == p.base() ? p.label() : String.format("%s+0x%X", p.label(), address - p.base()))
                .orElseGet(() -> machine.images().describe(address));
    }

    /** The service calls that ran so far (trace). */
    public List<ServiceCallEvent> trace() {
        return machine.trace().events();
    }

    /** The memory map at this stop, and at the stop before (for {@link MemoryMapView#changes}). */
    public List<MemoryDescriptor> memoryMap() {
        return mapAtStop;
    }

    public List<MemoryDescriptor> memoryMapAtPreviousStop() {
        return mapAtPreviousStop;
    }

    @Override
    public void close() {
        if (debugger != null) debugger.close();
        if (machine != null) machine.close();
    }
}
