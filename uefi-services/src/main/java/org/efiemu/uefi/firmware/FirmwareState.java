package org.efiemu.uefi.firmware;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import org.efiemu.uefi.memory.MemoryMapSnapshot;

/**
 * The run-level state the services share: whether ExitBootServices succeeded (and the final map the OS received),
 * a ResetSystem request, violations, and the calls of unimplemented slots. One per machine.
 */
public final class FirmwareState {
    /** How a ResetSystem call asked the machine to end (UEFI 2.10 §8.5.1). */
    public record ResetRequest(String resetType, String status, String data) {}

    private final LongFunction<String> callSites;
    private final List<Violation> violations = new ArrayList<>();
    private final List<UnimplementedCall> unimplemented = new ArrayList<>();
    private MemoryMapSnapshot finalMap;
    private ResetRequest reset;
    private Long imageReturnStatus;
    private long watchdogDeadlineNanos;

    /** @param callSites describes a guest RIP ({@code image.efi+0x1A2B} or {@code 0x7F000000}) */
    public FirmwareState(LongFunction<String> callSites) {
        this.callSites = callSites;
    }

    public String describe(long rip) {
        return callSites.apply(rip);
    }

    public boolean exitedBootServices() {
        return finalMap != null;
    }

    /** Records a successful ExitBootServices and the map the OS receives. */
    public void exitBootServices(MemoryMapSnapshot map) {
        if (finalMap != null) {
            throw new IllegalStateException("ExitBootServices already succeeded once");
        }
        finalMap = map;
    }

    public Optional<MemoryMapSnapshot> finalMap() {
        return Optional.ofNullable(finalMap);
    }

    public void violation(String kind, String message, long callerRip) {
        violations.add(new Violation(kind, message, callerRip, describe(callerRip)));
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    private String waitsForever;

    /**
     * The guest began a wait that can never end (WaitForEvent on events nothing can signal, HLT with interrupts on and
     * no timer armed): {@code what} says which, with the call site. The run stops there; not a rule broken by the
     * guest (real firmware would simply wait), so not a violation.
     */
    public void waitsForever(String what, long callerRip) {
        if (waitsForever == null) {
            waitsForever = what + " (at " + describe(callerRip) + ")";
        }
    }

    /** What {@link #waitsForever} recorded, if the guest began a wait that cannot end. */
    public Optional<String> waitingForever() {
        return Optional.ofNullable(waitsForever);
    }

    public void unimplemented(String service, long callerRip) {
        unimplemented.add(new UnimplementedCall(service, callerRip, describe(callerRip)));
    }

    public List<UnimplementedCall> unimplementedCalls() {
        return List.copyOf(unimplemented);
    }

    public void reset(ResetRequest r) {
        if (reset == null) {
            reset = r;
        }
    }

    public Optional<ResetRequest> reset() {
        return Optional.ofNullable(reset);
    }

    /** The EFI_STATUS the image's entry point returned, once it did. */
    public void imageReturned(long status) {
        imageReturnStatus = status;
    }

    public Optional<Long> imageReturnStatus() {
        return Optional.ofNullable(imageReturnStatus);
    }

    /**
     * Arms the watchdog (UEFI 2.10 §7.5.2): when virtual time passes {@code deadlineNanos} the platform resets; 0
     * disarms it.
     */
    public void watchdogDeadline(long deadlineNanos) {
        watchdogDeadlineNanos = deadlineNanos;
    }

    /** The armed watchdog deadline in virtual nanoseconds, 0 when disarmed. */
    public long watchdogDeadline() {
        return watchdogDeadlineNanos;
    }
}
