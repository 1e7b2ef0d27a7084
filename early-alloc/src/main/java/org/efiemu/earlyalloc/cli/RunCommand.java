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
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, description = "Boot an EFI application on a platform and show what happened.")
public final class RunCommand implements Callable<Integer> {
    /** The line that separates the guest's console from efiemu's summary. */
    public static final String SEPARATOR = "==== efiemu ====";

    @Spec
    CommandSpec spec;

    @Mixin
    GuestOptions guest;

    @Option(names = "--esp-writable", description = "let the guest write to the --esp folder")
    boolean espWritable;

    @Option(names = "--trace", paramLabel = "OUT.jsonl", description = "write the service-call trace as JSON lines")
    Path trace;

    @Option(names = "--until", paramLabel = "WHEN", description = "stop early: exit-boot-services (as soon as ExitBootServices succeeds)")
    String until;

    @Option(names = "--load-address", paramLabel = "ADDR", description = "load the image here (e.g. 0x100000 or 1MiB) instead of where the firmware would")
    String loadAddress;

    @Option(names = "--budget", paramLabel = "N", defaultValue = "2000000000", description = "instruction budget (default: ${DEFAULT-VALUE})")
    long budget;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (until != null && !until.equals("exit-boot-services")) {
            throw new IllegalArgumentException("--until '" + until + "': expected exit-boot-services");
        }
        PlatformProfile profile = guest.profile();
        byte[] bytes = guest.payloadBytes();
        org.efiemu.earlyalloc.Platforms.Described described = org.efiemu.earlyalloc.Platforms.describe(profile);
        described.note().ifPresent(n -> spec.commandLine().getErr().println("efiemu run: note: " + n));
        UefiMachineBuilder b = UefiMachine.builder(described.description())
                .payload(bytes, guest.payloadName())
                .instructionBudget(budget)
                .wallClockLimit(Duration.ofMinutes(10))
                .stopAfterExitBootServices(until != null)
                .consoleListener((source, text) -> {
                    out.print(text);
                    out.flush();
                });
        if (loadAddress != null) {
            b.loadAddress(StrategyDescriptor.parseLoadAddress(loadAddress, "--load-address").orElseThrow(
                    () -> new IllegalArgumentException("--load-address 'firmware' is the default; give an address")));
        }
        Path esp = guest.espFolder();
        if (esp != null) {
            b.esp(esp, espWritable);
        }
        if (guest.loadOptions != null) {
            b.loadOptions(guest.loadOptions);
        }
        BootResult r;
        try (UefiMachine m = b.build()) {
            r = m.run();
        }
        if (trace != null) {
            try (Writer w = Files.newBufferedWriter(trace, StandardCharsets.UTF_8)) {
                for (var e : r.trace()) {
                    w.write(ServiceTrace.toJson(e));
                    w.write('\n');
                }
            }
        }
        printSummary(out, profile, r);
        out.flush();
        return switch (r.outcome()) {
            case FAULT, VIOLATION, BUDGET_EXHAUSTED, TIME_LIMIT -> 1;
            default -> 0;
        };
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
            m.descriptors().forEach(d -> out.println("  " + d));
        });
        out.println("allocations still held:");
        // call sites as image+offset (efi-pool.efi+0x103A), as in the trace
        java.util.function.LongFunction<String> site = rip -> "at "
                + (r.image().contains(rip) ? r.image().describe(rip) : String.format("0x%X", rip));
        r.livePages().forEach(a -> out.println("  " + a.describe(site)));
        r.livePool().forEach(p -> out.println("  " + p.describe(site)));
        if (r.outcome() == BootOutcome.FAULT) {
            out.print(r.stopReport());
        }
    }

    private static String ending(BootResult r) {
        return switch (r.outcome()) {
            case RETURNED -> "the entry point returned " + r.statusName().orElse("?");
            case EXITED_BOOT_SERVICES -> "ExitBootServices succeeded (stopped there: --until exit-boot-services)";
            case RESET -> "ResetSystem" + r.reset().map(x -> "(" + x.resetType() + ", " + x.status() + ")").orElse(" (watchdog)")
                    + (r.finalMap().isPresent() ? " after ExitBootServices succeeded" : "");
            case VIOLATION -> "stopped at a violation: " + r.violations();
            case HALTED -> "the CPU halted (HLT with interrupts off) at RIP 0x" + Long.toHexString(r.stopReport().rip());
            case FAULT -> "fault: " + r.stopReport().reason() + " " + r.stopReport().detail() + " at RIP 0x"
                    + Long.toHexString(r.stopReport().rip());
            case BUDGET_EXHAUSTED -> "the instruction budget ran out at RIP 0x" + Long.toHexString(r.stopReport().rip());
            case TIME_LIMIT -> "the wall-clock limit ran out";
        };
    }
}
