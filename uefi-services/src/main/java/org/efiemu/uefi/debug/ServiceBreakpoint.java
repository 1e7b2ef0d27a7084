package org.efiemu.uefi.debug;

import java.util.function.Predicate;

/**
 * Stops before a call of a Boot Service, Runtime Service or protocol function (by spec name, e.g.
 * {@code AllocatePages} or {@code ConOut.OutputString}) whose arguments satisfy a condition.
 */
public final class ServiceBreakpoint {
    private final int id;
    private final String service;
    private final String conditionText;
    private final Predicate<ServiceArguments> condition;
    private long hits;

    ServiceBreakpoint(int id, String service, String conditionText, Predicate<ServiceArguments> condition) {
        this.id = id;
        this.service = service;
        this.conditionText = conditionText;
        this.condition = condition;
    }

    public int id() {
        return id;
    }

    public String service() {
        return service;
    }

    /** True when a call of {@code called} with {@code args} stops here. */
    public boolean matches(String called, ServiceArguments args) {
        return service.equals(called) && condition.test(args);
    }

    public long hits() {
        return hits;
    }

    void hit() {
        hits++;
    }

    @Override
    public String toString() {
        return String.format("breakpoint %d on %s%s (%d hit%s)", id, service,
                conditionText == null ? "" : " if " + conditionText, hits, hits == 1 ? "" : "s");
    }
}
