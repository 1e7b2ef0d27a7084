package org.efiemu.core.engine;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.efiemu.core.engine.Hooks.CodeHook;
import org.efiemu.core.engine.Hooks.InHook;
import org.efiemu.core.engine.Hooks.InstructionHook;
import org.efiemu.core.engine.Hooks.InterruptHook;
import org.efiemu.core.engine.Hooks.InvalidInstructionHook;
import org.efiemu.core.engine.Hooks.InvalidMemoryHook;
import org.efiemu.core.engine.Hooks.MemoryHook;
import org.efiemu.core.engine.Hooks.MmioHandler;
import org.efiemu.core.engine.Hooks.OutHook;

/**
 * One Unicorn x86-64 engine ({@code uc_open(UC_ARCH_X86, UC_MODE_64)}) behind a typed API.
 *
 * <p>Every failing call throws an {@link EngineException} naming the operation and its arguments. Java callbacks
 * are held strongly by the engine until their {@link Hook} is closed. A {@link Throwable} thrown by a callback is
 * caught in the native-to-Java trampoline, emulation is stopped with {@code uc_emu_stop} and the throwable is
 * rethrown by {@link #emuStart}. Not thread-safe: one thread drives an engine at a time.
 */
public final class Engine implements AutoCloseable {
  private long uc;
  private final Memory scratch = new Memory(32);
  /** Register and small-memory transfers: a direct buffer read and written in Java, no JNI per access. */
  private final ByteBuffer fast = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
  private final long fastAddress = Pointer.nativeValue(Native.getDirectBufferPointer(fast));
  private final Map<Long, Hook> hooks = new HashMap<>();
  private final Map<Long, Object> mmioCallbacks = new HashMap<>();
  private Throwable pending;
  private long context;
  private int contextSize;

  private Engine(long uc) {
    this.uc = uc;
  }

  /** Opens an x86-64 engine. */
  public static Engine open() {
    UnicornLoader.load();
    long[] out = new long[1];
    check(UnicornLib.uc_open(UnicornLib.UC_ARCH_X86, UnicornLib.UC_MODE_64, out), "uc_open arch=X86 mode=64");
    return new Engine(out[0]);
  }

  /** The library's version as {@code major.minor} (from {@code uc_version}). */
  public static Version version() {
    UnicornLoader.load();
    int[] major = new int[1];
    int[] minor = new int[1];
    int combined = UnicornLib.uc_version(major, minor);
    return new Version(major[0], minor[0], (combined >> 8) & 0xFF);
  }

  /** A Unicorn library version. */
  public record Version(int major, int minor, int patch) {
    /** True when this version is at least {@code major.minor}. */
    public boolean atLeast(int maj, int min) {
      return major > maj || (major == maj && minor >= min);
    }

    @Override
    public String toString() {
      return major + "." + minor + "." + patch;
    }
  }

  static void check(int err, String operation) {
    if (err != 0) throw new EngineException(err, UnicornLib.uc_strerror(err), operation);
  }

  private long uc() {
    if (uc == 0) throw new IllegalStateException("engine is closed");
    return uc;
  }

  /** The native {@code uc_engine *}, for code that binds further native callbacks (e.g. a counter). */
  public long handle() {
    return uc();
  }

  // ---------------------------------------------------------------- memory

  /** {@code uc_mem_map}: maps {@code size} bytes at {@code address} (both 4 KiB aligned). */
  public void map(long address, long size, Set<Perm> perms) {
    check(UnicornLib.uc_mem_map(uc(), address, size, Perm.bits(perms)),
        String.format("mem_map address=0x%X, size=0x%X, perms=%s", address, size, Perm.text(perms)));
  }

  /** {@code uc_mem_unmap}. */
  public void unmap(long address, long size) {
    check(UnicornLib.uc_mem_unmap(uc(), address, size),
        String.format("mem_unmap address=0x%X, size=0x%X", address, size));
  }

  /** {@code uc_mem_protect}. */
  public void protect(long address, long size, Set<Perm> perms) {
    check(UnicornLib.uc_mem_protect(uc(), address, size, Perm.bits(perms)),
        String.format("mem_protect address=0x%X, size=0x%X, perms=%s", address, size, Perm.text(perms)));
  }

