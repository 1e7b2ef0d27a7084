package org.efiemu.uefi;

import java.util.List;
import java.util.Optional;
import org.efiemu.core.machine.StopReport;
import org.efiemu.uefi.diagnostics.StopDiagnosis;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.firmware.UnimplementedCall;
import org.efiemu.uefi.firmware.Violation;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.memory.Allocation;
import org.efiemu.uefi.memory.MemoryMapSnapshot;
import org.efiemu.uefi.memory.PoolAllocation;
import org.efiemu.uefi.protocol.ConsoleLog;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * What one {@link UefiMachine#run()} produced.
 *
 * @param outcome how the run ended
 * @param status the EFI_STATUS the entry point returned (only for {@link BootOutcome#RETURNED})
 * @param stopReport the machine's report of the stop (registers, RIP, last host calls)
 * @param console everything written to ConOut, StdErr and COM1
 * @param trace every service call, in order
 * @param livePages page allocations still held at the end (the image itself included)
 * @param livePool pool blocks still held at the end
 * @param finalMap the memory map the OS received, when ExitBootServices succeeded
 * @param unimplementedCalls calls of slots efiemu does not implement (they returned EFI_UNSUPPORTED)
 * @param violations firmware rules the guest broke
 * @param reset the ResetSystem request, when there was one
 * @param image the loaded payload
 * @param virtualNanos virtual time at the end
 * @param diagnosis where the run stopped and what the guest asked for and did not get (protocols, variables, files,
 *     unimplemented services), with call sites as image+offset
 */
public record BootResult(BootOutcome outcome, Optional<Long> status, StopReport stopReport, ConsoleLog console,
        List<ServiceCallEvent> trace, List<Allocation> livePages, List<PoolAllocation> livePool,
        Optional<MemoryMapSnapshot> finalMap, List<UnimplementedCall> unimplementedCalls, List<Violation> violations,
        Optional<FirmwareState.ResetRequest> reset, LoadedImage image, long virtualNanos,
        StopDiagnosis diagnosis) {

    /** All console text (ConOut, StdErr and serial) in order. */
    public String consoleText() {
        return console.text();
    }

    /** The returned status's spec name, or empty when the entry point did not return. */
    public Optional<String> statusName() {
        return status.map(EfiStatus::nameOf);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("BootResult ").append(outcome);
        statusName().ifPresent(s -> sb.append(' ').append(s));
        sb.append(String.format(", %d service calls, %d unimplemented, %d violations, virtual %d ns",
                trace.size(), unimplementedCalls.size(), violations.size(), virtualNanos));
        violations.forEach(v -> sb.append(System.lineSeparator()).append("  violation ").append(v));
        reset.ifPresent(r -> sb.append(System.lineSeparator()).append("  reset ").append(r));
        if (outcome != BootOutcome.RETURNED || !diagnosis.unmet().isEmpty()) {
            diagnosis.lines().forEach(l -> sb.append(System.lineSeparator()).append("  ").append(l));
        }
        if (outcome == BootOutcome.FAULT) {
            sb.append(System.lineSeparator()).append(stopReport);
        }
        return sb.toString();
    }
}
