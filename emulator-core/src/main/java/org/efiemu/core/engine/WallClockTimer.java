package org.efiemu.core.engine;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The wall-clock limit of {@link Engine#emuStart}, kept out of Unicorn. Unicorn 2.0.1's own {@code uc_emu_start}
 * timeout runs a thread per run that compares {@code get_clock()} readings, and {@code get_clock()} picks the
 * monotonic or the real-time clock by a process-wide flag ({@code use_rt_clock}) that every engine's first
 * initialisation ({@code init_get_clock}, in {@code uc_open}'s lazy machine set-up) sets to 0 and back to 1: a
 * timeout thread reading the clock in between sees the real-time clock (decades since 1970) minus a monotonic start
 * and stops a run on another engine at once. With many machines in one JVM that ended runs early with
 * {@code UC_ERR_OK} and no cause. Here one shared daemon thread calls {@code uc_emu_stop} at the deadline, only while
 * the run it was armed for is still in {@code uc_emu_start} (arming and disarming share a lock), so a late timer never
 * reaches a later run.
 */
final class WallClockTimer {
  private static final ScheduledThreadPoolExecutor SCHEDULER = scheduler();

  private final Engine engine;
  private ScheduledFuture<?> future;
  private boolean armed = true;
  private boolean fired;

  private WallClockTimer(Engine engine) {
    this.engine = engine;
  }

  private static ScheduledThreadPoolExecutor scheduler() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "efiemu-wall-clock");
      t.setDaemon(true);
      return t;
    });
    s.setRemoveOnCancelPolicy(true);
    return s;
  }

  /** Arms a stop of {@code engine}'s run after {@code micros} microseconds. */
  static WallClockTimer arm(Engine engine, long micros) {
    WallClockTimer t = new WallClockTimer(engine);
    synchronized (t) {
      t.future = SCHEDULER.schedule(t::fire, micros, TimeUnit.MICROSECONDS);
    }
    return t;
  }

  private synchronized void fire() {
    if (!armed) return;
    fired = true;
    engine.emuStop();
  }

  /** The run ended: a timer that has not fired never will; returns whether it fired. */
  synchronized boolean disarm() {
    armed = false;
    if (future != null) future.cancel(false);
    return fired;
  }
}
