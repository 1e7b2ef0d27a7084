package org.efiemu.earlyalloc;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.sanitizer.FindingKind;
import org.efiemu.uefi.sanitizer.SanitizerReport;
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
                r.violations().stream().map(Object::toString).toList(), image.name(),
                r.diagnosis().unmet().stream().map(Object::toString).toList());
    }

    /**
     * The sanitizer's findings in the verdict engine's terms, merged: findings of the same kind, owner type, RIP and
     * side of ExitBootServices whose byte ranges touch or overlap become one (a byte-wise copy loop is one finding with
     * a length), keeping the earliest {@code afterCall}. Order: by first address within each key's first appearance.
     */
    public static List<SanitizerFinding> findings(SanitizerReport report) {
        Map<List<Object>, RangeSet<Long>> ranges = new LinkedHashMap<>();
        Map<List<Object>, Long> firstCall = new LinkedHashMap<>();
        for (var f : report.findings()) {
            SanitizerFinding.Kind kind = f.kind() == FindingKind.FIRMWARE_CORRUPTION
                    ? SanitizerFinding.Kind.FIRMWARE_CORRUPTION : SanitizerFinding.Kind.UNALLOCATED_USE;
            List<Object> key = List.of(kind, f.ownerType(), f.rip(), f.afterExitBootServices());
            ranges.computeIfAbsent(key, k -> TreeRangeSet.create()).add(Range.closedOpen(f.address(), f.end()));
            firstCall.merge(key, f.afterCall(), Math::min);
        }
        List<SanitizerFinding> out = new ArrayList<>();
        ranges.forEach((key, set) -> {
            for (Range<Long> r : set.asRanges()) {
                out.add(new SanitizerFinding((SanitizerFinding.Kind) key.get(0), (Long) key.get(2), r.lowerEndpoint(),
                        r.upperEndpoint() - r.lowerEndpoint(), (String) key.get(1), (Boolean) key.get(3), firstCall.get(key)));
            }
        });
        return out;
    }

    /** A run whose image could not be loaded. */
    public static Observation loadFailed(PlatformDescription platform, String why) {
        return new Observation(new RunEnd(RunEnd.Kind.LOAD_FAILED, why, 0), List.of(), "", platform.memoryMap(),
                platform.memoryMap(), List.of(), false, 0, 0, List.of(), "");
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
            case WAITS_FOREVER -> new RunEnd(RunEnd.Kind.LIMIT, "waits forever: " + r.stopReport().detail(), rip);
        };
    }
}
