package org.efiemu.uefi.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class HexTextTest {

    @Property(tries = 2000)
    void upperIsFormattersPercentXForEveryLongNegativeOnesAsUnsigned(@ForAll long v) {
        assertThat(HexText.upper(v)).isEqualTo(String.format(Locale.ROOT, "%X", v));
    }

    @Property(tries = 2000)
    void upperWithDigitsIsFormattersZeroPaddedPercentXAndNeverCutsDigits(@ForAll long v, @ForAll @IntRange(min = 1, max = 20) int digits) {
        assertThat(HexText.upper(v, digits)).isEqualTo(String.format(Locale.ROOT, "%0" + digits + "X", v));
    }

    @Test
    void zeroAndEdgesPrintAsFormatterPrintsThem() {
        for (long v : new long[] {0, 1, 0xF, 0x10, 0xFF, Long.MAX_VALUE, Long.MIN_VALUE, -1, 0xFFFF_FFFFL}) {
            assertThat(HexText.upper(v)).isEqualTo(String.format("%X", v));
            assertThat(HexText.upper(v, 16)).isEqualTo(String.format("%016X", v));
            assertThat(HexText.upper(v, 4)).isEqualTo(String.format("%04X", v));
        }
    }

    @Property(tries = 1000)
    void guidRegistryFormIsTheSpecsFormatterText(@ForAll long high, @ForAll long low) {
        byte[] b = java.nio.ByteBuffer.allocate(16).putLong(high).putLong(low).array();
        Guid g = Guid.fromBytes(b);
        java.nio.ByteBuffer le = java.nio.ByteBuffer.wrap(g.toBytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        high = (Integer.toUnsignedLong(le.getInt()) << 32) | ((le.getShort() & 0xFFFFL) << 16) | (le.getShort() & 0xFFFFL);
        low = java.nio.ByteBuffer.wrap(g.toBytes(), 8, 8).getLong();
        assertThat(g.registryForm()).isEqualTo(String.format(Locale.ROOT, "%08X-%04X-%04X-%04X-%012X", high >>> 32,
                (high >>> 16) & 0xFFFF, high & 0xFFFF, low >>> 48, low & 0xFFFF_FFFF_FFFFL));
    }
}
