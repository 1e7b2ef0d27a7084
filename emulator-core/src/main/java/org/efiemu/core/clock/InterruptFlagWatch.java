package org.efiemu.core.clock;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.UnicornLoader;

/**
 * Per-instruction counting's watch of the guest's own STI while an interrupt masked by RFLAGS.IF is pending (the
 * block counter watches at block starts instead): a native {@code UC_HOOK_CODE} callback ({@code if_watch.c} in the
 * JNI shim) reads RFLAGS before each instruction and, once IF is set, lets that one instruction run (STI's shadow)
 * and stops the run before the next, where the CPU takes the interrupt (Intel SDM vol. 3A §6.8.3; after POPF or IRETQ,
 * which have no shadow, one instruction late). Installed only while such an interrupt is pending, so it costs nothing
 * otherwise. One per {@link VirtualClock}; not thread-safe.
 */
final class InterruptFlagWatch implements AutoCloseable {
  private final Engine engine;
  private final long handle;
  private Hook hook;

  private InterruptFlagWatch(Engine engine, long handle) {
    this.engine = engine;
    this.handle = handle;
  }

  /** A watch for {@code engine}, or null when the JNI shim is not loaded (then IF changes are not watched). */
  static InterruptFlagWatch create(Engine engine) {
    if (!NativeGate.status().available()) return null;
    NativeLibrary lib = UnicornLoader.load();
    long h;
    try {
      h = create(Pointer.nativeValue(lib.getFunction("uc_reg_read")), Pointer.nativeValue(lib.getFunction("uc_emu_stop")));
    } catch (UnsatisfiedLinkError e) {
      return null; // a shim built before if_watch.c
    }
    if (h == 0) return null;
    try {
      memRead(h, Pointer.nativeValue(lib.getFunction("uc_mem_read")));
    } catch (UnsatisfiedLinkError e) {
      // a shim without memRead: every IF change is taken as STI's (one instruction late after POPF/IRETQ)
    }
    return new InterruptFlagWatch(engine, h);
  }

  /**
   * Starts (or stops) watching; a stop already made stays readable through {@link #takeStop()}. Returns true when
   * the hook was added now (code translated before it does not call it unless every instruction is hooked already).
   */
  boolean watch(boolean on) {
    if (on && hook == null) {
      reset(handle);
      hook = engine.addNativeCodeHook(hookFunction(), handle, "RFLAGS.IF watch");
      return true;
    } else if (!on && hook != null) {
      hook.close();
      hook = null;
    }
    return false;
  }

  /** True when the last run stopped because IF came on (before the instruction after the shadow); clears it. */
  boolean takeStop() {
    if (phase(handle) != 2) return false;
    reset(handle);
    return true;
  }

  @Override
  public void close() {
    if (hook != null) {
      hook.close();
      hook = null;
    }
    destroy(handle);
  }

  private static native long create(long regRead, long emuStop);

  private static native long phase(long watch);

  private static native void memRead(long watch, long memRead);

  private static native void reset(long watch);

  private static native long hookFunction();

  private static native void destroy(long watch);
}
