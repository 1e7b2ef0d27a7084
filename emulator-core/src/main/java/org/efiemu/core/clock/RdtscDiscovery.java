package org.efiemu.core.clock;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.UnicornLoader;

/**
 * Finds RDTSC and RDTSCP in guest code as Unicorn translates it, so that {@link RdtscVirtualizer} hooks exactly the
 * instructions that run, in every image whoever loaded it, and never a byte pattern in data. A native
 * {@code UC_HOOK_EDGE_GENERATED} callback ({@code edge_hook} in the JNI shim {@code efiemu_gate.c}) sees each new
 * translated block before it runs (Unicorn 2.0.1 {@code tb_find}: once per translation); a block whose bytes hold
 * {@code 0F 31} or {@code 0F 01 F9} is checked before its first instruction runs: the callback calls
 * {@link #checkInRun} through JNI, the {@link Checker} decodes it, hooks its real RDTSC(P) instructions and drops its
 * translation, and the callback makes Unicorn leave the translation unrun and translate the block again at the same
 * place, without returning from {@code uc_emu_start} (a write of RIP from a callback: Unicorn's quit request; see
 * {@code efiemu_gate.c}). If that cannot be done the run stops before the block (through the block counter's stop
 * flag when counting by block, so the block is not counted), the machine asks {@link #take()} for the block and
 * the checker does the same there. A checked block is marked so that its translations with the same bytes pass from
 * then on (a native table of start, size and a hash of the bytes; code rewritten in place is checked again). Unicorn
 * does not call the hook for the first block an engine ever runs (no block ran before it); the machine checks that
 * block itself.
 *
 * <p>The callback runs only when code is translated, so it costs nothing while translated code runs. Native state:
 * one {@code malloc}'ed block owned by the hook, freed when the hook is removed or the engine closes.
 */
public final class RdtscDiscovery implements AutoCloseable {
  private static final int FOUND_PC = 0;
  private static final int FOUND_SIZE = 8;
  private static final int FOUND = 16;
  private static final int TRANSLATIONS = 40;
  private static final int STOPS = 48;
  private static final int IN_RUN = 56;

  /** Decodes a new block, hooks its sites and drops its translation (it is translated again with the hooks). */
  interface Checker {
    void check(long start, long size);
  }

  private final ByteBuffer state;
  private final Hook hook;
  private final Engine engine;
  private final long handle;
  private final Checker checker;
  private volatile boolean released;

  /** True when the JNI shim is there (the callback is native). */
  public static boolean available() {
    return NativeGate.status().available();
  }

  /**
   * Installs the callback on {@code engine}; {@code blockCounter} is the block counter's native state (0 when
   * instructions are not counted by block).
   */
  RdtscDiscovery(Engine engine, long blockCounter, Checker checker) {
    if (!available()) throw new IllegalStateException("RDTSC discovery needs the JNI shim: " + NativeGate.status());
    this.engine = engine;
    this.checker = checker;
    NativeLibrary lib = UnicornLoader.load();
    long handle = create(Pointer.nativeValue(lib.getFunction("uc_mem_read")),
        Pointer.nativeValue(lib.getFunction("uc_emu_stop")), blockCounter,
        Pointer.nativeValue(lib.getFunction("uc_reg_read")), Pointer.nativeValue(lib.getFunction("uc_reg_write")),
        org.efiemu.core.engine.X86Reg.RIP.id());
    if (handle == 0) throw new IllegalStateException("libefiemu_gate.so could not allocate the RDTSC discovery state");
    state = state(handle).order(ByteOrder.nativeOrder());
    this.handle = handle;
    hook = engine.addNativeEdgeGeneratedHook(hookFunction(), handle, "RDTSC discovery", () -> {
      released = true;
      destroy(handle);
    });
  }

  /**
   * Called by the native callback (JNI, on the emulating thread, inside {@code uc_emu_start}) for a new block whose
   * bytes may hold RDTSC/RDTSCP, before it runs: 1 when the {@link Checker} did its work (the callback then has the
   * block translated again), 0 when it failed (the run then stops before the block and the machine checks it again
   * ({@link #checkPending()}), where a failure is thrown to the machine's caller as before checks were made in the run).
   */
  @SuppressWarnings("unused") // called from efiemu_gate.c
  private int checkInRun(long start, long size) {
    try {
      checker.check(start, size);
      return 1;
    } catch (Throwable t) {
      return 0; // checked again after the stop (checkPending), where the failure reaches the machine's caller
    }
  }

  /** The native state (efiemu_gate.c's rdtscwatch_t). */
  long nativeHandle() {
    return handle;
  }

  /** True when the last run stopped before a new block whose bytes may hold RDTSC/RDTSCP ({@link #take()}). */
  public boolean pending() {
    return !released && state.getLong(FOUND) != 0;
  }

  /** The pending block as {start, size}, marked checked and no longer pending. */
  long[] take() {
    long[] b = {state.getLong(FOUND_PC), state.getLong(FOUND_SIZE)};
    markChecked(handle);
    state.putLong(FOUND, 0);
    return b;
  }

  /** The pending block checked by the {@link Checker} (the stop's way; marks it checked). */
  void checkPending() {
    long[] b = take();
    checker.check(b[0], b[1]);
  }

  /** Forgets a pending stop (a new run starts clean; its block is found again when translated again). */
  void reset() {
    if (released) return;
    state.putLong(FOUND, 0);
  }

  /** Blocks translated so far (statistics). */
  public long translations() {
    return released ? 0 : state.getLong(TRANSLATIONS);
  }

  /** Runs stopped to check a new block (statistics). */
  public long stops() {
    return released ? 0 : state.getLong(STOPS);
  }

  /** New blocks checked inside the run, without a stop (statistics). */
  public long checkedInRun() {
    return released ? 0 : state.getLong(IN_RUN);
  }

  @Override
  public void close() {
    // a stop means some translation held RDTSC/privileged-instruction bytes: its code is not kept for the next machine
    if (!released && (state.getLong(STOPS) != 0 || state.getLong(IN_RUN) != 0)) engine.translationSideEffect();
    hook.close();
  }

  private native long create(long memRead, long emuStop, long blockCounter, long regRead, long regWrite, int ripId);

  private static native ByteBuffer state(long watch);

  private static native void markChecked(long watch);

  private static native long hookFunction();

  private static native void destroy(long watch);
}
