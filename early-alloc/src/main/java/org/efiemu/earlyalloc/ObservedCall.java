package org.efiemu.earlyalloc;

import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * One service call the emulator served, as the verdict engine reads it (converted from the machine's trace).
 *
 * @param sequence              1-based position in the trace
 * @param virtualNanos          virtual time of the call (deterministic)
 * @param service               spec name ({@code AllocatePages}, {@code ExitBootServices})
 * @param arguments             decoded arguments in prototype order (spec enum names, hex numbers)
 * @param status                returned EFI_STATUS name ({@code EFI_SUCCESS}), {@code -} for VOID functions
 * @param outputs               what the call wrote through OUT parameters, decoded ({@code 0x90000})
 * @param caller                the call site as the trace names it ({@code mem-lower.efi+0x1a2b})
 * @param callerRip             the call's return address
 * @param fromImage             true when the call came from the payload image (not from firmware code)
 * @param afterExitBootServices true when ExitBootServices had already succeeded
 */
public record ObservedCall(long sequence, long virtualNanos, String service, List<String> arguments, String status, List<String> outputs,
        String caller, long callerRip, boolean fromImage, boolean afterExitBootServices) {

    public ObservedCall {
        arguments = List.copyOf(arguments);
        outputs = List.copyOf(outputs);
    }

    public boolean succeeded() {
        return "EFI_SUCCESS".equals(status);
    }

    /** Argument {@code i} (0-based) parsed as a number (hex with 0x or decimal), if present and numeric. */
    public Optional<Long> numberArgument(int i) {
        return i < arguments.size() ? parseNumber(arguments.get(i)) : Optional.empty();
    }

    /** The first output parsed as a number, if any. */
    public Optional<Long> firstNumberOutput() {
        for (String o : outputs) {
            Optional<Long> n = parseNumber(o);
            if (n.isPresent()) {
                return n;
            }
        }
        return Optional.empty();
    }

    /**
     * A number in a trace text: {@code 0x90000}, {@code 16}, {@code *Memory=0x90000} or {@code 0x90000 (16 pages)}: the
     * first hex or decimal token after an optional {@code name=}.
     */
    static Optional<Long> parseNumber(String text) {
        String t = text.strip();
        int eq = t.indexOf('=');
        if (eq >= 0) {
            t = t.substring(eq + 1).strip();
        }
        int end = 0;
        while (end < t.length() && !Character.isWhitespace(t.charAt(end)) && t.charAt(end) != ',' && t.charAt(end) != ')') {
            end++;
        }
        t = t.substring(0, end);
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Optional.of(Long.parseUnsignedLong(t.substring(2), 16));
            }
            if (t.equals("NULL")) {
                return Optional.of(0L);
            }
            return Optional.of(Long.parseLong(t));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code Name(args) = STATUS -> outputs}, as the trace prints it. */
    public String summary() {
        return ServiceCallEvent.summaryOf(service, arguments, status, outputs);
    }

    @Override
    public String toString() {
        return "#" + sequence + " " + summary() + " [" + caller + (afterExitBootServices ? ", after ExitBootServices" : "") + "]";
    }
}
