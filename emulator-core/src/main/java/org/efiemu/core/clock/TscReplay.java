package org.efiemu.core.clock;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.EngineException;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.UcError;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.engine.UnicornLoader;
import org.efiemu.core.engine.X86Reg;

/**
 * Recorded time-stamp counter values handed to the guest of a raw engine, for replaying on plain Unicorn a stretch of
 * guest code that read the TSC on efiemu (early-alloc's {@code bench raw}; native side {@code tsc_replay.c}).
 *
 * <p>Unicorn 2.0.1 cannot hook RDTSC/RDTSCP as instructions ({@link RdtscVirtualizer}), so the cheapest equivalent a
 * raw engine allows is the one efiemu uses: a one-address {@code UC_HOOK_CODE} hook on each RDTSC/RDTSCP site; here
 * the hook is a C function (no Java) that sets EDX:EAX (and ECX for RDTSCP) to the next recorded value and moves RIP
 * past the instruction. It computes no time: the values are those efiemu's guest read, in the same order. When they
 * run out the run stops ({@link #overrun()}). The hooks and the values live as long as the engine (its
 * {@code uc_close} frees the hooks; {@link #close()} the values, after the engine is closed).
 */
public final class TscReplay implements AutoCloseable {
  private final long handle;

  private TscReplay(long handle) {
    this.handle = handle;
  }

  /**
   * Hooks every address of {@code sites} on {@code raw} (an engine no other efiemu hook uses) with the replay of
   * {@code values}: pairs {tsc, aux}, aux &lt; 0 for RDTSC, else the ECX value of RDTSCP.
   */
  public static TscReplay install(Engine raw, long[] sites, long[] values) {
    return install(raw, sites, values, null);
  }

  /**
   * As {@link #install(Engine, long[], long[])}, and when {@code inValues} is not null also every IN instruction
   * ({@code UC_HOOK_INSN}, a C hook) gets the next of {@code inValues}: the port values efiemu's guest read (the ACPI
   * PM timer is a clock too); past the last one the run stops ({@link #inReads()} counts those too).
   */
  public static TscReplay install(Engine raw, long[] sites, long[] values, int[] inValues) {
    return install(raw, sites, values, inValues, null);
  }

  /**
   * As {@link #install(Engine, long[], long[], int[])}, and when {@code cpuidValues} is not null every CPUID gets the
   * next of efiemu's answers (four ints each: EAX, EBX, ECX, EDX; a C {@code UC_HOOK_INSN} CPUID hook): efiemu answers
   * CPUID from its CPU description, raw Unicorn from its qemu64 model, and GRUB decides from CPUID whether to
   * calibrate the TSC.
   */
  public static TscReplay install(Engine raw, long[] sites, long[] values, int[] inValues, int[] cpuidValues) {
    if (!NativeGate.status().available()) {
      throw new IllegalStateException("TSC replay needs the native shim: " + NativeGate.status());
    }
    NativeLibrary lib = UnicornLoader.load();
    long h = create(values, new int[] {X86Reg.RAX.id(), X86Reg.RDX.id(), X86Reg.RCX.id(), X86Reg.RIP.id()},
        Pointer.nativeValue(lib.getFunction("uc_reg_write_batch")), Pointer.nativeValue(lib.getFunction("uc_emu_stop")));
    if (h == 0) throw new IllegalStateException("libefiemu_gate.so could not allocate a TSC replay");
    TscReplay r = new TscReplay(h);
    long fn = hookFunction();
    for (long site : sites) {
      long[] hh = new long[1];
      int err = UnicornLib.uc_hook_add(raw.handle(), hh, UnicornLib.UC_HOOK_CODE, fn, h, site, site, 0);
      if (err != 0) {
        throw new EngineException(err, UcError.of(err).toString(),
            String.format("hook_add UC_HOOK_CODE (TSC replay) at 0x%X", site));
      }
    }
    if (inValues != null) {
      inValues(h, inValues);
      long[] hh = new long[1];
      int err = UnicornLib.uc_hook_add(raw.handle(), hh, UnicornLib.UC_HOOK_INSN, inHookFunction(), h, 1, 0,
          UnicornLib.UC_X86_INS_IN);
      if (err != 0) throw new EngineException(err, UcError.of(err).toString(), "hook_add UC_HOOK_INSN IN (replay)");
    }
    if (cpuidValues != null) {
      cpuidValues(h, cpuidValues, X86Reg.RBX.id());
      long[] hh = new long[1];
      int err = UnicornLib.uc_hook_add(raw.handle(), hh, UnicornLib.UC_HOOK_INSN, cpuidHookFunction(), h, 1, 0,
          UnicornLib.UC_X86_INS_CPUID);
      if (err != 0) throw new EngineException(err, UcError.of(err).toString(), "hook_add UC_HOOK_INSN CPUID (replay)");
    }
    return r;
  }

  /** CPUID instructions the replay answered, plus those past the last recorded answer. */
  public long cpuidReads() {
    return cpuidUsed(handle);
  }

  /** IN instructions the replay answered, plus those past the last recorded value. */
  public long inReads() {
    return inUsed(handle);
  }

  /** Values handed out so far. */
  public long used() {
    return used(handle);
  }

  /** RDTSC/RDTSCP executed after the last recorded value (each stopped the run). */
  public long overrun() {
    return overrun(handle);
  }

  /** Frees the values; call after the engine is closed (its hooks point at them). */
  @Override
  public void close() {
    destroy(handle);
  }

  private static native long create(long[] values, int[] regIds, long regWriteBatch, long emuStop);

  private static native long hookFunction();

  private static native long used(long handle);

  private static native long overrun(long handle);

  private static native void destroy(long handle);

  private static native long inHookFunction();

  private static native void inValues(long handle, int[] values);

  private static native long inUsed(long handle);

  private static native long cpuidHookFunction();

  private static native void cpuidValues(long handle, int[] values, int rbxId);

  private static native long cpuidUsed(long handle);
}
