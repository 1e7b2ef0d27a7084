package org.efiemu.core.gate;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * A host function that may call back into the guest, running on its own thread. The emulation thread (inside the
 * gate's code hook) and this thread hand control to each other so that exactly one of them runs at a time: the
 * function either finishes ({@link Done}), fails ({@link Failed}) or asks for a guest call ({@link GuestCall}),
 * after which the emulation thread runs that guest code in the same {@code uc_emu_start} and hands back its RAX.
 */
final class Continuation {
  record Done(long result) {}

  record Failed(Throwable error) {}

  record GuestCall(long fn, long[] args) {}

  private final SynchronousQueue<Object> toEmulation = new SynchronousQueue<>();
  private final SynchronousQueue<Long> toHost = new SynchronousQueue<>();
  private final Thread thread;
  private volatile boolean abandoned;

  Continuation(String label, HostFunction fn, CallContext ctx) {
    thread = new Thread(() -> {
      Object m;
      try {
        m = new Done(fn.invoke(ctx));
      } catch (Throwable t) {
        m = new Failed(t);
      }
      send(m);
    }, "efiemu-gate-" + label);
    thread.setDaemon(true);
  }

  boolean isHostThread() {
    return Thread.currentThread() == thread;
  }

  void start() {
    thread.start();
  }

  private void send(Object m) {
    try {
      while (!abandoned && !toEmulation.offer(m, 100, TimeUnit.MILLISECONDS)) {
        // the emulation thread is always waiting while this thread runs, unless the run was abandoned
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Emulation thread: waits for the host function's next request. */
  Object awaitMessage() {
    try {
      return toEmulation.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Failed(e);
    }
  }

  /** Emulation thread: hands the guest call's result to the host function. */
  void resume(long result) {
    try {
      toHost.put(result);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while resuming a host function", e);
    }
  }

  /** Host thread: requests a guest call and waits for its result. */
  long callGuest(long fn, long[] args) {
    send(new GuestCall(fn, args));
    try {
      return toHost.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("guest call abandoned: the run ended before the guest function returned", e);
    }
  }

  /** The run ended with this continuation parked: let its thread end. */
  void abandon() {
    abandoned = true;
    thread.interrupt();
  }
}
