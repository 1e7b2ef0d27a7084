package org.efiemu.uefi.runtime;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.nio.ByteBuffer;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.fs.EfiTime;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * ABI adapters of the Time Services (UEFI 2.10 §8.3) over a {@link RealTimeClock} on virtual time. The wakeup alarm
 * is EFI_UNSUPPORTED, as OVMF's {@code PcRtc} reports on q35 (no RTC alarm wired to a wake event).
 */
public final class TimeAbi {
    /** {@code EFI_TIME_CAPABILITIES} of EDK2 PcRtc: Resolution 1 Hz, Accuracy 50 ppm (in ppm * 1e6), SetsToZero FALSE. */
    static final long RESOLUTION = 1;
    static final long ACCURACY = 50_000_000;

    private final RealTimeClock rtc;

    public TimeAbi(RealTimeClock rtc) {
        this.rtc = rtc;
    }

    /** {@code GetTime(*Time, *Capabilities)}: Time NULL or not RAM → EFI_INVALID_PARAMETER; Capabilities optional. */
    public EfiStatus getTime(ServiceCall c) {
        long time = c.arg(0);
        long caps = c.arg(1);
        c.arguments(ptr(time), ptr(caps));
        if (!c.isRam("Time", time, EfiTime.SIZE, Align.UINT32)
                || (caps != 0 && !c.isRam("Capabilities", caps, 12, Align.UINT32))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiTime now = rtc.now();
        ByteBuffer b = ByteBuffer.allocate(EfiTime.SIZE);
        now.writeTo(b);
        c.memory().write(time, b.array());
        if (caps != 0) {
            c.memory().putU32(caps, RESOLUTION);
            c.memory().putU32(caps + 4, ACCURACY);
            c.memory().putU8(caps + 8, 0);
        }
        c.output(now.toString());
        return EfiStatus.SUCCESS;
    }

    /** {@code SetTime(*Time)}: fields outside EDK2's {@code RtcTimeFieldsValid} → EFI_INVALID_PARAMETER. */
    public EfiStatus setTime(ServiceCall c) {
        long time = c.arg(0);
        c.arguments(ptr(time));
        if (!c.isRam("Time", time, EfiTime.SIZE, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiTime t;
        try {
            t = EfiTime.readFrom(ByteBuffer.wrap(c.memory().read(time, EfiTime.SIZE)));
        } catch (IllegalArgumentException e) {
            c.arguments(ptr(time));
            c.output(e.getMessage());
            return EfiStatus.INVALID_PARAMETER;
        }
        c.arguments(t);
        return rtc.set(t) ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
    }

    /** {@code GetWakeupTime(*Enabled, *Pending, *Time)}: EFI_UNSUPPORTED (OVMF). */
    public EfiStatus getWakeupTime(ServiceCall c) {
        c.arguments(ptr(c.arg(0)), ptr(c.arg(1)), ptr(c.arg(2)));
        c.output("no wakeup alarm (as OVMF)");
        return EfiStatus.UNSUPPORTED;
    }

    /** {@code SetWakeupTime(Enable, *Time)}: EFI_UNSUPPORTED (OVMF). */
    public EfiStatus setWakeupTime(ServiceCall c) {
        c.arguments(c.arg(0) & 0xFF, ptr(c.arg(1)));
        c.output("no wakeup alarm (as OVMF)");
        return EfiStatus.UNSUPPORTED;
    }
}
