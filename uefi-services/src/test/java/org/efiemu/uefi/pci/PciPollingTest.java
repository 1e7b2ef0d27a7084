package org.efiemu.uefi.pci;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;

/** PollMem/PollIo's outcome as EDK2's RootBridgeIoPollMem (UEFI 2.10 §14.2). */
class PciPollingTest {
    @Test
    void aMatchAtTheFirstReadSucceedsAtOnce() {
        assertThat(PciPolling.poll(0, 0xC0141F05L, 4, 0xFF, 0x05, 1000))
                .isEqualTo(new PciPolling.Outcome(EfiStatus.SUCCESS, 0xC0141F05L, 0));
    }

    @Test
    void noMatchWithDelayZeroStillSucceedsWithTheValueRead() {
        assertThat(PciPolling.poll(0, 0x12, 1, 0xFF, 0x34, 0).status()).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void noMatchTimesOutAfterTheWholeDelayIn100NanosecondUnits() {
        assertThat(PciPolling.poll(0, 0x12, 1, 0xFF, 0x34, 10)).isEqualTo(new PciPolling.Outcome(EfiStatus.TIMEOUT, 0x12,
                1000));
    }

    @Test
    void resultKeepsTheBytesAboveTheWidthAndTheComparisonSeesThem() {
        // OVMF: PollIo(Uint8) after a PollMem left 0xC0141F05 in *Result gives 0xC0141F00
        PciPolling.Outcome o = PciPolling.poll(0xC0141F05L, 0x00, 1, 0, 0, 0);
        assertThat(o.result()).isEqualTo(0xC0141F00L);
        assertThat(PciPolling.poll(0xC0141F05L, 0x00, 1, -1L, 0, 10).status()).as("the stale bytes do not match 0")
                .isEqualTo(EfiStatus.TIMEOUT);
    }
}
