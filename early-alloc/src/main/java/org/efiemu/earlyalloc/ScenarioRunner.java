package org.efiemu.earlyalloc;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.efiemu.core.clock.BlockCountingException;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.earlyalloc.report.ExpectedVerdict;
import org.efiemu.earlyalloc.report.MapRegion;
import org.efiemu.earlyalloc.report.ScenarioReport;
import org.efiemu.earlyalloc.report.TraceLine;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.efiemu.uefi.sanitizer.WriteHookChoice;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * Runs one {@link Scenario} on its own {@link UefiMachine} and judges it: boot the strategy payload on the platform
 * (loaded where the descriptor or the options say) with the memory-ownership sanitizer attached, run until ResetSystem
 * after ExitBootServices (the payload's end), a fault, a violation or the budget; then the {@link VerdictEngine}. Thread-safe: no shared mutable state, so many
 * scenarios can run in parallel.
 */
public final class ScenarioRunner {
    /**
     * {@code -Defiemu.sanitizer.writeHookFromStart=true|false}: the sanitizer's write hook exists before each
     * scenario's first run always, or never ({@link MemorySanitizer#attach(UefiMachine, org.efiemu.uefi.sanitizer.SanitizerListener, boolean)});
     * unset: chosen per worker engine and strategy ({@link WriteHookChoice}; never on a new engine, which keeps no
     * code). Only the cost depends on it (docs/performance.md, "The sanitizer's refresh and the early write hook").
     */
    static final String SANITIZER_WRITE_HOOK_FROM_START = System.getProperty("efiemu.sanitizer.writeHookFromStart");
    /** The write-hook choice of each reused engine lent to this runner (an engine serves one thread at a time). */
    private final java.util.Map<org.efiemu.core.engine.ReusableEngine, WriteHookChoice> writeHookChoices =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    /** Machines started with the sanitizer's write hook (statistics, for tests). */
    private final java.util.concurrent.atomic.AtomicLong machinesWithEarlyWriteHook = new java.util.concurrent.atomic.AtomicLong();
    /** Machines this runner started with the sanitizer's write hook before their first run (statistics). */
    long machinesWithEarlyWriteHook() {
        return machinesWithEarlyWriteHook.get();
    }

    /** The expectation used when the expected-verdicts file has none: a strategy should work. */
    public static final String NO_EXPECTATION = "no expectation recorded: a strategy is expected to pass";

    private final ExpectedVerdicts expected;
    private final VerdictEngine engine;
    private final Duration wallClockLimit;
    private final boolean sanitize;
    private final InstructionCounting counting;
    /** Scenarios whose block-counted run was not exact (a hint only: which counter to try first). */
    private volatile java.util.List<java.nio.file.Path> disks = java.util.List.of();
    private final java.util.Set<Scenario> needsPerInstruction = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Each strategy's payload parsed once (by identity: a hunt or a matrix runs the same {@link Strategy} object on
     * machine after machine; a {@code PeImage} is immutable, so the workers share it). Bounded like the hint above.
     */
    private final java.util.Map<Strategy, org.efiemu.core.pe.PeImage> payloads = new java.util.IdentityHashMap<>();

    /**
     * @param sanitize attach the memory-ownership sanitizer (normal); without it the ownership rules fall back to the
     *                 payload's named ranges cross-checked against the trace (for measuring the sanitizer's cost)
     */
    public ScenarioRunner(ExpectedVerdicts expected, CostMeter costs, Duration wallClockLimit, boolean sanitize) {
        this(expected, costs, wallClockLimit, sanitize, InstructionCounting.BLOCKS);
    }

    /**
     * @param counting {@link InstructionCounting#BLOCKS}: count by block and rerun per instruction where that cannot be
     *                 exact (the default); {@link InstructionCounting#PER_INSTRUCTION}: count per instruction only
     */
    public ScenarioRunner(ExpectedVerdicts expected, CostMeter costs, Duration wallClockLimit, boolean sanitize,
            InstructionCounting counting) {
        this.counting = Objects.requireNonNull(counting, "counting");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.engine = new VerdictEngine(Objects.requireNonNull(costs, "costs"));
        this.wallClockLimit = Objects.requireNonNull(wallClockLimit, "wallClockLimit");
        this.sanitize = sanitize;
    }

    /** Built-in expectations and cost baseline, 60 s wall-clock safety limit per scenario. */
    public static ScenarioRunner standard() {
        return standard(ExpectedVerdicts.builtIn());
    }

    /** {@link #standard()} with other expectations (e.g. a user's file over the built-in ones). */
    public static ScenarioRunner standard(ExpectedVerdicts expected) {
        return new ScenarioRunner(expected, CostMeter.builtIn(), Duration.ofSeconds(60), true);
    }

    /** Runs and judges one scenario on a new engine. */
    public ScenarioResult run(Scenario s) {
        return run(s, null);
    }

    /**
     * Runs and judges one scenario on an engine lent by {@code engine} (the calling worker's own; null: a new engine).
     * The result is the same as on a new engine (docs/performance.md, "Engine reuse").
     */
    public ScenarioResult run(Scenario s, org.efiemu.core.engine.ReusableEngine lent) {
        long t0 = System.nanoTime();
        PlatformProfile profile = MapGrowth.grow(s.platform(), s.options().extraMapEntries());
        PlatformDescription platform = Platforms.describe(profile).description();
        Observation o = observe(s, platform, lent);
        Judgement j = engine.judge(o, s.strategy());
        ExpectedVerdict exp = expected(s);
        ScenarioReport report = new ScenarioReport(s.platform().name(), s.strategy().name(), s.options().asReportOptions(),
                j.verdict(), exp, j.reasons(), j.allocations(), j.trampoline(), j.mapBuffer(), j.violations(),
                regions(o.finalMap()), org.efiemu.earlyalloc.report.MappedList.of(o.calls(), // lines made when read
                        c -> new TraceLine(c.virtualNanos(), c.summary()
                        + "  [" + c.caller() + (c.afterExitBootServices() ? ", after ExitBootServices" : "") + "]")),
                o.console(), j.costs(), o.unmet());
        return new ScenarioResult(s, report, o, (System.nanoTime() - t0) / 1000);
    }

    /** The expected verdict of a scenario: from the file, else PASS ({@link #NO_EXPECTATION}). */
    public ExpectedVerdict expected(Scenario s) {
        return expected.lookup(s.strategy().name(), s.platform().name())
                .orElse(new ExpectedVerdict(Verdict.PASS, NO_EXPECTATION));
    }

    /**
     * Runs the scenario counting instructions by block (about twice as fast); when the run depended on the RIP of an
     * instruction inside a memory access (a fault, a sanitizer finding: {@link org.efiemu.core.machine.Machine#positionsExact()}),
     * runs it again per instruction, which gives the exact values. Emulation is deterministic, so both runs see the
     * same guest; only the second's values are kept, and this runner goes per instruction at once for that scenario
     * from then on. A block-counted run that could not count at all ({@link BlockCountingException}, e.g. guest code
     * storing into the block it runs) is handled the same way.
     */
    private Observation observe(Scenario s, PlatformDescription platform, org.efiemu.core.engine.ReusableEngine engine) {
        if (counting == InstructionCounting.BLOCKS
                && (needsPerInstruction.isEmpty() || !needsPerInstruction.contains(s))) { // hashing a 200-entry profile is not free
            try {
                Observation o = observe(s, platform, InstructionCounting.BLOCKS, engine);
                if (o != null) {
                    return o;
                }
            } catch (RuntimeException e) {
                if (!fromBlockCounting(e)) {
                    throw e;
                }
            }
            if (needsPerInstruction.size() >= 4096) {
                needsPerInstruction.clear(); // a hint only: bounded, so a hunt over millions of machines keeps no garbage
            }
            needsPerInstruction.add(s); // the same scenario does the same again: next time go per instruction at once
        }
        return observe(s, platform, InstructionCounting.PER_INSTRUCTION, engine);
    }

    /**
     * Disk images every scenario's machine gets ({@code efiemu matrix --disk}), each opened afresh per scenario (the
     * files are never written); returns this runner.
     */
    public ScenarioRunner disks(java.util.List<java.nio.file.Path> images) {
        this.disks = java.util.List.copyOf(images);
        return this;
    }

    /** The observation, or null when counting by block could not give exact values. */
    private Observation observe(Scenario s, PlatformDescription platform, InstructionCounting counting,
            org.efiemu.core.engine.ReusableEngine engine) {
        UefiMachineBuilder b = UefiMachine.builder(platform)
                .payload(payload(s.strategy()))
                .instructionBudget(s.options().instructionBudget())
                .wallClockLimit(wallClockLimit)
                .instructionCounting(counting)
                // a scenario translates most of what it runs: the call per block is cheaper here (docs/performance.md)
                .inlineBlockCounting(false)
                .engine(engine);
        s.loadAddress().ifPresent(b::loadAddress);
        disks.forEach(d -> b.disk(d, false));
        UefiMachine machine;
        try {
            machine = b.build();
        } catch (IllegalArgumentException e) {
            if (!isImageLoadFailure(e)) {
                throw new IllegalArgumentException("platform " + platform.name() + " cannot be emulated: " + e.getMessage(), e);
            }
            return Observations.loadFailed(platform, e.getMessage());
        }
        MemorySanitizer sanitizer = null;
        try {
            WriteHookChoice choice = sanitize && engine != null && SANITIZER_WRITE_HOOK_FROM_START == null
                    ? writeHookChoices.computeIfAbsent(engine, e -> new WriteHookChoice()) : null;
            boolean early = SANITIZER_WRITE_HOOK_FROM_START != null ? Boolean.parseBoolean(SANITIZER_WRITE_HOOK_FROM_START)
                    : choice != null && choice.startWithWriteHook(s.strategy());
            sanitizer = sanitize ? MemorySanitizer.attach(machine, f -> { }, early) : null;
            if (sanitizer != null && sanitizer.startedWithWriteHook()) { // none where stores are taken in the fault
                machinesWithEarlyWriteHook.incrementAndGet();
            }
            machine.machine().stopWhenPositionsInexact(true); // such a run is repeated per instruction anyway
            BootResult r = machine.run();
            if (choice != null) {
                choice.ran(s.strategy(), sanitizer.watchedAWrite());
            }
            if (!machine.machine().positionsExact()) {
                return null;
            }
            List<MemoryDescriptor> now = r.finalMap().isPresent() ? List.of() : machine.memoryMap().getMemoryMap().descriptors();
            return Observations.of(platform, r, now, sanitizer == null ? null : Observations.findings(sanitizer.report()));
        } finally {
            machine.close(); // first: the sanitizer then has no page protections to lift (uc_mem_protect, ~15 us each)
            if (sanitizer != null) {
                sanitizer.close();
            }
        }
    }

    /** The strategy's payload, parsed once per strategy object ({@link #payloads}). */
    private org.efiemu.core.pe.PeImage payload(Strategy strategy) {
        synchronized (payloads) {
            org.efiemu.core.pe.PeImage image = payloads.get(strategy);
            if (image == null) {
                if (payloads.size() >= 64) {
                    payloads.clear();
                }
                image = strategy.peImage();
                payloads.put(strategy, image);
            }
            return image;
        }
    }

    private static boolean fromBlockCounting(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BlockCountingException) {
                return true;
            }
        }
        return false;
    }

    /** True when the machine could not be built because the image could not be placed (EDK2 LoadImage failed). */
    static boolean isImageLoadFailure(Throwable e) {
        for (StackTraceElement f : e.getStackTrace()) {
            if (f.getClassName().endsWith(".ImageLoader")) {
                return true;
            }
        }
        return false;
    }

    static List<MapRegion> regions(List<MemoryDescriptor> map) {
        return map.stream().map(d -> MapRegion.of(d.typeName(), d.physicalStart(), d.numberOfPages(), d.attribute())).toList();
    }
}
