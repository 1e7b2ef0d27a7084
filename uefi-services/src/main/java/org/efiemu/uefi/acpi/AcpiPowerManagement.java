package org.efiemu.uefi.acpi;

import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import org.efiemu.core.clock.NativeClockPorts;
import org.efiemu.core.machine.IoPortDevice;

/**
 * The fixed ACPI hardware behind {@link AcpiTablesBuilder}'s FADT (ACPI 6.5 §4.8), as QEMU's ICH9 power management
 * at I/O 0x600 serves it to OVMF on q35: PM1a status/enable, PM1a control, the PM timer and GPE0; and the reset
 * control register at 0xCF9 the FADT's RESET_REG names.
 *
 * <ul>
 * <li>PM1a_CNT (0x604): SCI_EN (bit 0) reads 1 (the machine is in ACPI mode: the FADT has no SMI command port);
 * a write with SLP_EN (bit 13) and SLP_TYP (bits 10-12) equal to \_S5's SLP_TYPa is the S5 soft-off §7.4.2 and
 * §16.1.7 describe: {@code onPowerOff} runs (the machine ends the run as ResetSystem(EfiResetShutdown) does). SLP_EN
 * with another SLP_TYP (a sleep state this machine's DSDT does not declare) is ignored.
 * <li>PM1a_EVT (0x600): status bits are write-1-to-clear (none is ever set), enable bits read back.
 * <li>PM_TMR (0x608): 24-bit counter at 3.579545 MHz on the machine's virtual time.
 * <li>GPE0 (0x620, 16 bytes): status reads 0, enable bytes read back.
 * <li>0xCF9: a write with SYS_RST (bit 2) resets the machine: {@code onReset} gets the EFI_RESET_TYPE (bit 3 FULL_RST:
 * EfiResetCold, else EfiResetWarm).
 * </ul>
 */
public final class AcpiPowerManagement implements IoPortDevice {
    /** First port of the PM block and how many ports it spans (0x600..0x62F). */
    public static final int FIRST_PORT = AcpiTablesBuilder.PM1A_EVT_BLK;
    public static final int PORT_COUNT = AcpiTablesBuilder.GPE0_BLK + AcpiTablesBuilder.GPE0_BLK_LEN - FIRST_PORT;
    /** PM timer frequency (ACPI 6.5 §4.8.3.3). */
    public static final long PM_TIMER_HZ = 3_579_545;
    /** PM timer width: 24 bits (the FADT's TMR_VAL_EXT is clear). */
    public static final int PM_TIMER_BITS = 24;
    private static final int SCI_EN = 1;
    private static final int SLP_EN = 1 << 13;

    private final LongSupplier nanos;
    private final Runnable onPowerOff;
    private final IntConsumer onReset;
    private final byte[] registers = new byte[PORT_COUNT];
    private int resetControl;
    private boolean poweredOff;

    /**
     * @param nanos the machine's virtual time in nanoseconds
     * @param onPowerOff called once when the guest enters S5 through PM1a_CNT
     * @param onReset called with 2 (EfiResetCold) or 1 (EfiResetWarm) when the guest resets through 0xCF9
     */
    public AcpiPowerManagement(LongSupplier nanos, Runnable onPowerOff, IntConsumer onReset) {
        this.nanos = nanos;
        this.onPowerOff = onPowerOff;
        this.onReset = onReset;
    }

    /** The reset control register's device: port 0xCF9. */
    public IoPortDevice resetControl() {
        return new IoPortDevice() {
            @Override
            public int in(int port, int size) {
                return resetControl;
            }

            @Override
            public void out(int port, int size, int value) {
                resetControl = value & 0xFF & ~0x04;
                if ((value & 0x04) != 0) {
                    onReset.accept((value & 0x08) != 0 ? 2 : 1);
                }
            }
        };
    }

    /** True once the guest entered S5. */
    public boolean poweredOff() {
        return poweredOff;
    }

    @Override
    public int in(int port, int size) {
        int value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = (value << 8) | readByte(port + i);
        }
        return value;
    }

    private int readByte(int port) {
        int off = port - FIRST_PORT;
        if (off < 0 || off >= PORT_COUNT) {
            return 0xFF;
        }
        int tmr = AcpiTablesBuilder.PM_TMR_BLK - FIRST_PORT;
        if (off >= tmr && off < tmr + 4) {
            // the machine answers whole reads of PM_TMR with the same function in C (Machine.serveCounterPorts)
            return NativeClockPorts.value(nanos.getAsLong(), PM_TIMER_HZ, PM_TIMER_BITS, AcpiTablesBuilder.PM_TMR_BLK,
                    port, 1);
        }
        int cnt = AcpiTablesBuilder.PM1A_CNT_BLK - FIRST_PORT;
        if (off == cnt) {
            return (registers[off] & 0xFF) | SCI_EN;
        }
        if (off < 2 || (off >= AcpiTablesBuilder.GPE0_BLK - FIRST_PORT
                && off < AcpiTablesBuilder.GPE0_BLK - FIRST_PORT + AcpiTablesBuilder.GPE0_BLK_LEN / 2)) {
            return 0; // PM1 status, GPE0 status: nothing pending
        }
        return registers[off] & 0xFF;
    }

    @Override
    public void out(int port, int size, int value) {
        int cnt = AcpiTablesBuilder.PM1A_CNT_BLK;
        boolean touchesControl = port < cnt + 2 && port + size > cnt;
        for (int i = 0; i < size; i++) {
            int off = port + i - FIRST_PORT;
            if (off >= 0 && off < PORT_COUNT) {
                registers[off] = (byte) (value >>> (8 * i));
            }
        }
        if (touchesControl) {
            int c = cnt - FIRST_PORT;
            int control = (registers[c] & 0xFF) | ((registers[c + 1] & 0xFF) << 8);
            registers[c + 1] = (byte) ((control & ~SLP_EN) >>> 8);  // SLP_EN is write-only: reads 0
            if ((control & SLP_EN) != 0 && ((control >>> 10) & 7) == AcpiTablesBuilder.S5_SLP_TYP && !poweredOff) {
                poweredOff = true;
                onPowerOff.run();
            }
        }
    }
}
