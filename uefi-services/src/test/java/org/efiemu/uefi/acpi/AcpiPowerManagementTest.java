package org.efiemu.uefi.acpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The PM1a, PM timer and reset-control ports behind the FADT (ACPI 6.5 §4.8, §7.4.2). */
class AcpiPowerManagementTest {
    final AtomicLong nanos = new AtomicLong();
    final List<String> events = new ArrayList<>();
    final AcpiPowerManagement pm = new AcpiPowerManagement(nanos::get, () -> events.add("S5"), t -> events.add("reset " + t));

    @Test
    void slpEnWithTheS5TypeInPm1aControlPowersOffOnce() {
        assertThat(pm.in(0x604, 2) & 1).as("SCI_EN").isEqualTo(1);
        pm.out(0x604, 2, (AcpiTablesBuilder.S5_SLP_TYP << 10) | (1 << 13));
        pm.out(0x604, 2, (AcpiTablesBuilder.S5_SLP_TYP << 10) | (1 << 13));
        assertThat(events).containsExactly("S5");
        assertThat(pm.poweredOff()).isTrue();
        assertThat(pm.in(0x604, 2) & (1 << 13)).as("SLP_EN reads 0").isZero();
    }

    @Test
    void slpTypWithoutSlpEnOrAnotherSleepTypeDoesNotPowerOff() {
        pm.out(0x604, 2, AcpiTablesBuilder.S5_SLP_TYP << 10);
        pm.out(0x604, 2, (5 << 10) | (1 << 13));
        assertThat(events).isEmpty();
        assertThat((pm.in(0x604, 2) >> 10) & 7).isEqualTo(5);
    }

    @Test
    void aByteWriteOfTheHighHalfWithSlpEnPowersOff() {
        pm.out(0x605, 1, ((AcpiTablesBuilder.S5_SLP_TYP << 10) | (1 << 13)) >> 8);
        assertThat(events).containsExactly("S5");
    }

    @Test
    void thePmTimerCountsAt3579545HzOfVirtualTimeIn24Bits() {
        nanos.set(1_000_000_000L);
        assertThat(pm.in(0x608, 4)).isEqualTo(3_579_545 & 0xFF_FFFF);
        nanos.set(2_000_000L);
        assertThat(pm.in(0x608, 4)).isEqualTo(7159);
    }

    @Test
    void resetControlWithSysRstResetsColdWithFullResetElseWarm() {
        pm.resetControl().out(0xCF9, 1, 0x02);
        assertThat(events).isEmpty();
        pm.resetControl().out(0xCF9, 1, 0x0E);
        pm.resetControl().out(0xCF9, 1, 0x06);
        assertThat(events).containsExactly("reset 2", "reset 1");
    }
}
