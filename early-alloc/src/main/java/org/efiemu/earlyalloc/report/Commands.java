package org.efiemu.earlyalloc.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command lines that reproduce a scenario and debug it, as the report prints them: {@code efiemu run} and
 * {@code efiemu debug} with the scenario's platform and strategy and the options it ran with. A scenario whose map was
 * grown ({@code extra-map-entries}) is reproduced by {@code efiemu matrix}, which is what grows maps.
 */
public final class Commands {
    private Commands() {
    }

    /** The command that reproduces the scenario's run. */
    public static String reproduce(ScenarioReport s) {
        Map<String, String> o = s.options();
        if (o.containsKey("extra-map-entries")) {
            return "efiemu matrix --platform " + s.platform() + " --strategy " + s.strategy() + " --extra-map-entries "
                    + o.get("extra-map-entries");
        }
        return "efiemu run" + guest(s);
    }

    /** The command that opens the scenario's run in the debugger, stopped at the image's entry point. */
    public static String debug(ScenarioReport s) {
        return "efiemu debug" + guest(s);
    }

    private static String guest(ScenarioReport s) {
        List<String> words = new ArrayList<>(List.of("--platform", s.platform(), "--strategy", s.strategy()));
        String load = s.options().get("load-address");
        if (load != null) {
            words.addAll(List.of("--load-address", load));
        }
        return " " + String.join(" ", words);
    }
}
