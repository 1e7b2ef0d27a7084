package org.efiemu.uefi.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.efiemu.uefi.fs.EfiTime;
import org.junit.jupiter.api.Test;

class RealTimeClockTest {
    private final AtomicLong nanos = new AtomicLong();
    private final RealTimeClock rtc = new RealTimeClock(Instant.parse("2024-02-28T23:59:59Z"), nanos::get);

    @Test
    void wallTimeIsTheStartPlusVirtualTimeInWholeSeconds() {
        assertThat(rtc.now()).isEqualTo(new EfiTime(2024, 2, 28, 23, 59, 59, 0, EfiTime.UNSPECIFIED_TIMEZONE, 0));
        nanos.set(1_999_999_999L);
        assertThat(rtc.now().toString()).isEqualTo("2024-02-29 00:00:00");
        nanos.set(86_401_000_000_000L);
        assertThat(rtc.now().toString()).isEqualTo("2024-03-01 00:00:00");
    }

    @Test
    void setTimeMovesTheClockAndKeepsZoneAndDaylight() {
        nanos.set(5_000_000_000L);
        assertThat(rtc.set(new EfiTime(2030, 6, 15, 12, 0, 0, 0, (short) -60, 1))).isTrue();
        nanos.addAndGet(61_000_000_000L);
        assertThat(rtc.now()).isEqualTo(new EfiTime(2030, 6, 15, 12, 1, 1, 0, (short) -60, 1));
    }

    @Test
    void setTimeRejectsWhatEdk2PcRtcRejectsAndChangesNothing() {
        EfiTime before = rtc.now();
        assertThat(rtc.set(new EfiTime(2023, 2, 29, 0, 0, 0, 0, (short) 0, 0))).isFalse();
        assertThat(rtc.set(new EfiTime(1997, 1, 1, 0, 0, 0, 0, (short) 0, 0))).isFalse();
        assertThat(rtc.set(new EfiTime(2098, 1, 1, 0, 0, 0, 0, (short) 0, 0))).isFalse();
        assertThat(rtc.set(new EfiTime(2024, 1, 1, 0, 0, 0, 0, (short) 1441, 0))).isFalse();
        assertThat(rtc.set(new EfiTime(2024, 1, 1, 0, 0, 0, 0, (short) 0, 4))).isFalse();
        assertThat(rtc.now()).isEqualTo(before);
        assertThat(RealTimeClock.isValid(new EfiTime(2024, 2, 29, 23, 59, 59, 0, EfiTime.UNSPECIFIED_TIMEZONE, 3))).isTrue();
    }
}
