package org.efiemu.uefi.trace;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One guest call of a Boot Service, Runtime Service or protocol function, as the trace records it.
 *
 * <p>{@link #toString()} reads like the spec prototype with the result appended, e.g.
 * {@code AllocatePages(AllocateMaxAddress, EfiLoaderData, 4, 0x9FFFF) = EFI_SUCCESS -> 0x9C000}.
 *
 * @param sequence 1-based position in the trace
 * @param virtualNanos virtual time of the call (the machine's deterministic clock)
 * @param service the spec name, e.g. {@code AllocatePages} or {@code ConOut.OutputString}
 * @param arguments decoded arguments in prototype order, spec enum names and hex addresses
 * @param status the returned EFI_STATUS name ({@code EFI_SUCCESS}), or {@code -} for functions returning nothing
 * @param outputs what the call wrote through OUT parameters (or produced, e.g. console text), decoded
 * @param caller the call site: {@code image+0xOFFSET} inside a loaded image, else a hex address
 * @param callerRip the raw return address of the call
 * @param afterExitBootServices true when ExitBootServices had already succeeded at the time of the call
 */
@JsonPropertyOrder({"sequence", "virtualNanos", "service", "arguments", "status", "outputs", "caller", "callerRip",
        "afterExitBootServices"})
public record ServiceCallEvent(long sequence, long virtualNanos, String service, List<String> arguments, String status,
        List<String> outputs, String caller, long callerRip, boolean afterExitBootServices) {

    public ServiceCallEvent {
        arguments = List.copyOf(arguments);
        outputs = List.copyOf(outputs);
    }

    /** The call without sequence, time and caller: {@code Name(args) = STATUS -> outputs}. */
    public String summary() {
        return summaryOf(service, arguments, status, outputs);
    }

    /**
     * The trace's one-line form of a call, {@code Name(args) = STATUS -> outputs} (the arrow part only when there are
     * outputs), e.g. {@code AllocatePages(AllocateMaxAddress, EfiLoaderData, 4, 0x9FFFF) = EFI_SUCCESS -> 0x9C000}. Shared
     * by every view of a call that prints it the way the trace does.
     */
    public static String summaryOf(String service, List<String> arguments, String status, List<String> outputs) {
        StringBuilder sb = new StringBuilder(service).append('(').append(String.join(", ", arguments)).append(')');
        sb.append(" = ").append(status);
        if (!outputs.isEmpty()) {
            sb.append(" -> ").append(String.join(", ", outputs));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
