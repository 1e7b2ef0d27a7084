package org.efiemu.core.clock;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.UnicornLoader;
import org.efiemu.core.engine.X86Reg;

/**
 * RDTSC sites answered in C (native side: {@code efiemu_gate.c}'s {@code ts_site_hook}). Each RDTSC site
 * {@link RdtscVirtualizer} finds by discovery gets a one-address code hook whose function is native: it computes the
 * value {@link VirtualClock#readTsc()} gives at the site (Intel SDM vol. 2B, RDTSC: EDX:EAX = the time-stamp counter),
 * counts the read, re-arms the clock's interrupt point, writes EDX:EAX and moves RIP past the instruction, taking the
 * block counter's total back to the site as {@link BlockCounter} does for a RIP write, all without entering Java.
 *
 * <p>The site's position inside the block that runs is what Java's {@link BlockCounter#count()} finds with Capstone
 * from RIP; here it is told by Java when it decodes a block for discovery ({@link #position}), keyed by the block's
 * start, size and instruction count and the site. A read in any other case (a block not told, a run that is not in its
 * plain counting state, code rewritten at the site) is answered by Java as before ({@code RdtscVirtualizer.atSite}).
 * RDTSCP is always answered in Java.
 *
 * <p>State shared with {@link VirtualClock}: the reads counted here (folded into its RDTSC count whenever it reads
 * it), the cycles that are not instructions' (which it writes whenever they change), the interrupt point and whether
 * a run is in progress. Values read with a read listener set are recorded here, Java's among them, in order
 * ({@link #drain}).
 */
final class NativeRdtsc {
  /** System property; {@code false} answers every RDTSC in Java. */
  static final String PROPERTY = "efiemu.rdtsc.nativeSites";

  private static final int READS = 0;
  private static final int OTHER = 8;
  private static final int CPI = 16;
  private static final int CPR = 24;
  private static final int INTERRUPT = 32;
  private static final int RUNNING = 40;
  private static final int RECORDING = 48;
  private static final int SERVED = 64;
  private static final int HANDED = 72;
  private static final int POSITIONS = 80;
  private static final int C_CHECKS = 88;
  /** System property; {@code false} leaves the discovery's checks of new blocks to Java. */
  static final String CHECK_PROPERTY = "efiemu.rdtsc.checkInC";

  final long handle;
  private final ByteBuffer state;
  private boolean released;

  private NativeRdtsc(long handle) {
    this.handle = handle;
    this.state = state(handle).order(ByteOrder.nativeOrder());
  }

  /**
   * The discovery's edge hook decodes new blocks whose only candidate bytes are RDTSC's itself (Capstone's C API, the
   * library {@link org.efiemu.core.debug.disasm.Disassembler} uses), hooks their sites with this class's native hook
   * and drops their translation, without entering Java; unless {@code -Defiemu.rdtsc.checkInC=false}.
   */
  void checkInEdgeHook(RdtscDiscovery discovery) {
    if ("false".equalsIgnoreCase(System.getProperty(CHECK_PROPERTY))) return;
    NativeLibrary lib = UnicornLoader.load();
    checkInEdgeHook(handle, discovery.nativeHandle(),
        org.efiemu.core.debug.disasm.Disassembler.capstoneFunction("cs_open"),
        org.efiemu.core.debug.disasm.Disassembler.capstoneFunction("cs_disasm"),
        org.efiemu.core.debug.disasm.Disassembler.capstoneFunction("cs_free"),
        org.efiemu.core.debug.disasm.Disassembler.capstoneFunction("cs_close"),
        Pointer.nativeValue(lib.getFunction("uc_hook_add")), Pointer.nativeValue(lib.getFunction("uc_hook_del")),
        Pointer.nativeValue(lib.getFunction("uc_ctl")));
  }

  /** Tells the edge hook's check that Java hooked {@code site}: it is not hooked again in C. */
  void knownSite(long site) {
    if (!released) knownSite(handle, site);
  }

  /** The RDTSC sites the edge hook hooked in C. */
  long[] sites() {
    return released ? new long[0] : sites(handle);
  }

