package org.efiemu.assertj;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PayloadFailureLineTest {
    @Test
    void theLastLineThatSaysItFailedIsQuoted() {
        assertThat(PayloadFailureLine.find("boot\r\nerror: no such device\nretrying\nFAILED to load kernel\nbye\n"))
                .contains("FAILED to load kernel");
    }

    @Test
    void failureWordsCountOnlyAsWords() {
        assertThat(PayloadFailureLine.find("errorless start\nfailsafe mode\nno terrors here\n")).isEmpty();
    }

    @Test
    void aVeryLongLineIsCut() {
        assertThat(PayloadFailureLine.find("panic: " + "x".repeat(1000)).orElseThrow()).hasSize(303).endsWith("...");
    }
}
