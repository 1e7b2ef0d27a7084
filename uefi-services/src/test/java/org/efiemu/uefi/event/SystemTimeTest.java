package org.efiemu.uefi.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** EDK2's mEfiSystemTime model: moved only by ticks taken, one tick pending while interrupts are off. */
class SystemTimeTest {
    private static final long PERIOD = 100_000; // 10 ms in 100 ns units, as OVMF

    @Test
    void everyGridPointPassedWithInterruptsOnIsATickTaken() {
        SystemTime t = new SystemTime(PERIOD);
        assertThat(t.reached(PERIOD * 3 + 5, true)).isEqualTo(3);
        assertThat(t.now()).isEqualTo(PERIOD * 3);
        assertThat(t.nextTickAt()).isEqualTo(PERIOD * 4);
        assertThat(t.reached(PERIOD * 3 + 99, true)).isZero();
    }

    @Test
    void ticksWhileInterruptsAreOffLeaveOnePendingAndLoseTheRest() {
        SystemTime t = new SystemTime(PERIOD);
        assertThat(t.reached(PERIOD * 4, false)).isZero();
        assertThat(t.pending()).isTrue();
        assertThat(t.now()).isZero();
        assertThat(t.interruptsEnabled()).isTrue();
        assertThat(t.now()).isEqualTo(PERIOD);
        assertThat(t.interruptsEnabled()).isFalse();
        assertThat(t.statistics()).containsExactly(1, 3);
    }

    @Test
    void aRelativeTriggerCountsFromTheLastTickTaken() {
        SystemTime t = new SystemTime(PERIOD);
        t.reached(PERIOD + PERIOD / 2, true); // half a tick after the first tick
        assertThat(t.ticksUntil(t.now() + PERIOD)).isEqualTo(1);
        assertThat(t.ticksUntil(t.now() + PERIOD + 1)).isEqualTo(2);
        assertThat(t.ticksUntil(t.now() - 1)).isEqualTo(1);
    }

    @Test
    void reachedOneTakesOnlyTheNextGridPoint() {
        SystemTime t = new SystemTime(PERIOD);
        assertThat(t.reachedOne(PERIOD * 5, true)).isEqualTo(1);
        assertThat(t.now()).isEqualTo(PERIOD);
        assertThat(t.reachedOne(PERIOD - 1, true)).isZero();
    }

    @Test
    void saveAndRestoreGiveBackTheSameState() {
        SystemTime t = new SystemTime(PERIOD);
        t.reached(PERIOD * 2, true);
        t.reached(PERIOD * 5, false);
        long[] saved = t.save();
        SystemTime u = new SystemTime(PERIOD);
        u.restore(saved);
        assertThat(u.now()).isEqualTo(t.now());
        assertThat(u.pending()).isTrue();
        assertThat(u.nextTickAt()).isEqualTo(t.nextTickAt());
        assertThat(u.statistics()).containsExactly(t.statistics());
    }

    @Test
    void aPeriodThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> new SystemTime(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tick period 0");
    }
}