  /** Removes the hooks the edge hook added (the engine must be open); no more checks in C. */
  void deleteHooks() {
    if (!released) deleteHooks(handle);
  }

  /** Made for {@code virtualizer} when the JNI shim is loaded and the clock counts by block; else null. */
  static NativeRdtsc create(RdtscVirtualizer virtualizer, VirtualClock clock) {
    if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) return null;
    if (clock.blockCounterHandle() == 0 || !NativeGate.status().available()) return null;
    NativeLibrary lib = UnicornLoader.load();
    long h = create(virtualizer, clock.blockCounterHandle(), Pointer.nativeValue(lib.getFunction("uc_mem_read")),
        Pointer.nativeValue(lib.getFunction("uc_reg_write")), X86Reg.RAX.id(), X86Reg.RDX.id(), X86Reg.RIP.id());
    if (h == 0) throw new IllegalStateException("libefiemu_gate.so could not allocate the RDTSC sites' state");
    return new NativeRdtsc(h);
  }

  /** The native hook function (a {@code uc_cb_hookcode_t}); its user data is {@link #handle}. */
  static long function() {
    return hookFunction();
  }

  /** Reads answered in C since the last call (VirtualClock folds them into its count). */
  long takeReads() {
    if (released) return 0;
    long r = state.getLong(READS);
    if (r != 0) state.putLong(READS, 0);
    return r;
  }

  void other(long cycles) {
    if (!released) state.putLong(OTHER, cycles);
  }

  void constants(long cyclesPerInstruction, long cyclesPerRdtsc) {
    state.putLong(CPI, cyclesPerInstruction);
    state.putLong(CPR, cyclesPerRdtsc);
  }

  void interrupt(long cycles) {
    if (!released) state.putLong(INTERRUPT, cycles);
  }

  void running(boolean on) {
    if (!released) state.putLong(RUNNING, on ? 1 : 0);
  }

  /** The PM timer's state in C ({@link NativeClockPorts}), whose base follows every read answered here; 0: none. */
  void portsBase(long portsHandle) {
    if (!released) portsBase(handle, portsHandle);
  }

  /** The RDTSC at {@code site} is instruction {@code begun} (1: the first) of the block {@code [pc, pc + size)}. */
  void position(long pc, int size, int icount, long site, int begun) {
    if (!released) position(handle, pc, size, icount, site, begun);
  }

  boolean recording() {
    return !released && state.getLong(RECORDING) != 0;
  }

  void recording(boolean on) {
    if (!released) state.putLong(RECORDING, on ? 1 : 0);
  }

  /** A value Java answered while recording: kept in order with C's. */
  void record(long tsc, long aux) {
    if (!released) record(handle, tsc, aux);
  }

  /** The recorded (tsc, aux) pairs in order, forgotten. */
  long[] drain() {
    if (released) return new long[0];
    long[] v = drain(handle);
    if (v == null) throw new IllegalStateException("out of native memory recording RDTSC values: some were lost");
    return v;
  }

  /** {answered in C, handed to Java, block positions told, new blocks checked in C} (statistics). */
  long[] statistics() {
    return released ? new long[4]
        : new long[] {state.getLong(SERVED), state.getLong(HANDED), state.getLong(POSITIONS), state.getLong(C_CHECKS)};
  }

  /** Frees the native state; call once no hook can call it (the sites' hooks removed). */
  void release() {
    if (released) return;
    released = true;
    destroy(handle);
  }

  private static native long create(RdtscVirtualizer virtualizer, long blockCounter, long memRead, long regWrite,
      int raxId, int rdxId, int ripId);

  private static native ByteBuffer state(long handle);

  private static native long hookFunction();

  private static native void portsBase(long handle, long ports);

  private static native void position(long handle, long pc, int size, int icount, long site, int begun);

  private static native void record(long handle, long tsc, long aux);

  private static native long[] drain(long handle);

  private static native void destroy(long handle);

  private static native void checkInEdgeHook(long handle, long watch, long csOpen, long csDisasm, long csFree,
      long csClose, long hookAdd, long hookDel, long ctl);

  private static native void knownSite(long handle, long site);

  private static native long[] sites(long handle);

  private static native void deleteHooks(long handle);
}
