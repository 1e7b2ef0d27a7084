package org.efiemu.earlyalloc.report;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What produced the report (deterministic: no wall-clock time): the command and its settings, sorted by key.
 *
 * @param command  the command line or API entry that ran the matrix
 * @param settings inputs that change results (profile versions, options, limits); kept sorted by name
 */
public record GenerationInputs(String command, Map<String, String> settings) {
    public GenerationInputs {
        Objects.requireNonNull(command, "GenerationInputs.command");
        settings = Collections.unmodifiableSortedMap(new TreeMap<>(settings == null ? Map.of() : settings));
    }
}
