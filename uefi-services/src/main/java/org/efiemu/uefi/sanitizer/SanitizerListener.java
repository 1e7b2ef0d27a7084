package org.efiemu.uefi.sanitizer;

/**
 * Told when a guest write opens a new finding (one not contiguous with an earlier finding of the same kind, owner
 * and RIP), on the emulation thread, for live trace streams. The finding passed covers that first write only;
 * {@link SanitizerReport} holds the aggregated findings at the end.
 */
@FunctionalInterface
public interface SanitizerListener {
    void onFinding(SanitizerFinding firstWrite);
}
