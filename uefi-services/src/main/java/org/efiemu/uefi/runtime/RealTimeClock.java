package org.efiemu.uefi.runtime;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.efiemu.uefi.fs.EfiTime;

/**
 * The platform's real-time clock on virtual time, as EDK2's {@code PcatRealTimeClockRuntimeDxe} presents it
 * (UEFI 2.10 §8.3): the wall time is the start time plus the machine's virtual nanoseconds, so every run reads the
 * same times. SetTime moves the wall clock (kept as an offset); the time zone and daylight flags are stored as given.
 * Second resolution with a 0 nanosecond field, as the CMOS RTC reports.
 */
public final class RealTimeClock {
    /** EDK2 PcRtc: {@code PcdMinimalValidYear} 1998 and {@code PcdMaximalValidYear} 2097. */
    public static final int MIN_YEAR = 1998;
    public static final int MAX_YEAR = 2097;

    private final LongSupplier virtualNanos;
    private long offsetNanos;
    private short timeZone = EfiTime.UNSPECIFIED_TIMEZONE;
    private int daylight;

    /** @param start the wall time at virtual time 0 (UTC) */
    public RealTimeClock(Instant start, LongSupplier virtualNanos) {
        this.virtualNanos = Objects.requireNonNull(virtualNanos, "virtualNanos");
        this.offsetNanos = Objects.requireNonNull(start, "start").getEpochSecond() * 1_000_000_000L + start.getNano();
    }

    /** GetTime: the current time, whole seconds, with the stored TimeZone and Daylight. */
    public EfiTime now() {
        long n = offsetNanos + virtualNanos.getAsLong();
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), 0, ZoneOffset.UTC);
        return new EfiTime(t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(),
                0, timeZone, daylight);
    }

    /**
     * True when {@code t} passes EDK2 {@code RtcTimeFieldsValid}: year within [{@value #MIN_YEAR},
     * {@value #MAX_YEAR}], a real calendar day, TimeZone within ±1440 minutes or unspecified, Daylight only bits 0-1.
     */
    public static boolean isValid(EfiTime t) {
        if (t.year() < MIN_YEAR || t.year() > MAX_YEAR || (t.daylight() & ~3) != 0) {
            return false;
        }
        if (t.timeZone() != EfiTime.UNSPECIFIED_TIMEZONE && (t.timeZone() < -1440 || t.timeZone() > 1440)) {
            return false;
        }
        try {
            LocalDateTime.of(t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second());
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    /** SetTime: the wall clock reads {@code t} now; false (nothing changed) when {@link #isValid} fails. */
    public boolean set(EfiTime t) {
        if (!isValid(t)) {
            return false;
        }
        long seconds = LocalDateTime.of(t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second())
                .toEpochSecond(ZoneOffset.UTC);
        offsetNanos = seconds * 1_000_000_000L - virtualNanos.getAsLong();
        timeZone = t.timeZone();
        daylight = t.daylight();
        return true;
    }
}
