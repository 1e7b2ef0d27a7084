package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.ProfileRegistry;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private static final ScenarioResult RESULT = ScenarioRunner.standard()
            .run(Scenario.of(ProfileRegistry.builtIn("ovmf-q35-512m"), StrategyCatalog.builtIn("efi-pool")));

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndClearedAtTheEnd() {
        StringWriter w = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(w), 2, true);
        bar.finished(RESULT);
        assertThat(w.toString()).startsWith("\r[" + "#".repeat(15) + ".".repeat(15) + "] 1/2 ovmf-q35-512m/efi-pool PASS")
                .doesNotContain("\n");
        bar.finished(RESULT);
        assertThat(w.toString()).contains("] 2/2 ").endsWith("\r");
    }

    @Test
    void withoutATerminalEachScenarioIsOnePlainLine() {
        StringWriter w = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(w), 3, false);
        bar.finished(RESULT);
        assertThat(w.toString()).matches("\\[1/3\\] ovmf-q35-512m/efi-pool PASS \\d+\\.\\d ms\\R");
    }
}