  /** {@code uc_mmio_map}: a device whose reads and writes go to {@code handler}. */
  public void mapMmio(long address, long size, MmioHandler handler) {
    UnicornLib.uc_cb_mmio_read_t r = (u, offset, sz, user) -> {
      try {
        return handler.read(offset, sz);
      } catch (Throwable t) {
        fail(t);
        return 0;
      }
    };
    UnicornLib.uc_cb_mmio_write_t w = (u, offset, sz, value, user) -> {
      try {
        handler.write(offset, sz, value);
      } catch (Throwable t) {
        fail(t);
      }
    };
    check(UnicornLib.uc_mmio_map(uc(), address, size, r, 0, w, 0),
        String.format("mmio_map address=0x%X, size=0x%X", address, size));
    mmioCallbacks.put(address, new Object[] {r, w});
  }

  /** {@code uc_mem_read} into {@code buffer[offset, offset+length)}. */
  public void read(long address, byte[] buffer, int offset, int length) {
    byte[] target = offset == 0 && length == buffer.length ? buffer : new byte[length];
    check(UnicornLib.uc_mem_read(uc(), address, target, length),
        String.format("mem_read address=0x%X, size=0x%X", address, length));
    if (target != buffer) System.arraycopy(target, 0, buffer, offset, length);
  }

  /** {@code uc_mem_read} of {@code length} bytes. */
  public byte[] read(long address, int length) {
    byte[] b = new byte[length];
    read(address, b, 0, length);
    return b;
  }

  /** {@code uc_mem_write} of {@code bytes[offset, offset+length)}. */
  public void write(long address, byte[] bytes, int offset, int length) {
    byte[] source = bytes;
    if (offset != 0 || length != bytes.length) {
      source = new byte[length];
      System.arraycopy(bytes, offset, source, 0, length);
    }
    check(UnicornLib.uc_mem_write(uc(), address, source, length),
        String.format("mem_write address=0x%X, size=0x%X", address, length));
  }

  /** {@code uc_mem_write} of all of {@code bytes}. */
  public void write(long address, byte[] bytes) {
    write(address, bytes, 0, bytes.length);
  }

  // ---------------------------------------------------------------- registers

  /** {@code uc_reg_read}. */
  public long reg(X86Reg reg) {
    fast.putLong(0, 0);
    int err = UnicornLib.uc_reg_read(uc(), reg.id(), fastAddress);
    if (err != 0) check(err, "reg_read " + reg);
    return fast.getLong(0);
  }

  /** {@code uc_reg_write}. */
  public void reg(X86Reg reg, long value) {
    fast.putLong(0, value);
    int err = UnicornLib.uc_reg_write(uc(), reg.id(), fastAddress);
    if (err != 0) check(err, String.format("reg_write %s value=0x%X", reg, value));
  }

  /**
   * Reads the 64-bit little-endian value at {@code address} of mapped memory ({@code uc_mem_read} into a reused
   * native buffer, no allocation).
   */
  public long readU64(long address) {
    int err = UnicornLib.uc_mem_read(uc(), address, fastAddress, 8);
    if (err != 0) check(err, String.format("mem_read address=0x%X, size=0x8", address));
    return fast.getLong(0);
  }

  /** A set of registers read together with one {@code uc_reg_read_batch} call (see {@link RegisterBatch}). */
  public RegisterBatch batch(X86Reg... regs) {
    return new RegisterBatch(this, regs);
  }

  /** {@code UC_X86_REG_XMM0}; XMM{@code n} is this plus {@code n}. */
  private static final int UC_X86_REG_XMM0 = 122;

  /** Reads XMM{@code n} (0-15) as {@code {low 64 bits, high 64 bits}}. */
  public long[] xmm(int n) {
    checkXmm(n);
    scratch.clear(16);
    check(UnicornLib.uc_reg_read(uc(), UC_X86_REG_XMM0 + n, Pointer.nativeValue(scratch)), "reg_read XMM" + n);
    return new long[] {scratch.getLong(0), scratch.getLong(8)};
  }

  /** Writes XMM{@code n} (0-15). */
  public void xmm(int n, long low, long high) {
    checkXmm(n);
    scratch.setLong(0, low);
    scratch.setLong(8, high);
    check(UnicornLib.uc_reg_write(uc(), UC_X86_REG_XMM0 + n, Pointer.nativeValue(scratch)),
        String.format("reg_write XMM%d value=0x%016X%016X", n, high, low));
  }

  private static void checkXmm(int n) {
    if (n < 0 || n > 15) throw new IllegalArgumentException("XMM register index " + n + " is not 0..15");
  }

  /** Reads a model-specific register through {@code uc_x86_msr}. */
  public long readMsr(int msr) {
    scratch.setInt(0, msr);
    scratch.setLong(8, 0);
    check(UnicornLib.uc_reg_read(uc(), UnicornLib.UC_X86_REG_MSR, Pointer.nativeValue(scratch)),
        String.format("reg_read MSR 0x%X", msr));
    return scratch.getLong(8);
  }

