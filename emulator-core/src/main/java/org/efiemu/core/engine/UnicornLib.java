package org.efiemu.core.engine;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The raw Unicorn 2 C API, names and argument order 1:1 with {@code unicorn.h}, bound with JNA <em>direct
 * mapping</em> ({@link Native#register(Class, NativeLibrary)}): native calls and, above all, callbacks from the
 * engine into Java avoid JNA's reflective {@code Object[]} marshalling, which matters on the call-gate path.
 *
 * <p>Pointers are passed as {@code long} addresses ({@code uc_engine *}, {@code void *} buffers), out-parameters
 * as one-element arrays. {@code uc_hook_add} is variadic; its one extra argument (the instruction id of
 * {@code UC_HOOK_INSN}) is always passed, which the x86-64 System V ABI allows for integer arguments. Use
 * {@link Engine} instead of this class.
 */
public final class UnicornLib {
  static {
    Native.register(UnicornLib.class, UnicornLoader.load());
  }

  private UnicornLib() {}

  public static final int UC_ARCH_X86 = 4;
  public static final int UC_MODE_64 = 8;

  public static final int UC_HOOK_INTR = 1;
  public static final int UC_HOOK_INSN = 1 << 1;
  public static final int UC_HOOK_CODE = 1 << 2;
  public static final int UC_HOOK_BLOCK = 1 << 3;
  /** Called when a new block was translated, before it runs (unicorn.h 2.0: {@code uc_hook_edge_gen_t}). */
  public static final int UC_HOOK_EDGE_GENERATED = 1 << 15;
  public static final int UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
  public static final int UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
  public static final int UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
  public static final int UC_HOOK_MEM_READ_PROT = 1 << 7;
  public static final int UC_HOOK_MEM_WRITE_PROT = 1 << 8;
  public static final int UC_HOOK_MEM_FETCH_PROT = 1 << 9;
  public static final int UC_HOOK_MEM_READ = 1 << 10;
  public static final int UC_HOOK_MEM_WRITE = 1 << 11;
  public static final int UC_HOOK_MEM_FETCH = 1 << 12;
  public static final int UC_HOOK_INSN_INVALID = 1 << 14;
  public static final int UC_HOOK_MEM_UNMAPPED =
      UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED;
  public static final int UC_HOOK_MEM_PROT = UC_HOOK_MEM_READ_PROT | UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_FETCH_PROT;

  public static final int UC_X86_INS_IN = 218;
  public static final int UC_X86_INS_OUT = 500;
  public static final int UC_X86_INS_CPUID = 113;
  public static final int UC_X86_INS_RDTSC = 608;
  public static final int UC_X86_INS_RDTSCP = 609;
  public static final int UC_X86_REG_MSR = 248;

  /** {@code uc_cb_hookcode_t}. */
  public interface uc_cb_hookcode_t extends Callback {
    void invoke(long uc, long address, int size, long userData);
  }

  /** {@code uc_cb_hookintr_t}. */
  public interface uc_cb_hookintr_t extends Callback {
    void invoke(long uc, int intno, long userData);
  }

  /** {@code uc_cb_hookinsn_invalid_t}. */
  public interface uc_cb_hookinsn_invalid_t extends Callback {
    boolean invoke(long uc, long userData);
  }

  /** {@code uc_cb_insn_in_t}. */
  public interface uc_cb_insn_in_t extends Callback {
    int invoke(long uc, int port, int size, long userData);
  }

  /** {@code uc_cb_insn_out_t}. */
  public interface uc_cb_insn_out_t extends Callback {
    void invoke(long uc, int port, int size, int value, long userData);
  }

  /** {@code uc_cb_insn_cpuid_t} (also used for RDTSC/RDTSCP instruction hooks where the library has them). */
  public interface uc_cb_insn_cpuid_t extends Callback {
    int invoke(long uc, long userData);
  }

  /** {@code uc_cb_hookmem_t}. */
  public interface uc_cb_hookmem_t extends Callback {
    void invoke(long uc, int type, long address, int size, long value, long userData);
  }

  /** {@code uc_cb_eventmem_t}. */
  public interface uc_cb_eventmem_t extends Callback {
    boolean invoke(long uc, int type, long address, int size, long value, long userData);
  }

  /** {@code uc_cb_mmio_read_t}. */
  public interface uc_cb_mmio_read_t extends Callback {
    long invoke(long uc, long offset, int size, long userData);
  }

  /** {@code uc_cb_mmio_write_t}. */
  public interface uc_cb_mmio_write_t extends Callback {
    void invoke(long uc, long offset, int size, long value, long userData);
  }

  public static native int uc_version(int[] major, int[] minor);

  public static native int uc_open(int arch, int mode, long[] uc);

  public static native int uc_close(long uc);

  public static native String uc_strerror(int code);

  public static native int uc_reg_write(long uc, int regid, long value);

  public static native int uc_reg_read(long uc, int regid, long value);

  public static native int uc_mem_write(long uc, long address, byte[] bytes, long size);

  public static native int uc_mem_read(long uc, long address, byte[] bytes, long size);

  /** {@code uc_mem_read} into native memory at {@code buffer}. */
  public static native int uc_mem_read(long uc, long address, long buffer, long size);

  /** {@code uc_reg_read_batch(uc, int *regs, void **vals, int count)}. */
  public static native int uc_reg_read_batch(long uc, long regs, long vals, int count);

  public static native int uc_emu_start(long uc, long begin, long until, long timeout, long count);

  public static native int uc_emu_stop(long uc);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_hookcode_t callback, long userData,
      long begin, long end, int arg1);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_hookintr_t callback, long userData,
      long begin, long end, int arg1);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_hookinsn_invalid_t callback,
      long userData, long begin, long end, int arg1);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_insn_in_t callback, long userData,
      long begin, long end, int arg1);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_insn_out_t callback, long userData,
      long begin, long end, int arg1);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_insn_cpuid_t callback, long userData,
      long begin, long end, int arg1);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_hookmem_t callback, long userData,
      long begin, long end, int arg1);

  public static native int uc_hook_add(long uc, long[] hh, int type, uc_cb_eventmem_t callback, long userData,
      long begin, long end, int arg1);

  /** {@code uc_hook_add} with a native function pointer as the callback (see {@code NativeCounter}). */
  public static native int uc_hook_add(long uc, long[] hh, int type, long callback, long userData, long begin,
      long end, int arg1);

  public static native int uc_hook_del(long uc, long hh);

  public static native int uc_mem_map(long uc, long address, long size, int perms);

  /** {@code uc_mem_map_ptr}: maps caller-owned host memory at {@code ptr} (see {@code HostMemory}). */
  public static native int uc_mem_map_ptr(long uc, long address, long size, int perms, long ptr);

  public static native int uc_mmio_map(long uc, long address, long size, uc_cb_mmio_read_t readCb,
      long userDataRead, uc_cb_mmio_write_t writeCb, long userDataWrite);

  public static native int uc_mem_unmap(long uc, long address, long size);

  public static native int uc_mem_protect(long uc, long address, long size, int perms);

  public static native int uc_context_alloc(long uc, long[] context);

  public static native int uc_context_save(long uc, long context);

  public static native int uc_context_restore(long uc, long context);

  public static native long uc_context_size(long uc);

  public static native int uc_context_free(long context);

  /**
   * {@code uc_ctl(uc, control, begin, end)} for the controls that take two 64-bit arguments
   * ({@code UC_CTL_TB_REMOVE_CACHE}); integer arguments pass the same way to the variadic C function on x86-64.
   * Direct-mapped: the reflective {@code Function.invokeInt(Object[])} cost more than the call at every give-back.
   */
  public static native int uc_ctl(long uc, int control, long begin, long end);

  /** {@code uc_mem_regions}: {@code regions[0]} receives the {@code uc_mem_region *} array, {@code count[0]} its length. */
  public static native int uc_mem_regions(long uc, long[] regions, int[] count);

  /** {@code uc_free} of memory Unicorn allocated for the caller ({@link #uc_mem_regions}). */
  public static native int uc_free(long pointer);
}
