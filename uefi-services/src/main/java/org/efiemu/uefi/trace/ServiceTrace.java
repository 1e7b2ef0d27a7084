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

    /** Events kept from the start of a run. */
    public static final int HEAD_EVENTS = 100_000;
    /** Events kept from the end of a run (the middle of a longer trace is counted, not kept). */
    public static final int TAIL_EVENTS = 100_000;

    private final List<ServiceCallEvent> events = new ArrayList<>();
    private final java.util.ArrayDeque<ServiceCallEvent> tail = new java.util.ArrayDeque<>();
    private final List<TraceListener> listeners = new CopyOnWriteArrayList<>();
    private long recorded;

    /** Sequence number the next event gets. */
    public long nextSequence() {
        return recorded + 1L;
    }

    /** Events recorded in the middle of a long trace and not kept (listeners saw them all). */
    public long omittedEvents() {
        return recorded - events.size() - tail.size();
    }

    /** Events recorded in all, kept or not. */
    public long recordedEvents() {
        return recorded;
    }

    /** Appends {@code e} and passes it to the listeners. */
    public void record(ServiceCallEvent e) {
        if (e.sequence() != nextSequence()) {
            throw new IllegalArgumentException("trace event " + e + " has sequence " + e.sequence() + ", expected "
                    + nextSequence());
        }
        recorded++;
        if (events.size() < HEAD_EVENTS) {
            events.add(e);
        } else {
            tail.addLast(e);
            if (tail.size() > TAIL_EVENTS) {
                tail.pollFirst();
            }
        }
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

    /**
     * All kept events, oldest first (a copy): every event, unless more than {@link #HEAD_EVENTS} +
     * {@link #TAIL_EVENTS} were recorded; then the first and the last ones ({@link #omittedEvents()} between them).
     */
    public List<ServiceCallEvent> events() {
        if (tail.isEmpty()) {
            return List.copyOf(events);
        }
        List<ServiceCallEvent> all = new ArrayList<>(events.size() + tail.size());
        all.addAll(events);
        all.addAll(tail);
        return java.util.Collections.unmodifiableList(all);
    }

    /** Kept events of one service, by spec name. */
    public List<ServiceCallEvent> calls(String service) {
        return events().stream().filter(e -> e.service().equals(service)).toList();
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
        if (omittedEvents() > 0) {
            sb.append("{\"omittedEvents\":").append(omittedEvents()).append("}\n");
        }
        for (ServiceCallEvent e : tail) {
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
        for (ServiceCallEvent e : events()) {
            sb.append(String.format("#%d %s  [%s%s]%n", e.sequence(), e.summary(), e.caller(),
                    e.afterExitBootServices() ? ", after ExitBootServices" : ""));
        }
        return sb.toString();
    }
}
