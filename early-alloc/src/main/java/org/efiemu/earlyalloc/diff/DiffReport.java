package org.efiemu.earlyalloc.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * What {@code efiemu diff} found: the lines each side printed, how each ended, the first divergence and the efiemu
 * service calls around it, and efiemu's stop diagnosis.
 *
 * @param payload the application's name
 * @param platform the platform profile efiemu ran (the QEMU machine's memory follows it)
 * @param loadOptions the LoadOptions both sides passed
 * @param qemuCommand the QEMU command line
 * @param versions QEMU and OVMF versions
 * @param real the lines printed on QEMU + OVMF
 * @param emulated the lines printed on efiemu
 * @param realEnding how the run ended on QEMU + OVMF
 * @param emulatedEnding how it ended on efiemu
 * @param sameEnding both returned the same status
 * @param callsAround efiemu's service calls around the first divergence (empty when there is none)
 * @param divergenceSequence the trace sequence number at the diverging efiemu line (0 when none)
 * @param diagnosis efiemu's stop diagnosis lines
 * @param realSeconds QEMU's wall time
 * @param emulatedSeconds efiemu's wall time (machine build and run)
 * @param compared the pattern that selected the compared lines of both sides, or null when all were compared
 */
public record DiffReport(String payload, String platform, String loadOptions, String qemuCommand, String versions,
        List<String> real, List<String> emulated, String realEnding, String emulatedEnding, boolean sameEnding,
        List<ServiceCallEvent> callsAround, long divergenceSequence, List<String> diagnosis, double realSeconds,
        double emulatedSeconds, String compared) {

    /** A report comparing all lines. */
    public DiffReport(String payload, String platform, String loadOptions, String qemuCommand, String versions,
            List<String> real, List<String> emulated, String realEnding, String emulatedEnding, boolean sameEnding,
            List<ServiceCallEvent> callsAround, long divergenceSequence, List<String> diagnosis, double realSeconds,
            double emulatedSeconds) {
        this(payload, platform, loadOptions, qemuCommand, versions, real, emulated, realEnding, emulatedEnding,
                sameEnding, callsAround, divergenceSequence, diagnosis, realSeconds, emulatedSeconds, null);
    }

    /** Index of the first line that differs, if any. */
    public OptionalInt firstDivergence() {
        return ConsoleDiff.firstDivergence(real, emulated);
    }

    /** True when both sides printed the same lines and ended the same way. */
    public boolean same() {
        return firstDivergence().isEmpty() && sameEnding;
    }

    /** One sentence: the first divergence, or that there is none. */
    public String divergenceSummary() {
        OptionalInt d = firstDivergence();
        if (d.isEmpty()) {
            return sameEnding ? "no divergence: the same " + real.size() + " lines and the same ending (" + endingWord()
                    + ")"
                    : "the same " + real.size() + " lines, but the endings differ";
        }
        int i = d.getAsInt();
        String r = i < real.size() ? "\"" + real.get(i) + "\"" : "nothing more (it had stopped printing)";
        String e = i < emulated.size() ? "\"" + emulated.get(i) + "\"" : "nothing more (it had stopped printing)";
        return String.format("first divergence at line %d: QEMU + OVMF printed %s, efiemu printed %s", i + 1, r, e);
    }

    /** What both endings were when they are the same. */
    private String endingWord() {
        return realEnding.startsWith("returned") ? "both returned" : "neither returned";
    }

    /** The report as the command line prints it. */
    public List<String> render() {
        List<String> out = new ArrayList<>();
        out.add("efiemu diff: " + payload + " on " + platform + " (efiemu) and QEMU + OVMF (" + versions + ")");
        out.add("load options  " + (loadOptions == null || loadOptions.isEmpty()
                ? "(none: both boot the first disk's \\EFI\\BOOT\\BOOTX64.EFI, as OVMF's boot manager does)" : loadOptions));
        out.add("qemu          " + qemuCommand);
        if (compared != null) {
            out.add("compared      the lines matching /" + compared + "/ of each side");
        }
        out.addAll(ConsoleDiff.sideBySide(real, emulated, 8));
        out.add(String.format("ending        QEMU + OVMF: %s (%.1f s)", realEnding, realSeconds));
        out.add(String.format("              efiemu:      %s (%.1f s)", emulatedEnding, emulatedSeconds));
        out.add(divergenceSummary());
        if (!callsAround.isEmpty()) {
            out.add("efiemu service calls around it:");
            for (ServiceCallEvent e : callsAround) {
                out.add(String.format("  %s#%d %s  [%s]", e.sequence() == divergenceSequence ? ">" : " ", e.sequence(),
                        e.summary(), e.caller()));
            }
        }
        diagnosis.forEach(l -> out.add("efiemu: " + l));
        return out;
    }
}
