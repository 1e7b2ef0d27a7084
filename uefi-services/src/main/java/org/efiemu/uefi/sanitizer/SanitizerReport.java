package org.efiemu.uefi.sanitizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * What the memory-ownership sanitizer saw in one run.
 *
 * @param findings aggregated flagged writes, in the order of their first write
 * @param protectionFaults write-protection faults taken (at most one per page and ownership change)
 * @param watchedPages pages whose later writes were measured exactly after their first fault
 * @param unwatchedPages pages reported after the watch limit was reached: only their first write is measured
 */
public record SanitizerReport(List<SanitizerFinding> findings, long protectionFaults, long watchedPages,
        long unwatchedPages) {
    /** Jackson is loaded only when findings are written as JSON. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    public SanitizerReport {
        findings = List.copyOf(findings);
    }

    /** True when no write was flagged. */
    public boolean isClean() {
        return findings.isEmpty();
    }

    /** The findings of one kind. */
    public List<SanitizerFinding> findings(FindingKind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }

    /** The findings overlapping {@code [address, address + length)}. */
    public List<SanitizerFinding> findingsIn(long address, long length) {
        return findings.stream().filter(f -> f.overlaps(address, length)).toList();
    }

    /** One JSON object per finding, one per line (the sanitizer's part of the trace stream). */
    public String toJsonLines() {
        StringBuilder sb = new StringBuilder();
        for (SanitizerFinding f : findings) {
            try {
                sb.append(Json.MAPPER.writeValueAsString(f)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("sanitizer finding " + f + " cannot be written as JSON", e);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("SanitizerReport: %d finding%s, %d protection faults, %d pages "
                + "watched, %d unwatched", findings.size(), findings.size() == 1 ? "" : "s", protectionFaults, watchedPages,
                unwatchedPages));
        findings.forEach(f -> sb.append(System.lineSeparator()).append("  ").append(f));
        return sb.toString();
    }
}
