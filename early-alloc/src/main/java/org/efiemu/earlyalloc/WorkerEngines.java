package org.efiemu.earlyalloc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.efiemu.core.engine.ReusableEngine;

/**
 * One {@link ReusableEngine} per worker thread of a pool that runs scenarios in bulk (a hunt, a matrix): each thread
 * gets its own engine the first time it asks, and every machine it builds is built on it. Owned by the run that
 * created it (no global state); {@link #close()} closes every engine once the pool's threads are done. With reuse
 * off, {@link #forCurrentThread()} gives null: every machine opens its own engine (the differential test's reference).
 */
public final class WorkerEngines implements AutoCloseable {
    private final boolean reuse;
    private final Map<Thread, ReusableEngine> engines = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param reuse false: no engine is kept ({@link #forCurrentThread()} is null) */
    public WorkerEngines(boolean reuse) {
        this.reuse = reuse;
    }

    /** Whether machines are built on kept engines. */
    public boolean reuse() {
        return reuse;
    }

    /** The calling thread's engine (created on first use), or null when reuse is off or this is closed. */
    public ReusableEngine forCurrentThread() {
        if (!reuse || closed) {
            return null;
        }
        return engines.computeIfAbsent(Thread.currentThread(), t -> new ReusableEngine());
    }

    /** Machines built on the kept engines so far (statistics). */
    public long lends() {
        return engines.values().stream().mapToLong(ReusableEngine::lends).sum();
    }

    /** Closes every engine once {@code pool}'s threads have stopped (after {@code shutdownNow}; waits up to a minute). */
    public void closeAfter(java.util.concurrent.ExecutorService pool) {
        try {
            pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    /** Closes every engine (one still lent to a machine closes when that machine gives it back). */
    @Override
    public void close() {
        closed = true;
        List<ReusableEngine> all = new ArrayList<>(engines.values());
        engines.clear();
        all.forEach(ReusableEngine::close);
    }
}
