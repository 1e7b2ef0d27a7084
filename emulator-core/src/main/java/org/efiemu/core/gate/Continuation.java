package org.efiemu.core.gate;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent worker thread that runs host functions which may call back into the guest, one call at a time, and
 * is reused by its {@link CallGate} for the next call (creating a thread per call cost about 0.2-0.6 ms). The
 * emulation thread (inside the gate's code hook) and the worker hand control to each other so that exactly one of
 * them runs at a time: the function either finishes ({@link Done}), fails ({@link Failed}) or asks for a guest call
 * ({@link GuestCall}), after which the emulation thread runs that guest code in the same {@code uc_emu_start} and
 * hands back its RAX.
 *
 * <p>Hand-offs are two single-slot mailboxes (one per direction) with a short spin before parking
 * ({@link LockSupport}); the volatile/atomic slots order every model write of one thread before the other thread
 * reads it. An idle worker retires after {@link #IDLE_RETIREMENT_NANOS} (so a gate that is never closed does not
 * keep threads forever); {@link #start} then reports false and the gate uses another worker.
 */
final class Continuation {
  record Done(long result) {}

  record Failed(Throwable error) {}

  record GuestCall(long fn, long[] args) {}

  private record Job(HostFunction fn, CallContext ctx) {}

  private record Result(long value) {}

  /** Worker to emulation: nothing; emulation to worker: the call is abandoned, the worker is asked to end. */
  private static final Object ABANDONED = new Object();
  private static final Object SHUTDOWN = new Object();
  private static final Object RETIRED = new Object();
  static final long IDLE_RETIREMENT_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** How long a hand-off spins before parking: the other side usually answers within microseconds. */
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(5);
  private static final long ABANDON_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final AtomicReference<Object> toWorker = new AtomicReference<>();
  private final AtomicReference<Object> toEmulation = new AtomicReference<>();
  private final Thread thread;
  private volatile Thread emulation;
  /** The call being run (null between calls); read by the worker and by {@link CallGate#callGuest} checks. */
  private volatile CallContext current;
  private volatile boolean abandoned;
  private volatile boolean closed;

  Continuation(String name) {
    thread = new Thread(this::work, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** True on a continuation worker thread (any gate's). */
  static boolean isWorkerThread() {
    return WORKER.get();
  }

  private static final ThreadLocal<Boolean> WORKER = ThreadLocal.withInitial(() -> false);

  private void work() {
    WORKER.set(true);
    while (!closed) {
      Object m = takeForWorker(true);
      if (!(m instanceof Job job)) return; // SHUTDOWN, or retired while idle
      Object out;
      try {
        out = new Done(job.fn().invoke(job.ctx()));
      } catch (Throwable t) {
        out = new Failed(t);
      }
      current = null;
      post(toEmulation, out, emulation);
    }
  }

  /**
   * Emulation thread: hands {@code fn} to this idle worker; false when the worker has retired or was shut down
   * (the caller then uses another worker).
   */
  boolean start(HostFunction fn, CallContext ctx) {
    emulation = Thread.currentThread();
    abandoned = false;
    current = ctx;
    if (!toWorker.compareAndSet(null, new Job(fn, ctx))) {
      current = null;
      return false;
    }
    LockSupport.unpark(thread);
    return true;
  }

  /** True when the caller is this worker running the call {@code ctx}. */
  boolean runs(CallContext ctx) {
    return Thread.currentThread() == thread && current == ctx;
  }

  /** Emulation thread: waits for the host function's next request ({@link Done}, {@link Failed}, {@link GuestCall}). */
  Object awaitMessage() {
    return awaitMessage(Long.MAX_VALUE);
  }

  private Object awaitMessage(long timeoutNanos) {
    long start = System.nanoTime();
    long deadline = timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + timeoutNanos;
    while (true) {
      Object m = toEmulation.getAndSet(null);
      if (m != null) return m;
      if (System.nanoTime() - start < SPIN_NANOS) {
        Thread.onSpinWait();
        continue;
      }
      if (!thread.isAlive()) {
        return new Failed(new IllegalStateException("gate worker " + thread.getName() + " ended unexpectedly"));
      }
      if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) return null;
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** Emulation thread: hands the guest call's result to the host function. */
  void resume(long result) {
    post(toWorker, new Result(result), thread);
  }

  /** Worker thread: requests a guest call and waits for its result. */
  long callGuest(long fn, long[] args) {
    if (abandoned) throw abandonedError();
    post(toEmulation, new GuestCall(fn, args), emulation);
    Object m = takeForWorker(false);
    if (m instanceof Result r) return r.value();
    abandoned = true;
    throw abandonedError();
  }

  private GuestCallAbandonedException abandonedError() {
    return new GuestCallAbandonedException(
        "guest call abandoned: the run ended before the guest function returned (" + labelOf(current) + ")");
  }

  private static String labelOf(CallContext ctx) {
    return ctx == null ? "no call" : ctx.label();
  }

  /**
   * Emulation thread: the run ended while this worker waits for a guest call. Its pending and any further guest
   * calls throw {@link GuestCallAbandonedException}; the host function is then let to finish here, before the run
   * returns, so it never runs concurrently with the emulation thread. Returns true when it finished (the worker can
   * be reused); false when it did not finish within 10 s (the worker is then left to end by itself).
   */
  boolean abandon() {
    emulation = Thread.currentThread();
    abandoned = true;
    post(toWorker, ABANDONED, thread);
    while (true) {
      Object m = awaitMessage(ABANDON_WAIT_NANOS);
      if (m == null) return false;
      if (m instanceof Done || m instanceof Failed) return true;
      // a GuestCall posted before the flag was seen: answer it as abandoned too
      post(toWorker, ABANDONED, thread);
    }
  }

  /** Asks an idle worker to end (or a busy one to end after its call); does not wait. */
  void shutdown() {
    closed = true;
    abandoned = true;
    if (!toWorker.compareAndSet(null, SHUTDOWN)) {
      toWorker.compareAndSet(ABANDONED, SHUTDOWN);
    }
    LockSupport.unpark(thread);
  }

  boolean isAlive() {
    return thread.isAlive();
  }

  private static void post(AtomicReference<Object> box, Object m, Thread receiver) {
    box.set(m);
    if (receiver != null) LockSupport.unpark(receiver);
  }

  /** Worker thread: the next message; when {@code idle}, retires (returns null) after the idle timeout. */
  private Object takeForWorker(boolean idle) {
    long start = System.nanoTime();
    long deadline = start + IDLE_RETIREMENT_NANOS;
    while (true) {
      Object m = toWorker.get();
      if (m != null && m != RETIRED && toWorker.compareAndSet(m, null)) return m;
      if (idle && closed) return null;
      if (System.nanoTime() - start < SPIN_NANOS) {
        Thread.onSpinWait();
        continue;
      }
      if (idle && System.nanoTime() - deadline >= 0 && toWorker.compareAndSet(null, RETIRED)) return null;
      LockSupport.parkNanos(this, idle ? IDLE_RETIREMENT_NANOS : TimeUnit.SECONDS.toNanos(1));
    }
  }
}