  /** Writes a model-specific register through {@code uc_x86_msr}. */
  public void writeMsr(int msr, long value) {
    scratch.setInt(0, msr);
    scratch.setLong(8, value);
    check(UnicornLib.uc_reg_write(uc(), UnicornLib.UC_X86_REG_MSR, Pointer.nativeValue(scratch)),
        String.format("reg_write MSR 0x%X value=0x%X", msr, value));
  }

  /** Reads GDTR/IDTR/LDTR/TR ({@code uc_x86_mmr}: selector@0, base@8, limit@16, flags@20). */
  public X86Mmr.Value mmr(X86Mmr reg) {
    scratch.clear(24);
    check(UnicornLib.uc_reg_read(uc(), reg.id(), Pointer.nativeValue(scratch)), "reg_read " + reg);
    return new X86Mmr.Value(scratch.getShort(0) & 0xFFFF, scratch.getLong(8), scratch.getInt(16),
        scratch.getInt(20));
  }

  /** Writes GDTR/IDTR/LDTR/TR. */
  public void mmr(X86Mmr reg, X86Mmr.Value value) {
    scratch.clear(24);
    scratch.setShort(0, (short) value.selector());
    scratch.setLong(8, value.base());
    scratch.setInt(16, value.limit());
    scratch.setInt(20, value.flags());
    check(UnicornLib.uc_reg_write(uc(), reg.id(), Pointer.nativeValue(scratch)),
        "reg_write " + reg + " " + value);
  }

  // ---------------------------------------------------------------- hooks

  private Hook install(int type, Object callback, long begin, long end, int arg, String description,
      java.util.function.ToIntFunction<long[]> adder) {
    return install(type, callback, begin, end, arg, description, null, adder);
  }

  private Hook install(int type, Object callback, long begin, long end, int arg, String description,
      Runnable release, java.util.function.ToIntFunction<long[]> adder) {
    long[] hh = new long[1];
    check(adder.applyAsInt(hh), String.format("hook_add %s begin=0x%X, end=0x%X", description, begin, end));
    Hook h = new Hook(this, hh[0], callback, description, release);
    hooks.put(hh[0], h);
    return h;
  }

  void removeHook(Hook h) {
    if (uc == 0) return;
    hooks.remove(h.handle());
    check(UnicornLib.uc_hook_del(uc, h.handle()), "hook_del " + h);
  }

  /** Records a callback failure and stops emulation; {@link #emuStart} rethrows it. */
  void fail(Throwable t) {
    if (pending == null) pending = t;
    else if (pending != t) pending.addSuppressed(t);
    UnicornLib.uc_emu_stop(uc);
  }

