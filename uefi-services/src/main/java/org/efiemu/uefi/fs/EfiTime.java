package org.efiemu.uefi.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * {@code EFI_TIME} (UEFI 2.10 §8.3.1): 16 bytes — Year, Month, Day, Hour, Minute, Second, Pad1, Nanosecond,
 * TimeZone (minutes from UTC, or {@code EFI_UNSPECIFIED_TIMEZONE} 0x07FF), Daylight, Pad2.
 */
public record EfiTime(int year, int month, int day, int hour, int minute, int second, int nanosecond,
        short timeZone, int daylight) {

    public static final int SIZE = 16;
    public static final short UNSPECIFIED_TIMEZONE = 0x07FF;

    public EfiTime {
        if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23
                || minute > 59 || second > 59 || nanosecond < 0 || nanosecond > 999_999_999) {
            throw new IllegalArgumentException(String.format("EFI_TIME %04d-%02d-%02d %02d:%02d:%02d.%09d: a field is"
                    + " out of the spec's range", year, month, day, hour, minute, second, nanosecond));
        }
    }

    /** The UTC time of {@code instant} (TimeZone 0). */
    public static EfiTime of(Instant instant) {
        ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
        return new EfiTime(t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(),
                t.getSecond(), t.getNano(), (short) 0, 0);
    }

    public void writeTo(ByteBuffer b) {
        b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) year).put((byte) month).put((byte) day).put((byte) hour)
                .put((byte) minute).put((byte) second).put((byte) 0).putInt(nanosecond).putShort(timeZone)
                .put((byte) daylight).put((byte) 0);
    }

    public static EfiTime readFrom(ByteBuffer b) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        int year = b.getShort() & 0xFFFF;
        int month = b.get();
        int day = b.get();
        int hour = b.get();
        int minute = b.get();
        int second = b.get();
        b.get();
        int nano = b.getInt();
        short tz = b.getShort();
        int daylight = b.get() & 0xFF;
        b.get();
        return new EfiTime(year, month, day, hour, minute, second, nano, tz, daylight);
    }

    @Override
    public String toString() {
        return String.format("%04d-%02d-%02d %02d:%02d:%02d", year, month, day, hour, minute, second);
    }
}
