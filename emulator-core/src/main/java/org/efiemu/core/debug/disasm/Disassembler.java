package org.efiemu.core.debug.disasm;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * x86-64 disassembler over Capstone 4 ({@code cs_open(CS_ARCH_X86, CS_MODE_64)}, Intel syntax, no detail). One
 * instance holds one Capstone handle: not thread-safe, close it when done.
 */
public final class Disassembler implements AutoCloseable {
  private long handle;
  /** The calling thread's instance ({@link #forThread}): never closed. */
  private final boolean perThread;

  /**
   * One instance per thread, kept for the thread's life: Capstone's first decode on a new handle costs about 0.2 ms
   * (its x86 instruction tables are set up per handle), which every machine paid at its first RDTSC site and its
   * first IN/RDTSC position (GRUB's TSC calibration stretch, see docs/performance.md "calib12"). Decoding keeps no
   * state between calls, so machines on one thread share it. {@link #close()} does nothing on it.
   */
  private static final ThreadLocal<Disassembler> PER_THREAD = ThreadLocal.withInitial(Disassembler::forThisThread);

  /**
   * Frees a per-thread instance's Capstone handle once its thread is gone (its {@link Thread} object unreachable: the
   * thread ended and nothing holds it). A hunt worker or a test thread that ended no longer keeps a handle until the
   * process exits; a thread that lives on keeps its one handle, as its machines need it again.
   */
  private static final java.lang.ref.Cleaner THREAD_GONE = java.lang.ref.Cleaner.create();

  private static final java.util.concurrent.atomic.AtomicLong PER_THREAD_FREED = new java.util.concurrent.atomic.AtomicLong();

  private static Disassembler forThisThread() {
    Disassembler d = new Disassembler(true);
    long h = d.handle; // the action holds the handle only: not the thread, nor the instance (both must become unreachable)
    THREAD_GONE.register(Thread.currentThread(), () -> {
      CapstoneLib.cs_close(new long[] {h});
      PER_THREAD_FREED.incrementAndGet();
    });
    return d;
  }

  /**
   * The address of Capstone's C function {@code name} ({@code cs_open}, {@code cs_disasm}, ...) in the library the
   * disassembler uses: for native code that decodes on its own (the RDTSC discovery's edge hook).
   */
  public static long capstoneFunction(String name) {
    return CapstoneLib.function(name);
  }

  /** Per-thread handles freed because their thread was gone (statistics, tests). */
  public static long perThreadHandlesFreed() {
    return PER_THREAD_FREED.get();
  }

  public Disassembler() {
    this(false);
  }

  private Disassembler(boolean perThread) {
    this.perThread = perThread;
    long[] h = new long[1];
    int err = CapstoneLib.cs_open(CapstoneLib.CS_ARCH_X86, CapstoneLib.CS_MODE_64, h);
    if (err != 0) throw new IllegalStateException("cs_open(CS_ARCH_X86, CS_MODE_64) failed: " + CapstoneLib.cs_strerror(err));
    handle = h[0];
  }

  /**
   * The calling thread's disassembler, made at the thread's first call and kept for the thread's life (its Capstone
   * handle is freed once the thread is gone); use it on this thread only, and do not close it (closing does nothing).
   */
  public static Disassembler forThread() {
    return PER_THREAD.get();
  }

  /** Capstone's version as {@code major.minor}. */
  public static String version() {
    int[] major = new int[1];
    int[] minor = new int[1];
    CapstoneLib.cs_version(major, minor);
    return major[0] + "." + minor[0];
  }

  /**
   * Decodes up to {@code max} instructions from {@code code}, which sits at guest address {@code address}; stops
   * early at the first byte sequence that is not a valid instruction (the result may then be shorter, or empty).
   */
  public List<Instruction> disassemble(byte[] code, long address, int max) {
    if (handle == 0) throw new IllegalStateException("disassembler is closed");
    if (max < 0) throw new IllegalArgumentException("instruction count " + max + " is negative");
    List<Instruction> out = new ArrayList<>();
    if (code.length == 0 || max == 0) return out;
    long[] insn = new long[1];
    long n = CapstoneLib.cs_disasm(handle, code, code.length, address, max, insn);
    try {
      // the instructions read in one native call: per-field reads cost a native call each (5 an instruction), which
      // in the cold code of a machine's first checks was most of a block's decode (docs/performance.md "calib12")
      byte[] all = n > 0 ? new Pointer(insn[0]).getByteArray(0, (int) (n * CapstoneLib.INSN_SIZE)) : new byte[0];
      ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.nativeOrder());
      for (int i = 0; i < n; i++) {
        int at = i * CapstoneLib.INSN_SIZE;
        int size = b.getShort(at + CapstoneLib.OFF_SIZE) & 0xFFFF;
        out.add(new Instruction(b.getLong(at + CapstoneLib.OFF_ADDRESS),
            Arrays.copyOfRange(all, at + CapstoneLib.OFF_BYTES, at + CapstoneLib.OFF_BYTES + size),
            cString(all, at + CapstoneLib.OFF_MNEMONIC, 32), cString(all, at + CapstoneLib.OFF_OP_STR, 160)));
      }
    } finally {
      if (n > 0) CapstoneLib.cs_free(insn[0], n);
    }
    return out;
  }

  private static String cString(byte[] b, int offset, int max) {
    int len = 0;
    while (len < max && b[offset + len] != 0) len++;
    return new String(b, offset, len, StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    if (perThread || handle == 0) return;
    CapstoneLib.cs_close(new long[] {handle});
    handle = 0;
  }
}