  /** {@code UC_HOOK_CODE} for instructions whose address is in {@code [begin, end]}; begin &gt; end hooks all. */
  public Hook addCodeHook(long begin, long end, CodeHook hook) {
    UnicornLib.uc_cb_hookcode_t cb = (u, address, size, user) -> {
      try {
        hook.onCode(address, size);
      } catch (Throwable t) {
        fail(t);
      }
    };
    return install(UnicornLib.UC_HOOK_CODE, cb, begin, end, 0, "code",
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_CODE, cb, 0, begin, end, 0));
  }

  /**
   * A call gate's hook over {@code [begin, end]}, a region of slots of {@code slot} bytes (a power of two) from
   * {@code begin}: for the first instruction of every slot but slot 0, reads RSP, RCX, RDX, R8, R9, CR3 and [RSP],
   * runs {@code hook} and writes RAX if the hook set it ({@link GateFrame#setRax}). With {@link GateDispatch#NATIVE}
   * the filtering, reads and write are done in C by the JNI shim ({@link NativeGate}) and Java is entered once per
   * call; with {@link GateDispatch#JNA} a JNA callback does the same through JNA calls. {@link GateDispatch#NATIVE}
   * throws {@link IllegalStateException} with {@link NativeGate#status()}'s reason when the shim is unavailable.
   */
  public Hook addGateHook(long begin, long end, int slot, GateDispatch dispatch, Hooks.GateHook hook) {
    if (slot <= 0 || Integer.bitCount(slot) != 1) {
      throw new IllegalArgumentException("gate slot size " + slot + " is not a power of two");
    }
    if (Long.compareUnsigned(end, begin) < 0) {
      throw new IllegalArgumentException(String.format("gate region [0x%X, 0x%X] is empty", begin, end));
    }
    if (dispatch.resolve() == GateDispatch.NATIVE) {
      NativeGate gate = NativeGate.create(this, hook, begin, slot);
      long cb = gate.callback();
      long user = gate.userData();
      try {
        return install(UnicornLib.UC_HOOK_CODE, gate, begin, end, 0, "gate (native)", gate::release,
            hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_CODE, cb, user, begin, end, 0));
      } catch (RuntimeException e) {
        gate.release();
        throw e;
      }
    }
    JnaGateCallback cb = new JnaGateCallback(this, hook, begin, slot);
    return install(UnicornLib.UC_HOOK_CODE, cb, begin, end, 0, "gate (JNA)", null,
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_CODE, cb, 0, begin, end, 0));
  }

  /** {@code UC_HOOK_BLOCK} for blocks starting in {@code [begin, end]}. */
  public Hook addBlockHook(long begin, long end, CodeHook hook) {
    UnicornLib.uc_cb_hookcode_t cb = (u, address, size, user) -> {
      try {
        hook.onCode(address, size);
      } catch (Throwable t) {
        fail(t);
      }
    };
    return install(UnicornLib.UC_HOOK_BLOCK, cb, begin, end, 0, "block",
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_BLOCK, cb, 0, begin, end, 0));
  }

  /**
   * Installs a native function as a {@code UC_HOOK_CODE} callback over all code ({@code uc_cb_hookcode_t}
   * signature; {@code userData} is passed through). Used for counters that must not call into Java.
   */
  public Hook addNativeCodeHook(long function, long userData, String description) {
    return install(UnicornLib.UC_HOOK_CODE, Long.valueOf(function), 1, 0, 0, description,
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_CODE, function, userData, 1, 0, 0));
  }

  /** {@code UC_HOOK_INTR}: interrupts and CPU exceptions. */
  public Hook addInterruptHook(InterruptHook hook) {
    UnicornLib.uc_cb_hookintr_t cb = (u, intno, user) -> {
      try {
        hook.onInterrupt(intno);
      } catch (Throwable t) {
        fail(t);
      }
    };
    return install(UnicornLib.UC_HOOK_INTR, cb, 1, 0, 0, "interrupt",
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_INTR, cb, 0, 1, 0, 0));
  }

  /**
   * Memory hooks for valid accesses in {@code [begin, end]}; {@code types} is a mask of
   * {@code UC_HOOK_MEM_READ/WRITE/FETCH} (see {@link UnicornLib}).
   */
  public Hook addMemoryHook(int types, long begin, long end, MemoryHook hook) {
    UnicornLib.uc_cb_hookmem_t cb = (u, type, address, size, value, user) -> {
      try {
        hook.onAccess(MemAccess.of(type), address, size, value);
      } catch (Throwable t) {
        fail(t);
      }
    };
    return install(types, cb, begin, end, 0, "memory types=0x" + Integer.toHexString(types),
        hh -> UnicornLib.uc_hook_add(uc(), hh, types, cb, 0, begin, end, 0));
  }

  /**
   * Hooks for invalid accesses; {@code types} is a mask of {@code UC_HOOK_MEM_*_UNMAPPED} and
   * {@code UC_HOOK_MEM_*_PROT}. A throwing hook stops emulation (the access is not retried).
   */
  public Hook addInvalidMemoryHook(int types, InvalidMemoryHook hook) {
    UnicornLib.uc_cb_eventmem_t cb = (u, type, address, size, value, user) -> {
      try {
        return hook.onInvalid(MemAccess.of(type), address, size, value);
      } catch (Throwable t) {
        fail(t);
        return false;
      }
    };
    return install(types, cb, 1, 0, 0, "invalid-memory types=0x" + Integer.toHexString(types),
        hh -> UnicornLib.uc_hook_add(uc(), hh, types, cb, 0, 1, 0, 0));
  }

  /** {@code IN} instructions. */
  public Hook addInHook(InHook hook) {
    UnicornLib.uc_cb_insn_in_t cb = (u, port, size, user) -> {
      try {
        return hook.onIn(port, size);
      } catch (Throwable t) {
        fail(t);
        return 0;
      }
    };
    return install(UnicornLib.UC_HOOK_INSN, cb, 1, 0, UnicornLib.UC_X86_INS_IN, "insn IN",
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_INSN, cb, 0, 1, 0, UnicornLib.UC_X86_INS_IN));
  }

  /** {@code OUT} instructions. */
  public Hook addOutHook(OutHook hook) {
    UnicornLib.uc_cb_insn_out_t cb = (u, port, size, value, user) -> {
      try {
        hook.onOut(port, size, value);
      } catch (Throwable t) {
        fail(t);
      }
    };
    return install(UnicornLib.UC_HOOK_INSN, cb, 1, 0, UnicornLib.UC_X86_INS_OUT, "insn OUT",
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_INSN, cb, 0, 1, 0, UnicornLib.UC_X86_INS_OUT));
  }

  /**
   * An instruction hook with the CPUID callback signature: {@code UC_X86_INS_CPUID}, or (where the library
   * supports it, Unicorn 2.1+) {@code UC_X86_INS_RDTSC}/{@code RDTSCP}. Throws {@link EngineException} with
   * {@link UcError#HOOK} when the library cannot hook that instruction.
   */
  public Hook addInstructionHook(int instructionId, InstructionHook hook) {
    UnicornLib.uc_cb_insn_cpuid_t cb = (u, user) -> {
      try {
        return hook.onInstruction() ? 1 : 0;
      } catch (Throwable t) {
        fail(t);
        return 1;
      }
    };
    return install(UnicornLib.UC_HOOK_INSN, cb, 1, 0, instructionId, "insn " + instructionId,
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_INSN, cb, 0, 1, 0, instructionId));
  }

  /** {@code UC_HOOK_INSN_INVALID}. */
  public Hook addInvalidInstructionHook(InvalidInstructionHook hook) {
    UnicornLib.uc_cb_hookinsn_invalid_t cb = (u, user) -> {
      try {
        return hook.onInvalidInstruction();
      } catch (Throwable t) {
        fail(t);
        return false;
      }
    };
    return install(UnicornLib.UC_HOOK_INSN_INVALID, cb, 1, 0, 0, "invalid-instruction",
        hh -> UnicornLib.uc_hook_add(uc(), hh, UnicornLib.UC_HOOK_INSN_INVALID, cb, 0, 1, 0, 0));
  }

  // ---------------------------------------------------------------- run

  /**
   * {@code uc_emu_start}. Returns the engine's result code (faults such as {@link UcError#READ_UNMAPPED} are
   * results, not exceptions); rethrows a {@link Throwable} raised by a Java callback during the run (a checked one
   * wrapped in {@link HookFailedException}).
   *
   * @param timeoutMicros wall-clock limit in microseconds, 0 for none
   * @param count instruction limit, 0 for none
   */
  public UcError emuStart(long begin, long until, long timeoutMicros, long count) {
    pending = null;
    int err = UnicornLib.uc_emu_start(uc(), begin, until, timeoutMicros, count);
    Throwable t = pending;
    pending = null;
    if (t instanceof RuntimeException re) throw re;
    if (t instanceof Error e) throw e;
    if (t != null) throw new HookFailedException(t);
    return UcError.of(err);
  }

  /** {@code uc_emu_stop}; callable from hooks and from other threads. */
  public void emuStop() {
    if (uc != 0) UnicornLib.uc_emu_stop(uc);
  }

  /** {@code uc_strerror} of a code. */
  public static String errorText(UcError e) {
    UnicornLoader.load();
    return UnicornLib.uc_strerror(e.ordinal());
  }

  // ---------------------------------------------------------------- context

  /** Saves the CPU context ({@code uc_context_save}) and returns a copy of its bytes. */
  public byte[] saveContext() {
    ensureContext();
    check(UnicornLib.uc_context_save(uc(), context), "context_save");
    return new Pointer(context).getByteArray(0, contextSize);
  }

  /** Restores a CPU context made by {@link #saveContext()} on this engine ({@code uc_context_restore}). */
  public void restoreContext(byte[] saved) {
    ensureContext();
    if (saved.length != contextSize) {
      throw new IllegalArgumentException("context of " + saved.length + " bytes; this engine's is " + contextSize);
    }
    new Pointer(context).write(0, saved, 0, saved.length);
    check(UnicornLib.uc_context_restore(uc(), context), "context_restore");
  }

  private void ensureContext() {
    if (context != 0) return;
    long[] out = new long[1];
    check(UnicornLib.uc_context_alloc(uc(), out), "context_alloc");
    context = out[0];
    contextSize = (int) UnicornLib.uc_context_size(uc());
  }

  /** Closes the engine, freeing its native memory; hooks become inactive. Idempotent. */
  @Override
  public void close() {
    if (uc == 0) return;
    if (context != 0) UnicornLib.uc_context_free(context);
    context = 0;
    long h = uc;
    uc = 0;
    UnicornLib.uc_close(h);
    for (Hook hook : hooks.values().toArray(new Hook[0])) hook.close();
    hooks.clear();
    mmioCallbacks.clear();
  }
}
