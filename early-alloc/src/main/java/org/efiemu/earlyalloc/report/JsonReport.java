package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * {@code report.json}: the whole {@link Report}, pretty-printed with two-space indents and {@code \n} line ends, record
 * components in declaration order, map entries by key, addresses as {@code "0x..."} strings. The same report always
 * gives the same bytes, and {@link #parse} gives back an equal report.
 */
public final class JsonReport {
    /** ObjectWriter/ObjectReader are immutable and thread-safe once built. */
    private static final ObjectWriter WRITER;
    private static final ObjectReader READER;

    static {
        ObjectMapper mapper = JsonMapper.builder()
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
        WRITER = mapper.writerFor(Report.class).with(printer);
        READER = mapper.readerFor(Report.class);
    }

    private JsonReport() {
    }

    /** The report as pretty JSON text ending in a newline. */
    public static String render(Report report) {
        try {
            return WRITER.writeValueAsString(report) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write report '" + report.title() + "' as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a report written by {@link #render}.
     *
     * @throws IllegalArgumentException with Jackson's location (line, column, path) when the text is not a report
     */
    public static Report parse(String json) {
        try {
            return READER.readValue(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a valid efiemu report.json: " + e.getMessage(), e);
        }
    }
}
