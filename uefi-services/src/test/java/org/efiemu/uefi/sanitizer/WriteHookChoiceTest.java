package org.efiemu.uefi.sanitizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link WriteHookChoice}: per payload, from the last eight machines, with a band in which the choice stays. */
class WriteHookChoiceTest {
    @Test
    void aPayloadStartsWithoutTheHookUntilAFullWindowOfItsMachinesWasSeen() {
        WriteHookChoice c = new WriteHookChoice();
        for (int i = 0; i < WriteHookChoice.WINDOW - 1; i++) {
            c.ran("mem-lower", true);
            assertThat(c.startWithWriteHook("mem-lower")).as("after %d machines", i + 1).isFalse();
        }
        c.ran("mem-lower", true);
        assertThat(c.startWithWriteHook("mem-lower")).isTrue();
    }

    @Test
    void theHookIsTakenAtFiveWatchingMachinesOfEightAndDroppedAtTwo() {
        WriteHookChoice c = new WriteHookChoice();
        boolean[] outcomes = {true, false, true, false, true, false, true, false}; // 4 of 8: not taken
        for (boolean o : outcomes) {
            c.ran("p", o);
        }
        assertThat(c.startWithWriteHook("p")).isFalse();
        c.ran("p", true); // window: F T F T F T F T -> 4 (the oldest true went): still 4
        assertThat(c.startWithWriteHook("p")).isFalse();
        c.ran("p", true); // T F T F T F T T -> 5
        assertThat(c.startWithWriteHook("p")).isTrue();
        c.ran("p", false); // 5 -> still at least 3: stays
        c.ran("p", false);
        assertThat(c.startWithWriteHook("p")).as("between the bounds the choice stays").isTrue();
        for (int i = 0; i < 8; i++) {
            c.ran("p", false);
        }
        assertThat(c.startWithWriteHook("p")).isFalse();
    }

    @Test
    void payloadsAreChosenForSeparately() {
        WriteHookChoice c = new WriteHookChoice();
        for (int i = 0; i < 16; i++) {
            c.ran("mem-lower", true);
            c.ran("efi-pool", i % 8 == 0);
        }
        assertThat(c.startWithWriteHook("mem-lower")).isTrue();
        assertThat(c.startWithWriteHook("efi-pool")).isFalse();
        assertThat(c.startWithWriteHook("never seen")).isFalse();
    }

    @Test
    void equalPayloadsShareOneHistoryWhicheverObjectAsks() {
        WriteHookChoice c = new WriteHookChoice();
        for (int i = 0; i < WriteHookChoice.WINDOW; i++) {
            c.ran(new String("mem-lower"), true); // a new but equal key each machine
        }
        assertThat(c.startWithWriteHook(new String("mem-lower"))).isTrue();
        assertThat(c.startWithWriteHook("mem-lower")).isTrue();
    }

    @Test
    void aPayloadIsForgottenOnceSixtyFourOthersFilledTheHistoryEvenRightAfterItWasAskedAbout() {
        WriteHookChoice c = new WriteHookChoice();
        Object kept = "mem-lower";
        for (int i = 0; i < WriteHookChoice.WINDOW; i++) {
            c.ran(kept, true);
        }
        assertThat(c.startWithWriteHook(kept)).isTrue();
        for (int i = 0; i < 64; i++) { // 64 payloads in all, then one more: the history starts again
            c.ran("other " + i, true);
            assertThat(c.startWithWriteHook(kept)).as("after %d others", i + 1).isEqualTo(i < 63);
        }
    }
}
