package org.efiemu.earlyalloc;

import java.util.List;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.trace.ServiceCallEvent;

/** Converts a {@link BootResult} of the firmware model into the verdict engine's {@link Observation}. */
public final class Observations {
    private Observations() {
    }

    /**
     * @param platform   the machine that ran (its map is the entry map)
     * @param r          the run's result
     * @param currentMap the machine's map at the end of the run, used when ExitBootServices did not succeed
     * @param findings   the sanitizer's findings; null when no sanitizer watched the run
     */
    public static Observation of(PlatformDescription platform, BootResult r, List<MemoryDescriptor> currentMap,
            List<SanitizerFinding> findings) {
        LoadedImage image = r.image();
        List<ObservedCall> calls = r.trace().stream().map(e -> call(e, image)).toList();
        List<MemoryDescriptor> finalMap = r.finalMap().map(m -> m.descriptors()).orElse(currentMap);
        return new Observation(end(r), calls, r.consoleText(), platform.memoryMap(), finalMap,
                findings == null ? List.of() : findings, findings != null, image.base(), image.size(),
                r.violations().stream().map(Object::toString).toList());
    }

    /** A run whose image could not be loaded. */
    public static Observation loadFailed(PlatformDescription platform, String why) {
        return new Observation(new RunEnd(RunEnd.Kind.LOAD_FAILED, why, 0), List.of(), "", platform.memoryMap(),
                platform.memoryMap(), List.of(), false, 0, 0, List.of());
    }

    static ObservedCall call(ServiceCallEvent e, LoadedImage image) {
        return new ObservedCall(e.sequence(), e.virtualNanos(), e.service(), e.arguments(), e.status(), e.outputs(),
                e.caller(), e.callerRip(), image.contains(e.callerRip()), e.afterExitBootServices());
    }

    static RunEnd end(BootResult r) {
        long rip = r.stopReport().rip();
        return switch (r.outcome()) {
            case RETURNED -> new RunEnd(RunEnd.Kind.RETURNED, "status " + r.statusName().orElse("?"), 0);
            case EXITED_BOOT_SERVICES -> new RunEnd(RunEnd.Kind.STOPPED_AFTER_EXIT_BOOT_SERVICES, "", 0);
            case RESET -> new RunEnd(RunEnd.Kind.RESET, r.reset().map(x -> "ResetSystem(" + x.resetType() + ", "
                    + x.status() + ")").orElse("watchdog"), 0);
            case VIOLATION -> new RunEnd(RunEnd.Kind.VIOLATION, String.join("; ",
                    r.violations().stream().map(Object::toString).toList()), rip);
            case HALTED -> new RunEnd(RunEnd.Kind.HALTED, "HLT with interrupts off", rip);
            case FAULT -> new RunEnd(RunEnd.Kind.FAULT, r.stopReport().reason() + " " + r.stopReport().detail(), rip);
            case BUDGET_EXHAUSTED -> new RunEnd(RunEnd.Kind.LIMIT, "instruction budget exhausted", rip);
            case TIME_LIMIT -> new RunEnd(RunEnd.Kind.LIMIT, "wall-clock limit", rip);
        };
    }
}
