package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.efiemu.earlyalloc.StrategyDescriptor;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.trace.ServiceTrace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu run}: boots any EFI application on a platform. The guest's console text (ConOut, StdErr, COM1) goes to
 * stdout unchanged, as it is produced; efiemu's own summary (how the run ended, the allocations still held) follows
 * after a separator line. Exit status 0 when the run ended normally (returned, ResetSystem, stopped after
 * ExitBootServices, halted), 1 on a fault, a violation or a limit, 2 for bad input.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {EfiemuCommand.EXIT_0, EfiemuCommand.EXIT_1, EfiemuCommand.EXIT_2}, description = "Boot an EFI application on a platform and show what happened.")
public final class RunCommand implements Callable<Integer> {
    /** The line that separates the guest's console from efiemu's summary. */
    public static final String SEPARATOR = "==== efiemu ====";

    @Spec
    CommandSpec spec;

    @Mixin
    GuestOptions guest;

    @Mixin
    PresentationOptions present;

    @Option(names = "--esp-writable", description = "let the guest write to the --esp folder")
    boolean espWritable;

    @Option(names = "--trace", paramLabel = "OUT.jsonl", description = "write the service-call trace as JSON lines")
    Path trace;

    @Option(names = "--until", paramLabel = "WHEN", description = "stop early: exit-boot-services (as soon as ExitBootServices succeeds)")
    String until;


    /**
     * The guest's console as it is produced; after {@link #replay()} the text already printed is not printed again
     * (a run repeated per instruction produces the same text first).
     */
    private static final class LiveConsole {
        private final PrintWriter out;
        private long printed;
        private long skip;

        LiveConsole(PrintWriter out) {
            this.out = out;
        }

        void print(String text) {
            if (skip >= text.length()) {
                skip -= text.length();
                return;
            }
            String rest = text.substring((int) skip);
            skip = 0;
            printed += rest.length();
            out.print(rest);
            out.flush();
        }

