package org.efiemu.earlyalloc;

import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.efiemu.platform.PlatformProfile;

/** One strategy on one machine with options: the unit the matrix runs (one UefiMachine each). */
public record Scenario(PlatformProfile platform, Strategy strategy, ScenarioOptions options) {

    public Scenario {
        Objects.requireNonNull(platform, "Scenario.platform");
        Objects.requireNonNull(strategy, "Scenario.strategy");
        options = options == null ? ScenarioOptions.defaults() : options;
    }

    public static Scenario of(PlatformProfile platform, Strategy strategy) {
        return new Scenario(platform, strategy, ScenarioOptions.defaults());
    }

    /** Where the image is loaded: the option, else the descriptor's {@code load-address}, else empty (firmware). */
    public OptionalLong loadAddress() {
        return options.loadAddress().isPresent() ? options.loadAddress() : strategy.descriptor().loadAddress();
    }

    /** {@code platform/strategy[?options]}, as {@code ScenarioReport#id()} forms it. */
    public String id() {
        String base = platform.name() + "/" + strategy.name();
        var opts = new java.util.TreeMap<>(options.asReportOptions());
        return opts.isEmpty() ? base : base + "?" + opts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("&"));
    }

    @Override
    public String toString() {
        return id();
    }
}
