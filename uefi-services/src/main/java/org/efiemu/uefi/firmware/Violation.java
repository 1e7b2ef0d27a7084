package org.efiemu.uefi.firmware;

/**
 * A guest action the firmware refuses to treat as normal: a Boot Service called after ExitBootServices succeeded, a
 * jump to address 0 (a call through a zeroed table), a wild pointer handed to a VOID service, an expired watchdog.
 * The run stops at the first one.
 *
 * @param kind short machine-readable kind, e.g. {@code boot-service-after-exit-boot-services}
 * @param message what happened, naming the service and the caller
 * @param callerRip the guest RIP the call came from (its return address), 0 when not known
 * @param caller {@code callerRip} described (image-relative when inside a loaded image)
 */
public record Violation(String kind, String message, long callerRip, String caller) {
    @Override
    public String toString() {
        return kind + ": " + message + " (caller " + caller + ")";
    }
}