        void replay() {
            skip = printed;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LiveConsole console = new LiveConsole(out);
        if (until != null && !until.equals("exit-boot-services")) {
            throw new IllegalArgumentException("--until '" + until + "': expected exit-boot-services");
        }
        guest.validate();
        guest.checkLoadOptions();
        PlatformProfile profile = guest.profile();
        // the trace file is opened before the run, so a bad path fails at once instead of losing the run's summary
        Writer traceOut = trace == null ? null : openTrace(trace);
        org.efiemu.earlyalloc.Platforms.Described described = org.efiemu.earlyalloc.Platforms.describe(profile);
        described.note().ifPresent(n -> spec.commandLine().getErr().println("efiemu run: note: " + n));
        UefiMachineBuilder b = UefiMachine.builder(described.description())
                .instructionBudget(guest.budget)
                .wallClockLimit(guest.timeLimit(Duration.ofMinutes(10)))
                .instructionCounting(guest.instructionCounting())
                .stopAfterExitBootServices(until != null)
                .consoleListener((source, text) -> console.print(text));
        guest.loadAddress().ifPresent(b::loadAddress);
        guest.applyPayloadAndDisks(b);
        Path esp = guest.espFolder();
        if (esp != null) {
            b.esp(esp, espWritable);
        }
        guest.payloadEspPath().ifPresent(b::filePath);
        if (guest.loadOptions != null) {
            b.loadOptions(guest.loadOptions);
        }
        b.shellParameters(guest.shellParameters);
        present.apply(b);
        BootResult r = null;
        java.io.StringWriter presentation = new java.io.StringWriter();
        long runNanos;
        String engineStats;
        org.efiemu.core.engine.StoreFastPath.Stats storeStats;
        String rerun = null;
        while (true) {
            try (UefiMachine m = b.build()) {
                if (rerun == null) {
                    m.disks().forEach(d -> d.notes().forEach(n -> spec.commandLine().getErr().println("efiemu run: note: " + n)));
                }
                long t0 = System.nanoTime();
                try {
                    r = m.run();
                } catch (org.efiemu.core.clock.BlockCountingException e) {
                    rerun = "counting by block cannot count this guest (" + e.getMessage() + ")";
                }
                runNanos = System.nanoTime() - t0;
                var machine = m.machine();
                long[] discovery = machine.rdtscDiscoveryStatistics();
                storeStats = machine.engine().storeFastPathStats();
                engineStats = String.format("%s, %d blocks counted, %d translated, %d RDTSC/RDTSCP sites hooked",
                        machine.clock().counting() == null ? "not counted" : "counted " + machine.clock().counting()
                                .name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                        machine.clock().countedBlocks(), discovery[0], machine.rdtscSites());
                var counter = machine.clock().blockCounter();
                if (counter != null) {
                    engineStats += counter.inline()
                            ? String.format(", %d translations counting inline", counter.inlineTranslations())
                            : ", a hook call per block (" + org.efiemu.core.clock.InlineBlockCounting.status() + ")";
                }
                if (rerun == null && r.outcome() == BootOutcome.FAULT && !machine.positionsExact()) {
                    rerun = "the run ended in a data-access fault whose instruction counting by block cannot place";
                }
                if (rerun == null) {
                    present.afterRun(m, PresentationOptions.conOut(r), new PrintWriter(presentation));
                }
            }
            if (rerun == null || guest.instructionCounting() != org.efiemu.core.clock.InstructionCounting.BLOCKS
                    || b.counting() != org.efiemu.core.clock.InstructionCounting.BLOCKS) {
                break;
            }
            // the same guest run again, per instruction: deterministic, so it prints what was printed; that part is
            // not printed twice
            spec.commandLine().getErr().println("efiemu run: note: " + rerun + "; running it again per instruction "
                    + "for exact positions");
            console.replay();
            b.instructionCounting(org.efiemu.core.clock.InstructionCounting.PER_INSTRUCTION);
            rerun = null;
        }
        if (traceOut != null) {
            try (Writer w = traceOut) {
                for (var e : r.trace()) {
                    w.write(ServiceTrace.toJson(e));
                    w.write('\n');
                }
            }
        }
        printSummary(out, profile, r);
        out.print(presentation);
        out.printf("guest    %d instructions in %.3f s of run (%.1f M instructions/s; %s)%n",
                r.stopReport().instructions(), runNanos / 1e9,
                runNanos == 0 ? 0.0 : r.stopReport().instructions() / (runNanos / 1e3), engineStats);
        out.printf("stores   %s%n", storePath(storeStats));
        out.flush();
        return switch (r.outcome()) {
            case FAULT, VIOLATION, BUDGET_EXHAUSTED, TIME_LIMIT, WAITS_FOREVER -> 1;
            default -> 0;
        };
    }

    /** The run summary's word on Unicorn's store path (see {@link org.efiemu.core.engine.StoreFastPath}). */
    static String storePath(org.efiemu.core.engine.StoreFastPath.Stats s) {
        var status = org.efiemu.core.engine.StoreFastPath.status();
        if (!status.active()) return "Unicorn's stock store path (" + status.detail() + ")";
        if (!s.enabled()) return "Unicorn's stock store path (the store fast path was turned off for this run)";
        return String.format("fast path for pages without translated code (%d TLB fills kept fast, %d kept slow for "
                + "code, %d pages lost their code): %s", s.fastFills(), s.keptCode(), s.unprotects(), status.detail());
    }

    private static Writer openTrace(Path file) throws java.io.IOException {
        if (Files.isDirectory(file)) {
            throw new java.io.IOException("--trace " + file + " is a directory; expected a file to write");
        }
        try {
            return Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.IOException("--trace " + file + " cannot be written: " + e.getMessage(), e);
        }
    }

