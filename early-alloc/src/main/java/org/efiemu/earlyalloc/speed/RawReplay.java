package org.efiemu.earlyalloc.speed;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Perm;
import org.efiemu.core.engine.UcError;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.memory.PhysicalLayout;

/**
 * A stretch of guest code replayed on a plain Unicorn engine: a new {@code uc_open}, every RAM region of the
 * machine's layout mapped with {@code uc_mem_map_ptr} over fresh host memory (one region per layout region, all
 * permissions), the RAM efiemu had mapped copied in, and the CPU context of efiemu's engine at the stretch's start
 * ({@code uc_context_save} there, {@code uc_context_restore} here: registers, long-mode state, descriptor tables;
 * CR3 written again so the new engine's TLB starts from the same tables). No hook at all: {@link #run} is one
 * {@code uc_emu_start(begin, until = end)}, which stops before the instruction at the stretch's end (the next
 * firmware call's gate slot). A wall-clock limit, when given, is a timer thread calling {@code uc_emu_stop} (no hook).
 *
 * <p>{@code storeFastPath} false is Unicorn exactly as the library ships (Debian's 2.0.1 sends every store through
 * its slow path); true attaches efiemu's store fast path (see {@code StoreFastPath}), which efiemu's own engines use.
 */
public final class RawReplay implements AutoCloseable {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** How one replay went. */
    public record Result(UcError error, long cpuNanos, long wallNanos) {}

    private final Engine raw;
    private final long begin;
    private final long end;
    private final boolean storeFastPath;
    /** For {@link #warmUp}: the RAM copied in, {base, bytes}, and the CPU context, or null. */
    private final List<Object[]> start;
    private final byte[] context;

    private RawReplay(Engine raw, long begin, long end, boolean storeFastPath, List<Object[]> start, byte[] context) {
        this.raw = raw;
        this.begin = begin;
        this.end = end;
        this.storeFastPath = storeFastPath;
        this.start = start;
        this.context = context;
    }

    /**
     * Copies {@code machine} as it is now (at a stretch's start; RIP is the start) into a new raw engine that will run
     * until {@code end}.
     */
    public static RawReplay of(Machine machine, long end, boolean storeFastPath) {
        return of(machine, end, storeFastPath, false);
    }

    /**
     * As {@link #of(Machine, long, boolean)}; with {@code warmable} the start state is also kept (on the Java heap) so
     * that {@link #warmUp} can run the stretch once and put the start back.
     */
    public static RawReplay of(Machine machine, long end, boolean storeFastPath, boolean warmable) {
        Engine from = machine.engine();
        Engine raw = Engine.open(storeFastPath);
        try {
            for (PhysicalLayout.Region r : machine.physical().layout().regions()) {
                if (r.kind() == PhysicalLayout.Kind.RAM) raw.mapHost(r.base(), r.size(), Perm.ALL);
            }
            byte[] buffer = new byte[1 << 20];
            List<Object[]> start = warmable ? new java.util.ArrayList<>() : null;
            for (long[] c : machine.physical().mappedChunks()) {
                for (long at = 0; at < c[1]; at += buffer.length) {
                    int n = (int) Math.min(buffer.length, c[1] - at);
                    from.read(c[0] + at, buffer, 0, n);
                    raw.write(c[0] + at, buffer, 0, n);
                    if (start != null) start.add(new Object[] {c[0] + at, java.util.Arrays.copyOf(buffer, n)});
                }
            }
            byte[] context = from.saveContext();
            raw.restoreContext(context);
            raw.reg(X86Reg.CR3, from.reg(X86Reg.CR3));
            return new RawReplay(raw, from.reg(X86Reg.RIP), end, storeFastPath, start, warmable ? context : null);
        } catch (RuntimeException | Error e) {
            raw.close();
            throw e;
        }
    }

    /** Runs the stretch once ({@code uc_emu_start(begin, end)}); {@code timeoutMicros} 0 for no limit. */
    public Result run(long timeoutMicros) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        UcError err = raw.emuStart(begin, end, timeoutMicros, 0);
        long wallNanos = System.nanoTime() - wall;
        long cpuNanos = THREADS.getCurrentThreadCpuTime() - cpu;
        return new Result(err, cpuNanos, wallNanos);
    }

    /**
     * Runs the stretch once, untimed, then puts the start state back: every range of {@code ranges} (all RAM the
     * stretch can have touched: efiemu's mapped RAM at the stretch's end) zeroed, the start RAM written again straight
     * into the host memory (so Unicorn keeps the code it translated: {@code Engine.write}), the CPU context restored
     * and CR3 written. The next {@link #run} then finds the stretch's code translated, as efiemu does when it has run
     * that code before. Returns how the warm-up run ended.
     *
     * @throws IllegalStateException when the replay was not made warmable
     */
    public Result warmUp(List<long[]> ranges, long timeoutMicros) {
        if (start == null) throw new IllegalStateException("this replay was made without its start state (warmable)");
        Result r = run(timeoutMicros);
        byte[] zeros = new byte[1 << 20];
        for (long[] range : ranges) {
            for (long at = 0; at < range[1]; at += zeros.length) {
                raw.write(range[0] + at, zeros, 0, (int) Math.min(zeros.length, range[1] - at));
            }
        }
        for (Object[] c : start) raw.write((Long) c[0], (byte[]) c[1]);
        raw.restoreContext(context);
        raw.reg(X86Reg.CR3, raw.reg(X86Reg.CR3));
        return r;
    }

    /** The raw engine's state now, over {@code ranges}. */
    public EndState endState(List<long[]> ranges) {
        return EndState.read(raw, ranges);
    }

    /** The raw engine (for a caller that counts instructions with its own hook, as the functional test does). */
    public Engine engine() {
        return raw;
    }

    public long begin() {
        return begin;
    }

    public long end() {
        return end;
    }

    public boolean storeFastPath() {
        return storeFastPath;
    }

    @Override
    public void close() {
        raw.close();
    }
}
