package org.efiemu.earlyalloc.speed;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.GateCall;
import org.efiemu.core.gate.GateListener;
import org.efiemu.core.machine.Machine;

/**
 * A gate listener that cuts an efiemu run into the stretches of guest code between two consecutive firmware calls
 * ({@link GuestStretch}) and times each with the emulating thread's CPU time and the wall clock. A stretch starts
 * when call N has returned (its {@code after}) with RIP still at the call's gate slot, no interrupt in progress, on the
 * thread that runs the guest, and ends at the entry of call N + 1 (its {@code before}) with no interrupt in progress;
 * anything else (a call that ran guest code on a continuation, an interrupt handler's calls) starts no stretch. The
 * clocks are read last at the start and first at the end, so what a {@link Boundary} does there is outside the
 * stretch's time.
 */
public final class StretchRecorder implements GateListener {
    /** Work done at a stretch's ends, outside its timing (e.g. copying the machine into a raw engine). */
    public interface Boundary {
        /** At the start of the stretch after call {@code sequence}, before its clocks start. */
        default void atStart(long sequence, Machine machine) {}

        /** At the end of the stretch after call {@code sequence}, after its clocks stopped. */
        default void atEnd(GuestStretch stretch, Machine machine) {}
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Machine machine;
    private final Boundary boundary;
    private final long minInstructions;
    private final Thread runner;
    private final List<GuestStretch> stretches = new ArrayList<>();
    private long calls;
    private long openSequence = -1;
    private String openLabel;
    private long openRip;
    private long openInstructions;
    private long openInterrupts;
    private long openMapped;
    private long openDiscovery;
    private long openRdtsc;
    private long openCpu;
    private long openWall;

    /**
     * @param machine the machine whose gate this listens to (add it with {@code machine.gate().addListener})
     * @param minInstructions stretches shorter than this are not kept (a boot makes hundreds of thousands of calls)
     * @param runner the thread that will run the guest ({@code UefiMachine.run()})
     */
    public StretchRecorder(Machine machine, long minInstructions, Thread runner, Boundary boundary) {
        this.machine = machine;
        this.minInstructions = minInstructions;
        this.runner = runner;
        this.boundary = boundary == null ? new Boundary() {} : boundary;
    }

    @Override
    public void before(GateCall call) {
        if (PERF_CONTROL != null && openSequence == PERF_SEQUENCE) perfControl("disable");
        long cpu = THREADS.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        calls++;
        long open = openSequence;
        openSequence = -1;
        if (open < 0 || call.sequence() != open + 1 || Thread.currentThread() != runner
                || machine.interruptDepth() != 0) {
            return;
        }
        long instructions = machine.clock().instructions() - openInstructions;
        if (instructions < minInstructions) return;
        GuestStretch s = new GuestStretch(open, openLabel, call.label(), openRip, call.entry(), instructions,
                openInstructions, cpu - openCpu, wall - openWall, machine.interruptStatistics()[0] - openInterrupts,
                machine.physical().mappedBytes() - openMapped, machine.rdtscDiscoveryStatistics()[1] - openDiscovery,
                machine.clock().save()[2] - openRdtsc);
        stretches.add(s);
        boundary.atEnd(s, machine);
    }

    @Override
    public void after(GateCall call) {
        openSequence = -1;
        if (Thread.currentThread() != runner || machine.interruptDepth() != 0) return;
        long rip = machine.engine().reg(X86Reg.RIP);
        if (rip != call.entry()) return; // the call ran guest code and RIP was moved (a continuation's return slot)
        boundary.atStart(call.sequence(), machine);
        openLabel = call.label();
        openRip = rip;
        openInstructions = machine.clock().instructions();
        openInterrupts = machine.interruptStatistics()[0];
        openMapped = machine.physical().mappedBytes();
        openDiscovery = machine.rdtscDiscoveryStatistics()[1];
        openRdtsc = machine.clock().save()[2]; // VirtualClock.save(): {instructions, host calls, RDTSC reads, extra}
        openSequence = call.sequence();
        openWall = System.nanoTime();
        if (PERF_CONTROL != null && openSequence == PERF_SEQUENCE) perfControl("enable");
        openCpu = THREADS.getCurrentThreadCpuTime();
    }

    /**
     * Profiling one stretch: with {@code -Defiemu.bench.perfControl=FIFO} (and {@code -Defiemu.bench.perfStretch=N},
     * default 11) the stretch after call N of every run writes {@code enable} to FIFO at its start and
     * {@code disable} at its end, and waits each time for the answer on {@code FIFO.ack}: {@code perf record -D -1
     * --control fd:CTL,ACK} then samples that stretch only (scripts/perf-stretch.sh; docs/performance.md "calib12").
     */
    private static final String PERF_CONTROL = System.getProperty("efiemu.bench.perfControl");
    private static final long PERF_SEQUENCE = Long.getLong("efiemu.bench.perfStretch", 11);

    private static void perfControl(String command) {
        try (java.io.FileOutputStream out = new java.io.FileOutputStream(PERF_CONTROL)) {
            out.write((command + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            try (java.io.FileInputStream ack = new java.io.FileInputStream(PERF_CONTROL + ".ack")) {
                if (ack.read(new byte[5]) < 0) {
                    throw new java.io.IOException("no answer from perf on " + PERF_CONTROL + ".ack");
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("-Defiemu.bench.perfControl=" + PERF_CONTROL + ": " + command, e);
        }
    }

    /** The stretches kept so far, in run order. */
    public List<GuestStretch> stretches() {
        return List.copyOf(stretches);
    }

    /** Gate calls seen (their {@code before}). */
    public long calls() {
        return calls;
    }
}
