package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * Physical addresses, sizes and attributes as hexadecimal text ({@code "0x9F000"}).
 *
 * <p>Addresses are unsigned 64-bit values ({@code EFI_PHYSICAL_ADDRESS}, UEFI 2.10 §7.2) and attributes use bit 63
 * ({@code EFI_MEMORY_RUNTIME}); JSON numbers lose precision above 2^53 in most readers, so report.json carries them as
 * strings. The deserializer also accepts plain JSON numbers.
 */
public final class Hex {
    private Hex() {
    }

    /** {@code 0x9F000}: upper-case digits, no padding, unsigned. */
    public static String of(long value) {
        return "0x" + Long.toHexString(value).toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * Parses {@code 0x...} (unsigned 64-bit) or a decimal number.
     *
     * @throws IllegalArgumentException naming the text when it is neither
     */
    public static long parse(String text) {
        String t = text.trim();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a hexadecimal (0x...) or decimal number: '" + text + "'", e);
        }
    }

    /** Writes a {@code long} as {@code "0x..."}. */
    public static final class Serializer extends StdSerializer<Long> {
        public Serializer() {
            super(Long.class);
        }

        @Override
        public void serialize(Long value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(of(value));
        }
    }

    /** Reads {@code "0x..."} strings or JSON integers. */
    public static final class Deserializer extends StdDeserializer<Long> {
        public Deserializer() {
            super(Long.class);
        }

        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                return p.getLongValue();
            }
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (Long) ctxt.handleUnexpectedToken(Long.class, p);
            }
            try {
                return parse(p.getText());
            } catch (IllegalArgumentException e) {
                return (Long) ctxt.handleWeirdStringValue(Long.class, p.getText(), e.getMessage());
            }
        }
    }
}