    private void printSummary(PrintWriter out, PlatformProfile profile, BootResult r) {
        String console = r.consoleText();
        if (!console.isEmpty() && !console.endsWith("\n")) {
            out.println();
        }
        out.println(SEPARATOR);
        out.printf("payload  %s on %s%n", r.image(), profile.name());
        out.printf("ended    %s%n", ending(r));
        boolean ebs = r.finalMap().isPresent();
        out.printf("boot     ExitBootServices %s%n", ebs ? "succeeded (final map: " + r.finalMap().get().descriptors().size()
                + " descriptors)" : "not called or did not succeed");
        out.printf("calls    %d service calls, %d unimplemented, virtual time %.3f ms%n", r.trace().size(),
                r.unimplementedCalls().size(), r.virtualNanos() / 1e6);
        r.unimplementedCalls().forEach(u -> out.println("         unimplemented: " + u));
        r.violations().forEach(v -> out.println("         violation: " + v));
        // what the binary asked for and did not get, and where it stopped (item 7 of issue #16)
        r.diagnosis().lines().forEach(l -> out.println("why      " + l));
        r.finalMap().ifPresent(m -> {
            out.printf("final memory map (%d descriptors, MapKey 0x%X):%n", m.descriptors().size(), m.mapKey());
            out.print(org.efiemu.uefi.memory.MemoryMapText.table(m.descriptors()));
        });
        out.println("allocations still held:");
        // call sites as image+offset (efi-pool.efi+0x103A), as in the trace
        java.util.function.LongFunction<String> site = rip -> "at "
                + (r.image().contains(rip) ? r.image().describe(rip) : String.format("0x%X", rip));
        r.livePages().forEach(a -> out.println("  " + a.describe(site)));
        r.livePool().forEach(p -> out.println("  " + p.describe(site)));
        if (r.outcome() == BootOutcome.FAULT || r.outcome() == BootOutcome.TIME_LIMIT
                || r.outcome() == BootOutcome.BUDGET_EXHAUSTED || r.outcome() == BootOutcome.WAITS_FOREVER) {
            out.print(r.stopReport());
        }
    }

    /**
     * The stop's RIP as image+offset with the function when it is in any image ({@code payload.efi+0x14D7 <func+0x12>},
     * also images loaded by LoadImage or found by their PE header), else with the firmware stub's or piece's label.
     */
    private static String where(BootResult r) {
        long rip = r.stopReport().rip();
        String site = r.diagnosis().stopSite();
        String hex = "0x" + Long.toHexString(rip).toUpperCase(java.util.Locale.ROOT);
        if (!site.equals(hex) && !site.startsWith(hex + " ")) {
            return site + " (RIP 0x" + Long.toHexString(rip) + ")";
        }
        String label = r.stopReport().ripLabel();
        return "RIP 0x" + Long.toHexString(rip) + (label == null ? "" : " <" + label + ">");
    }

    private static String ending(BootResult r) {
        return switch (r.outcome()) {
            case RETURNED -> "the entry point returned " + r.statusName().orElse("?");
            case EXITED_BOOT_SERVICES -> "ExitBootServices succeeded (stopped there: --until exit-boot-services)";
            case RESET -> r.stopReport().reason() == org.efiemu.core.machine.StopReason.TRIPLE_FAULT
                    ? r.stopReport().detail() + " at " + where(r) : "ResetSystem" + r.reset().map(x -> "(" + x.resetType() + ", " + x.status() + ")").orElse(" (watchdog)")
                    + (r.finalMap().isPresent() ? " after ExitBootServices succeeded" : "");
            case VIOLATION -> "stopped at a violation: " + r.violations();
            case HALTED -> "the CPU halted (HLT with interrupts off) at RIP 0x" + Long.toHexString(r.stopReport().rip());
            case FAULT -> "fault: " + r.stopReport().reason() + " " + r.stopReport().detail() + " at " + where(r);
            case BUDGET_EXHAUSTED -> "the budget ran out (" + r.stopReport().detail() + ") at " + where(r);
            case TIME_LIMIT -> "the wall-clock limit ran out at " + where(r);
            case WAITS_FOREVER -> "the guest waits forever: " + r.stopReport().detail() + " at " + where(r);
        };
    }
}
