package org.efiemu.uefi.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The ordered record of every service call one machine served. Deterministic: the same payload on the same
 * platform gives byte-identical {@link #toJsonLines()}. Owned by one machine; not thread-safe for writers.
 */
public final class ServiceTrace {
    /** Jackson is loaded only when a trace is written as JSON (a run that prints no JSON never pays for it). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);
    }

    private final List<ServiceCallEvent> events = new ArrayList<>();
    private final List<TraceListener> listeners = new CopyOnWriteArrayList<>();

    /** Sequence number the next event gets. */
    public long nextSequence() {
        return events.size() + 1L;
    }

    /** Appends {@code e} and passes it to the listeners. */
    public void record(ServiceCallEvent e) {
        if (e.sequence() != nextSequence()) {
            throw new IllegalArgumentException("trace event " + e + " has sequence " + e.sequence() + ", expected "
                    + nextSequence());
        }
        events.add(e);
        for (TraceListener l : listeners) {
            l.onCall(e);
        }
    }

    public void addListener(TraceListener l) {
        listeners.add(l);
    }

    public void removeListener(TraceListener l) {
        listeners.remove(l);
    }

    /** All events, oldest first (a copy). */
    public List<ServiceCallEvent> events() {
        return List.copyOf(events);
    }

    /** Events of one service, by spec name. */
    public List<ServiceCallEvent> calls(String service) {
        return events.stream().filter(e -> e.service().equals(service)).toList();
    }

    /** One event as a single JSON object with the fields in {@link ServiceCallEvent}'s declared order. */
    public static String toJson(ServiceCallEvent e) {
        try {
            return Json.MAPPER.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("trace event " + e + " cannot be written as JSON", ex);
        }
    }

    /** The whole trace as JSON lines (one object per line, each line ending in {@code \n}). */
    public String toJsonLines() {
        StringBuilder sb = new StringBuilder();
        for (ServiceCallEvent e : events) {
            sb.append(toJson(e)).append('\n');
        }
        return sb.toString();
    }

    /** Writes {@link #toJsonLines()} to {@code out}. */
    public void writeJsonLines(Writer out) {
        try {
            out.write(toJsonLines());
        } catch (IOException ex) {
            throw new UncheckedIOException("writing the service trace as JSON lines", ex);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (ServiceCallEvent e : events) {
            sb.append(String.format("#%d %s  [%s%s]%n", e.sequence(), e.summary(), e.caller(),
                    e.afterExitBootServices() ? ", after ExitBootServices" : ""));
        }
        return sb.toString();
    }
}
