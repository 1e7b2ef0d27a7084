package org.efiemu.earlyalloc.report;

import java.util.Objects;

/** An early-allocator strategy (a matrix row): name, description and the bytes it adds to the image. */
public record StrategyReport(String name, String description, long imageSizeCost) {
    public StrategyReport {
        Objects.requireNonNull(name, "StrategyReport.name");
        Objects.requireNonNull(description, "StrategyReport.description");
        if (name.isBlank()) {
            throw new IllegalArgumentException("StrategyReport.name must not be blank");
        }
    }
}
