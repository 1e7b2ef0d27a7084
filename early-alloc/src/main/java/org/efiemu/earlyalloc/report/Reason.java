package org.efiemu.earlyalloc.report;

import java.util.Objects;

/** One observed reason for a scenario's verdict, with its evidence. */
public record Reason(ReasonKind kind, String message, Evidence evidence) {
    public Reason {
        Objects.requireNonNull(kind, "Reason.kind");
        Objects.requireNonNull(message, "Reason.message");
        evidence = evidence == null ? Evidence.none() : evidence;
    }

    @Override
    public String toString() {
        return kind.title() + ": " + message + (evidence.isEmpty() ? "" : " [" + evidence + "]");
    }
}
