package org.efiemu.core.engine;

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
  /** Register and small-memory transfers: a direct buffer read and written in Java, no JNI per access. */
  private final ByteBuffer fast = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
  private final long fastAddress = Pointer.nativeValue(Native.getDirectBufferPointer(fast));
  /** The JNA callbacks of this native engine, passed on to the next machine's engine object at a give-back. */
  HookCallbacks callbacks = new HookCallbacks();
  private final EngineHooks hooks = new EngineHooks(this);
  private final SpecialRegisters registers = new SpecialRegisters(this);
  private final Map<Long, Object> mmioCallbacks = new HashMap<>();
  /** Host memory behind {@link #mapHost} regions; freed after {@code uc_close} or when unmapped. */
  private final HostMemory host = new HostMemory();
  private Throwable pending;
  private long context;
  private int contextSize;
  /** Unicorn's store fast path for code-free RAM pages (see {@link StoreFastPath}), or null when not in use. */
  private StoreFastPath storeFastPath;

  private Engine(long uc) {
    this.uc = uc;
  }

  /** Opens an x86-64 engine, with the store fast path when {@link StoreFastPath#status()} allows it. */
  public static Engine open() {
    return open(true);
  }

  /**
   * Opens an x86-64 engine; {@code storeFastPath} false keeps Unicorn's stock store path for it (see
   * {@link StoreFastPath}; the guest sees no difference either way).
   */
  public static Engine open(boolean storeFastPath) {
    UnicornLoader.load();
    long[] out = new long[1];
    check(UnicornLib.uc_open(UnicornLib.UC_ARCH_X86, UnicornLib.UC_MODE_64, out), "uc_open arch=X86 mode=64");
    Engine e = new Engine(out[0]);
    if (storeFastPath && StoreFastPath.status().active()) {
      e.reg(X86Reg.RIP); // any API call creates Unicorn's CPU, which the fast path checks and uses
      e.storeFastPath = StoreFastPath.attach(e.uc);
    }
    return e;
  }

  /**
   * Unicorn's stock store path from now on for this engine (a machine built with {@code storeFastPath(false)} on a
   * lent engine). Idempotent; the guest sees no difference.
   */
  public void useStockStorePath() {
    if (storeFastPath != null) storeFastPath.disable();
  }

  /** This engine's store fast path counters; {@code enabled} false when it runs Unicorn's stock store path. */
  public StoreFastPath.Stats storeFastPathStats() {
    return storeFastPath == null ? new StoreFastPath.Stats(false, 0, 0, 0, 0, 0, 0, 0) : storeFastPath.stats();
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

  /**
   * Throws the {@link EngineException} of a failed call. Callers on hot paths (mapping, reading, writing, hooks at
   * every machine's build and give-back) test {@code err != 0} first and format the operation's text only then: a
   * {@code String.format} per call cost more than the native call (docs/performance.md, helper "huntbuild").
   */
  static void check(int err, String operation) {
    if (err != 0) throw new EngineException(err, UnicornLib.uc_strerror(err), operation);
  }

  private long uc() {
    if (uc == 0) throw new IllegalStateException("engine is closed");
    return uc;
  }

  /** False once {@link #close()} ran. */
  public boolean isOpen() {
    return uc != 0;
  }

  /** The native {@code uc_engine *}, for code that binds further native callbacks (e.g. a counter). */
  public long handle() {
    return uc();
  }

  // ---------------------------------------------------------------- memory

  /** {@code uc_mem_map}: maps {@code size} bytes at {@code address} (both 4 KiB aligned). */
  public void map(long address, long size, Set<Perm> perms) {
    dropKept();
    int err = UnicornLib.uc_mem_map(uc(), address, size, Perm.bits(perms));
    if (err != 0) check(err, String.format("mem_map address=0x%X, size=0x%X, perms=%s", address, size, Perm.text(perms)));
  }

  /**
   * {@code uc_mem_map_ptr} over fresh zeroed host memory this engine owns (see {@link HostMemory}): maps
   * {@code size} bytes at {@code address} (both 4 KiB aligned). Unlike {@link #map}, later protection changes and
   * partial unmaps of the region copy nothing, and {@link #read} copies straight from the host bytes. The memory is
   * freed by {@link #unmap} (the unmapped part) or {@link #close} (after {@code uc_close}).
   */
  public void mapHost(long address, long size, Set<Perm> perms) {
    long engine = uc();
    if (size <= 0 || ((address | size) & 0xFFF) != 0) check(UcError.ARG.ordinal(), mapHostText(address, size, perms));
    RamPool pool = host.pool;
    if (pool != null && pool.hasKept()) {
      RamPool.Kept k = pool.claim(address, size, Perm.bits(perms));
      if (k != null) {
        host.adopt(address, size, k.host()); // mapped already, over host memory that reads as zeros again
        return;
      }
      for (RamPool.Kept o : pool.takeOverlapping(address, size)) unmapKept(o);
    }
    int err = host.map(address, size, memory -> UnicornLib.uc_mem_map_ptr(engine, address, size, Perm.bits(perms), memory));
    if (err != 0) check(err, mapHostText(address, size, perms));
  }

  private static String mapHostText(long address, long size, Set<Perm> perms) {
    return String.format("mem_map_ptr address=0x%X, size=0x%X, perms=%s", address, size, Perm.text(perms));
  }

  /** True when every byte of {@code [address, address+length)} is in a {@link #mapHost} region. */
  public boolean isHostBacked(long address, long length) {
    return uc != 0 && host.covers(address, length);
  }

  /** Host bytes currently reserved for {@link #mapHost} regions (0 once closed). */
  public long hostBackedBytes() {
    return host.reservedBytes();
  }

  /** {@code uc_mem_unmap}; host memory of {@link #mapHost} regions in the range is freed once it returns. */
  public void unmap(long address, long size) {
    dropKept();
    if (reusable && ranSinceHandOver) invalidateRam(address, size);
    if (kept != null) kept.forgetRange(address, size);
    int err = UnicornLib.uc_mem_unmap(uc(), address, size);
    if (err != 0) check(err, String.format("mem_unmap address=0x%X, size=0x%X", address, size));
    host.release(address, size);
    if (storeFastPath != null && storeFastPath.writeProtectedPages() > 0) storeFastPath.writeProtect(address, size >>> 12, false);
  }

  /** {@code uc_mem_protect}. */
  public void protect(long address, long size, Set<Perm> perms) {
    dropKept();
    if (reusable && ranSinceHandOver) invalidateRam(address, size);
    if (kept != null) kept.forgetRange(address, size);
    int err = UnicornLib.uc_mem_protect(uc(), address, size, Perm.bits(perms));
    if (err != 0) check(err, String.format("mem_protect address=0x%X, size=0x%X, perms=%s", address, size, Perm.text(perms)));
  }

  /**
   * True when {@link #writeProtect} works on this engine: the native shim keeps a set of write-protected pages that
   * guest stores see exactly as a region without {@code UC_PROT_WRITE} ({@link StoreFastPath#writeProtectStatus()}),
   * so protecting a page splits no Unicorn region (no memory-topology commit, no translated code to drop).
   */
  public boolean pageWriteProtection() {
    return uc != 0 && pageWriteProtectionAllowed && storeFastPath != null && storeFastPath.writeProtectAvailable();
  }

  private boolean pageWriteProtectionAllowed = true;

  /**
   * Makes {@link #pageWriteProtection()} false for this engine object from now on (protections that code sets up
   * later then use {@code uc_mem_protect}): for comparisons of the two mechanisms. Pages already in the set stay.
   */
  public void disablePageWriteProtection() {
    pageWriteProtectionAllowed = false;
  }

  /**
   * Write-protects ({@code readOnly}) or unprotects guest pages {@code [address, address+size)} (4 KiB aligned)
   * without changing Unicorn's regions: a guest store to a protected page raises {@code UC_MEM_WRITE_PROT} hooks as
   * after {@code protect(address, size, READ|EXEC)}; reads and fetches are not affected; host writes ignore it (as
   * they ignore {@link #protect}). Only where {@link #pageWriteProtection()} is true. Unmapping a range ({@link
   * #unmap}) unprotects its pages, as it drops a region's protection.
   *
   * @throws IllegalStateException when {@link #pageWriteProtection()} is false
   */
  public void writeProtect(long address, long size, boolean readOnly) {
    if (!pageWriteProtection()) throw new IllegalStateException("page write protection is not available: "
        + StoreFastPath.writeProtectStatus());
    if (((address | size) & 0xFFF) != 0 || size < 0) {
      throw new IllegalArgumentException(String.format("writeProtect address=0x%X, size=0x%X: 4 KiB aligned", address, size));
    }
    if (size == 0) return;
    if (!storeFastPath.writeProtect(address, size >>> 12, readOnly)) {
      throw new EngineException(UcError.NOMEM.ordinal(), "out of native memory for the write-protected page set",
          String.format("writeProtect address=0x%X, size=0x%X", address, size));
    }
  }

  /** True when the page holding {@code address} is write-protected by {@link #writeProtect}. */
  public boolean isWriteProtected(long address) {
    return pageWriteProtection() && storeFastPath.writeProtected(address);
  }

  /** Pages write-protected by {@link #writeProtect} now (0 where it is not available). */
  public long writeProtectedPages() {
    return pageWriteProtection() ? storeFastPath.writeProtectedPages() : 0;
  }

  /** {@code uc_mmio_map}: a device whose reads and writes go to {@code handler}. */
  public void mapMmio(long address, long size, MmioHandler handler) {
    dropKept();
    UnicornLib.uc_cb_mmio_read_t r = (u, offset, sz, user) -> {
      long saved = enterMemoryHook(MemAccess.READ, 0, -1);
      try {
        return handler.read(offset, sz);
      } catch (Throwable t) {
        fail(t);
        return 0;
      } finally {
        leaveMemoryHook(saved);
      }
    };
    UnicornLib.uc_cb_mmio_write_t w = (u, offset, sz, value, user) -> {
      long saved = enterMemoryHook(MemAccess.WRITE, 0, -1);
      try {
        handler.write(offset, sz, value);
      } catch (Throwable t) {
        fail(t);
      } finally {
        leaveMemoryHook(saved);
      }
    };
    int err = UnicornLib.uc_mmio_map(uc(), address, size, r, 0, w, 0);
    if (err != 0) check(err, String.format("mmio_map address=0x%X, size=0x%X", address, size));
    mmioCallbacks.put(address, new Object[] {r, w});
  }

  /**
   * {@code uc_mem_read} into {@code buffer[offset, offset+length)}; a range wholly in {@link #mapHost} regions is
   * copied from their host bytes without calling Unicorn.
   */
  public void read(long address, byte[] buffer, int offset, int length) {
    uc();
    if (host.read(address, buffer, offset, length)) return;
    dropKept();
    byte[] target = offset == 0 && length == buffer.length ? buffer : new byte[length];
    int err = UnicornLib.uc_mem_read(uc(), address, target, length);
    if (err != 0) check(err, String.format("mem_read address=0x%X, size=0x%X", address, length));
    if (target != buffer) System.arraycopy(target, 0, buffer, offset, length);
  }

  /** {@code uc_mem_read} of {@code length} bytes. */
  public byte[] read(long address, int length) {
    byte[] b = new byte[length];
    read(address, b, 0, length);
    return b;
  }

  /**
   * {@code uc_mem_write} of {@code bytes[offset, offset+length)}; a range wholly in {@link #mapHost} regions is
   * copied straight into their host bytes instead. The two are equivalent on Unicorn 2.0.1: {@code uc_mem_write} too
   * ignores page protections (it lifts a region's read-only flag around the copy, two memory-topology rebuilds per
   * protected region, 10-50 us) and it drops no translated code (Unicorn FAQ "editing an instruction doesn't take
   * effect", issue unicorn-engine/unicorn#1561; pinned by {@code HostMemoryTest}).
   */
  public void write(long address, byte[] bytes, int offset, int length) {
    uc();
    if (host.write(address, bytes, offset, length)) {
      if (kept != null) kept.hostWritten(this, address, length);
      return;
    }
    dropKept();
    byte[] source = bytes;
    if (offset != 0 || length != bytes.length) {
      source = new byte[length];
      System.arraycopy(bytes, offset, source, 0, length);
    }
    int err = UnicornLib.uc_mem_write(uc(), address, source, length);
    if (err != 0) check(err, String.format("mem_write address=0x%X, size=0x%X", address, length));
    if (kept != null) kept.hostWritten(this, address, length);
  }

  /** {@code uc_mem_write} of all of {@code bytes}. */
  public void write(long address, byte[] bytes) {
    write(address, bytes, 0, bytes.length);
  }

  // ---------------------------------------------------------------- registers

  /** {@code uc_reg_read}. */
  public long reg(X86Reg reg) {
    if (reg == X86Reg.RIP && memoryHookDepth > 0 && allCodeHooks == 0 && !ripWrittenInMemoryHook) {
      if (accessSite != null) {
        long site = accessSite.instructionOf(memoryHookAccess, memoryHookAddress, memoryHookSize);
        if (site != AccessSite.UNKNOWN) return site;
      }
      if (!ripReadInMemoryHook) {
        ripReadInMemoryHook = true;
        if (onRipReadInMemoryHook != null) onRipReadInMemoryHook.run();
      }
    }
    fast.putLong(0, 0);
    int err = UnicornLib.uc_reg_read(uc(), reg.id(), fastAddress);
    if (err != 0) check(err, "reg_read " + reg);
    return fast.getLong(0);
  }

  /**
   * {@code base + index * scale + disp} from the current general registers ({@code null}: absent), as
   * {@link #reg(X86Reg)} reads them; one JNI call where the shim is loaded ({@link NativeMemoryHook}), else two
   * {@code uc_reg_read}s. For the writer lookup inside memory hooks, which computes a store's destination at every
   * watched write.
   */
  public long effectiveAddress(X86Reg base, X86Reg index, int scale, long disp) {
    if (NativeMemoryHook.available() && base != X86Reg.RIP && index != X86Reg.RIP) {
      fast.putLong(0, 0);
      int err = NativeMemoryHook.effectiveAddress(NativeMemoryHook.regReadFunction(), uc(), base == null ? -1 : base.id(),
          index == null ? -1 : index.id(), scale, disp, fastAddress);
      if (err == 0) return fast.getLong(0);
      // an error: the JNA path below names it
    }
    long ea = disp;
    if (base != null) ea += reg(base);
    if (index != null) ea += reg(index) * scale;
    return ea;
  }

  /** {@code uc_reg_write}. */
  public void reg(X86Reg reg, long value) {
    if (reg == X86Reg.RIP && ripWrites != null) ripWrites.accept(value);
    // from here on this hook reads back the value it wrote (as with an all-code hook), no longer a stale position
    if (reg == X86Reg.RIP && memoryHookDepth > 0) ripWrittenInMemoryHook = true;
    fast.putLong(0, value);
    int err = UnicornLib.uc_reg_write(uc(), reg.id(), fastAddress);
    if (err != 0) check(err, String.format("reg_write %s value=0x%X", reg, value));
  }

  /**
   * Reads the 64-bit little-endian value at {@code address} of mapped memory ({@code uc_mem_read} into a reused
   * native buffer, no allocation).
   */
  public long readU64(long address) {
    uc();
    Long direct = host.readU64(address);
    if (direct != null) return direct;
    dropKept();
    int err = UnicornLib.uc_mem_read(uc(), address, fastAddress, 8);
    if (err != 0) check(err, String.format("mem_read address=0x%X, size=0x8", address));
    return fast.getLong(0);
  }

  /** A set of registers read together with one {@code uc_reg_read_batch} call (see {@link RegisterBatch}). */
  public RegisterBatch batch(X86Reg... regs) {
    return new RegisterBatch(this, regs);
  }

  /** Reads XMM{@code n} (0-15) as {@code {low 64 bits, high 64 bits}}. */
  public long[] xmm(int n) {
    return registers.xmm(n);
  }

  /** Writes XMM{@code n} (0-15). */
  public void xmm(int n, long low, long high) {
    registers.xmm(n, low, high);
  }

  /** Reads a model-specific register through {@code uc_x86_msr}. */
  public long readMsr(int msr) {
    return registers.readMsr(msr);
  }

  /** Writes a model-specific register through {@code uc_x86_msr}. */
  public void writeMsr(int msr, long value) {
    registers.writeMsr(msr, value);
  }

  /** Reads GDTR/IDTR/LDTR/TR ({@code uc_x86_mmr}: selector@0, base@8, limit@16, flags@20). */
  public X86Mmr.Value mmr(X86Mmr reg) {
    return registers.mmr(reg);
  }

  /** Writes GDTR/IDTR/LDTR/TR. */
  public void mmr(X86Mmr reg, X86Mmr.Value value) {
    registers.mmr(reg, value);
  }

  // ---------------------------------------------------------------- hooks

  void removeHook(Hook h) {
    if (uc == 0) return;
    hooks.forget(h);
    if (h.callback() instanceof HookCallbacks.Pooled) callbacks.retire(h.callback());
    int err = UnicornLib.uc_hook_del(uc, h.handle());
    if (err != 0) check(err, "hook_del " + h);
    hooksDeleted = true;
    Integer kinds = memoryHookKinds.remove(h.handle());
    if (kinds != null) {
      // still in Unicorn's hook list, and so still read at translation, until the outermost uc_emu_start ends
      if ((kinds & UnicornLib.UC_HOOK_MEM_READ) != 0) liveReadHooks--;
      if ((kinds & UnicornLib.UC_HOOK_MEM_WRITE) != 0) liveWriteHooks--;
      if ((kinds & UnicornLib.UC_HOOK_MEM_READ) != 0) deletedReadHooks++;
      if ((kinds & UnicornLib.UC_HOOK_MEM_WRITE) != 0) deletedWriteHooks++;
    }
  }

  // ------------------------------------------------ memory hooks as read at translation (Unicorn 2.0.1.post1)

  /** Memory hooks installed, by handle: their {@code UC_HOOK_MEM_READ}/{@code WRITE} bits. */
  private final java.util.Map<Long, Integer> memoryHookKinds = new java.util.HashMap<>();
  private int liveReadHooks;
  private int liveWriteHooks;
  /** Deleted since the outermost run ended: Unicorn keeps them in its lists (to_delete) until a run ends. */
  private int deletedReadHooks;
  private int deletedWriteHooks;
  /** A hook was deleted since the outermost run ended (Unicorn's lists still hold it). */
  private boolean hooksDeleted;
  private int runDepth;

  /**
   * How Unicorn 2.0.1 translates loads and stores now: {@code UC_HOOK_MEM_READ} bit when its read-hook list is not
   * empty (every load then leaves the inline TLB path and syncs EIP first, {@code tcg-target.inc.c:1762},
   * {@code translate.c:539}), {@code UC_HOOK_MEM_WRITE} bit when its write-hook list is not empty (every load and
   * store leaves the inline path, every store syncs EIP, {@code translate.c:549}). {@code HOOK_EXISTS} tests the list
   * head only: neither a hook's range nor its callback changes the code, and a deleted hook counts until the outermost
   * {@code uc_emu_start} ends ({@code clear_deleted_hooks}).
   */
  int memoryTranslationMode() {
    return (liveReadHooks + deletedReadHooks > 0 ? UnicornLib.UC_HOOK_MEM_READ : 0)
        | (liveWriteHooks + deletedWriteHooks > 0 ? UnicornLib.UC_HOOK_MEM_WRITE : 0);
  }

  /** Records a callback failure and stops emulation; {@link #emuStart} rethrows it. */
  void fail(Throwable t) {
    if (pending == null) pending = t;
    else if (pending != t) pending.addSuppressed(t);
    UnicornLib.uc_emu_stop(uc);
  }

  /** {@code UC_HOOK_CODE} for instructions whose address is in {@code [begin, end]}; begin &gt; end hooks all. */
  public Hook addCodeHook(long begin, long end, CodeHook hook) {
    // a bounded code hook changes only the code of its range, which a new engine would translate with it: kept code
    // there is removed (KeptTranslations); one over all code changes every block
    if (kept != null) kept.translationHookAdded(this, begin, end, Long.compareUnsigned(begin, end) <= 0 ? null : "code hook over all code");
    return hooks.addCodeHook(begin, end, hook);
  }

  /**
   * A code hook whose one JNA callback serves many one-range hooks ({@link #addCodeHook(long, long, SharedCodeHook)}):
   * a site hooked one by one as code is found (RDTSC) then costs a {@code uc_hook_add}, not a new native closure.
   */
  public static final class SharedCodeHook implements AutoCloseable {
    final long id;
    private final EngineHooks owner;
    private boolean closed;

    private SharedCodeHook(EngineHooks owner, long id) {
      this.owner = owner;
      this.id = id;
    }

    /** The hooks added with this stop calling it (they stay in Unicorn's lists until they are removed). */
    @Override
    public void close() {
      if (closed) return;
      closed = true;
      owner.forgetSharedCodeTarget(id);
    }
  }

  /**
   * One callback for {@code hook}, to install over several ranges with {@link #addCodeHook(long, long,
   * SharedCodeHook)}: every shared hook of the process goes through one JNA callback, which dispatches by the hook's
   * user data, so no native closure is made per machine. Close it when its hooks are removed.
   */
  public SharedCodeHook sharedCodeHook(CodeHook hook) {
    return new SharedCodeHook(hooks, hooks.sharedCodeTarget(hook));
  }

  /** Shared code hooks made through this engine and not closed (tests: a reused engine holds none of past machines). */
  int sharedCodeHooksHeld() {
    return hooks.ownSharedCodeTargets();
  }

  /** {@code UC_HOOK_CODE} for instructions in {@code [begin, end]} (begin &lt;= end) with a shared callback. */
  public Hook addCodeHook(long begin, long end, SharedCodeHook shared) {
    if (Long.compareUnsigned(begin, end) > 0) {
      throw new IllegalArgumentException(String.format("shared code hook range [0x%X, 0x%X] is empty", begin, end));
    }
    if (shared.closed) throw new IllegalStateException("shared code hook is closed");
    if (kept != null) kept.translationHookAdded(this, begin, end, null);
    return hooks.addSharedCodeHook(begin, end, shared.id);
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
    if (kept != null) kept.translationHookAdded(this, begin, end, null);
    return hooks.addGateHook(begin, end, slot, dispatch, hook);
  }

  /** {@code UC_HOOK_BLOCK} for blocks starting in {@code [begin, end]}. */
  public Hook addBlockHook(long begin, long end, CodeHook hook) {
    if (kept != null) kept.translationHookAdded(this, begin, end, "block hook");
    blockHooksAdded++;
    return hooks.addBlockHook(begin, end, hook);
  }

  /**
   * Installs a native function as a {@code UC_HOOK_CODE} callback for instructions in {@code [begin, end]} (begin
   * &lt;= end; {@code uc_cb_hookcode_t} signature, {@code userData} passed through): e.g. an RDTSC site answered in C.
   */
  public Hook addNativeCodeHook(long begin, long end, long function, long userData, String description) {
    if (Long.compareUnsigned(begin, end) > 0) {
      throw new IllegalArgumentException(String.format("native code hook range [0x%X, 0x%X] is empty", begin, end));
    }
    if (kept != null) kept.translationHookAdded(this, begin, end, null);
    return hooks.addNativeCodeHook(begin, end, function, userData, description);
  }

  /**
   * A Java callback entered from native code through JNI (not through a JNA hook callback) failed: the run stops and
   * {@code t} reaches {@link #start}'s caller, as a JNA hook's failure does.
   */
  public void failFromNative(Throwable t) {
    fail(t);
  }

  /**
   * Installs a native function as a {@code UC_HOOK_CODE} callback over all code ({@code uc_cb_hookcode_t}
   * signature; {@code userData} is passed through). Used for counters that must not call into Java.
   */
  public Hook addNativeCodeHook(long function, long userData, String description) {
    if (kept != null) kept.translationHookAdded(this, 1, 0, "native code hook " + description);
    return hooks.addNativeCodeHook(function, userData, description);
  }

  /**
   * Installs a native function as a {@code UC_HOOK_BLOCK} callback over all code ({@code uc_cb_hookcode_t}
   * signature, called before each translated block with the block's address and size in bytes; {@code userData} is
   * passed through). {@code release} runs once the hook is removed (or the engine closed), e.g. to free
   * {@code userData}.
   */
  public Hook addNativeBlockHook(long function, long userData, String description, Runnable release) {
    if (kept != null) {
      dropUnadoptedBlockHook(); // a new counter: a kept one's hook would run before it, and its code is not this one's
      if (blockHooksAdded > 0) kept.translationHookAdded(this, 1, 0, "second block hook " + description);
    }
    blockHooksAdded++;
    return hooks.addNativeBlockHook(function, userData, description, release);
  }

  /**
   * A native {@code uc_hook_edge_gen_t} function called for every newly translated block before it runs (not for
   * the first block an engine ever runs); {@code release} runs when the hook is removed or the engine closes.
   */
  public Hook addNativeEdgeGeneratedHook(long function, long userData, String description, Runnable release) {
    return hooks.addNativeEdgeGeneratedHook(function, userData, description, release);
  }

  /**
   * Drops the translated blocks holding code of {@code [begin, end)} ({@code uc_ctl(UC_CTL_TB_REMOVE_CACHE)},
   * unicorn.h): hooks added or removed since they were translated take effect there, and so does a new
   * {@code until} address of {@link #emuStart}.
   */
  public void removeTranslations(long begin, long end) {
    int err = UnicornLib.uc_ctl(uc(), TB_REMOVE_CACHE, begin, end);
    if (err != 0) check(err, String.format("ctl UC_CTL_TB_REMOVE_CACHE begin=0x%X, end=0x%X", begin, end));
  }

  private java.util.function.LongConsumer ripWrites;
  private int memoryHookDepth;
  /** Hooks over all code installed now (EngineHooks counts them). */
  int allCodeHooks;
  private boolean ripReadInMemoryHook;
  private Runnable onRipReadInMemoryHook;

  /** The access of the innermost memory callback running now. */
  private MemAccess memoryHookAccess;
  /** Address and size of the innermost memory callback's access; size -1: not known (MMIO: offsets only). */
  private long memoryHookAddress;
  private int memoryHookSize = -1;
  /** True once the innermost memory callback running now wrote RIP. */
  private boolean ripWrittenInMemoryHook;
  private AccessSite accessSite;

  /**
   * A memory, invalid-memory or MMIO callback for an access of kind {@code access} starts (on the emulating thread);
   * returns the state to hand back to {@link #leaveMemoryHook(long)}.
   */
  long enterMemoryHook(MemAccess access, long address, int size) {
    long saved = (memoryHookAccess == null ? 0 : memoryHookAccess.ordinal() + 1L) | (ripWrittenInMemoryHook ? 1L << 32 : 0);
    memoryHookDepth++;
    memoryHookAccess = access;
    memoryHookAddress = address;
    memoryHookSize = size;
    ripWrittenInMemoryHook = false;
    return saved;
  }

  void leaveMemoryHook(long saved) {
    memoryHookDepth--;
    int a = (int) (saved & 0xFFFF);
    memoryHookAccess = a == 0 ? null : MemAccess.values()[a - 1];
    ripWrittenInMemoryHook = (saved >>> 32) != 0;
    memoryHookSize = -1; // an outer callback (none on Unicorn 2.0.1: callbacks do not nest) has lost its address
  }

  /**
   * Finds the instruction doing a memory access while no all-code hook runs, for {@link #reg(X86Reg)} of RIP inside
   * memory, invalid-memory and MMIO callbacks (the block instruction counter installs one).
   */
  @FunctionalInterface
  public interface AccessSite {
    /** Not an address of an x86-64 instruction (non-canonical): the instruction cannot be told for certain. */
    long UNKNOWN = Long.MIN_VALUE;

    /**
     * The address of the instruction doing the current access of kind {@code access} to {@code size} bytes at
     * {@code address} ({@code size} -1: address not known), or {@link #UNKNOWN}.
     */
    long instructionOf(MemAccess access, long address, int size);
  }

  /**
   * Installs {@code site} (null removes it): inside a memory, invalid-memory or MMIO callback while no all-code hook
   * is installed, {@link #reg(X86Reg)} of RIP returns the address it gives, when it gives one, instead of Unicorn's
   * stale RIP, and {@link #ripReadInMemoryHook()} stays false. Until the callback writes RIP itself: then RIP reads
   * back the value written.
   */
  public void accessSite(AccessSite site) {
    this.accessSite = site;
  }

  /**
   * True when RIP was read inside a memory, invalid-memory or MMIO callback, while no hook over all code was installed,
   * since {@link #clearRipReadInMemoryHook()}, and neither the {@link #accessSite} could tell the accessing
   * instruction nor the callback had written RIP. Unicorn 2.0.1 writes the guest RIP back before every instruction only
   * while an all-code hook is installed (and in code translated since); without one, RIP inside such a callback is
   * where it was last written back (e.g. the start of the translated block), not the accessing instruction.
   */
  public boolean ripReadInMemoryHook() {
    return ripReadInMemoryHook;
  }

  /** True while a hook over all code is installed (Unicorn then calls the hook helper before every instruction). */
  public boolean hooksEveryInstruction() {
    return allCodeHooks > 0;
  }

  /** Runs {@code listener} (inside the memory hook) when {@link #ripReadInMemoryHook()} turns true; null: none. */
  public void onRipReadInMemoryHook(Runnable listener) {
    this.onRipReadInMemoryHook = listener;
  }

  public void clearRipReadInMemoryHook() {
    ripReadInMemoryHook = false;
  }

  /** {@code UC_CTL_TB_REMOVE_CACHE} (9) | 2 arguments &lt;&lt; 26 | {@code UC_CTL_IO_WRITE} &lt;&lt; 30. */
  private static final int TB_REMOVE_CACHE = 9 | (2 << 26) | (1 << 30);

  /** {@code UC_HOOK_INTR}: interrupts and CPU exceptions. */
  public Hook addInterruptHook(InterruptHook hook) {
    return hooks.addInterruptHook(hook);
  }

  /**
   * Memory hooks for valid accesses in {@code [begin, end]}; {@code types} is a mask of
   * {@code UC_HOOK_MEM_READ/WRITE/FETCH} (see {@link UnicornLib}).
   */
  public Hook addMemoryHook(int types, long begin, long end, MemoryHook hook) {
    // a write hook must see every store. Code translated while a write hook exists sends every store through
    // store_helper, which calls the write hooks before it looks at the TLB entry: the fast path's entries lose no call
    // there. Code translated without one stores inline and reaches the hooks only through TLB_NOTDIRTY's helper path,
    // which the fast path removes: an engine that may hold such code goes back to the stock store path for good.
    if ((types & UnicornLib.UC_HOOK_MEM_WRITE) != 0 && storeFastPath != null && ranWithoutWriteHook) {
      storeFastPath.disable();
    }
    int before = memoryTranslationMode();
    Hook h = hooks.addMemoryHook(types, begin, end, hook);
    int kinds = types & (UnicornLib.UC_HOOK_MEM_READ | UnicornLib.UC_HOOK_MEM_WRITE);
    if (kinds != 0) {
      memoryHookKinds.put(h.handle(), kinds);
      if ((kinds & UnicornLib.UC_HOOK_MEM_READ) != 0) liveReadHooks++;
      if ((kinds & UnicornLib.UC_HOOK_MEM_WRITE) != 0) liveWriteHooks++;
    }
    // loads and stores translated from now on differ: kept code is kept or removed by the mode it was translated in
    if (kept != null && memoryTranslationMode() != before) kept.memoryModeChanged(this, memoryTranslationMode());
    return h;
  }

  /**
   * Hooks for invalid accesses; {@code types} is a mask of {@code UC_HOOK_MEM_*_UNMAPPED} and
   * {@code UC_HOOK_MEM_*_PROT}. A throwing hook stops emulation (the access is not retried).
   */
  public Hook addInvalidMemoryHook(int types, InvalidMemoryHook hook) {
    return hooks.addInvalidMemoryHook(types, hook);
  }

  /**
   * True when guest stores to pages write-protected by {@link #writeProtect} can be taken by
   * {@link #addProtectedStoreHook} without any {@code UC_HOOK_MEM_WRITE}: the page set is available
   * ({@link #pageWriteProtection()}), memory hooks are entered through JNI ({@link NativeMemoryHook}), and the shim
   * knows where this Unicorn build marks the bytes of its byte-by-byte store loop.
   */
  public boolean protectedStoreHooks() {
    return pageWriteProtection() && NativeMemoryHook.available() && StoreFastPath.storeNestingKnown();
  }

  /**
   * A hook on guest stores to pages write-protected by {@link #writeProtect} ({@code UC_HOOK_MEM_WRITE_PROT}), for
   * watching stores to pages without a {@code UC_HOOK_MEM_WRITE}: Unicorn 2.0.1 translates every load and store
   * through its helpers while any write hook exists, whereas a write-protected page's stores leave the inline path
   * alone. Each store to a protected page reaches {@code hook} once with its address and size as a write hook would
   * see them; an unaligned or page-crossing store's bytes then come one by one ({@code nested}) for those on
   * protected pages. A handled store lands: on a page still protected after the hook the engine writes it (Unicorn
   * would discard it), on a page the hook unprotected Unicorn stores it. Only where {@link #protectedStoreHooks()}.
   *
   * @throws IllegalStateException when {@link #protectedStoreHooks()} is false
   */
  public Hook addProtectedStoreHook(Hooks.ProtectedStoreHook hook) {
    if (!protectedStoreHooks()) throw new IllegalStateException("protected store hooks are not available: "
        + (pageWriteProtection() ? NativeMemoryHook.available() ? "the shim does not know this Unicorn build's store loop"
            : "memory hooks are not entered through JNI" : "page write protection: " + StoreFastPath.writeProtectStatus()));
    return hooks.addProtectedStoreHook(hook);
  }

  /** {@code IN} instructions. */
  public Hook addInHook(InHook hook) {
    return hooks.addInHook(hook);
  }

  /**
   * {@code IN} instructions answered first by a native {@code uc_cb_insn_in_t} {@code function}, which calls the JNA
   * callback of {@code hook} (its address given to {@code attach}, which returns the function's user data) for what it
   * does not answer itself; {@code release} runs once the native hook is gone. Unicorn 2.0.1 gives an {@code IN} to
   * the first {@code IN} hook only: use this instead of {@link #addInHook}, not beside it.
   */
  public Hook addNativeInHook(long function, InHook hook, java.util.function.LongUnaryOperator attach,
      String description, Runnable release) {
    return hooks.addNativeInHook(function, hook, attach, description, release);
  }

  /** {@code OUT} instructions. */
  public Hook addOutHook(OutHook hook) {
    return hooks.addOutHook(hook);
  }

  /**
   * True when an {@link #addInstructionHook} of {@code instructionId} on this native engine was refused with
   * {@link UcError#HOOK} before (Unicorn 2.0.1 hooks no RDTSC): a caller probing at every machine's build asks first
   * instead of making the hook, its callback and the exception again.
   */
  public boolean refusesInstructionHook(int instructionId) {
    return callbacks.refusedInstructions.contains(instructionId);
  }

  /**
   * An instruction hook with the CPUID callback signature: {@code UC_X86_INS_CPUID}, or (where the library
   * supports it, Unicorn 2.1+) {@code UC_X86_INS_RDTSC}/{@code RDTSCP}. Throws {@link EngineException} with
   * {@link UcError#HOOK} when the library cannot hook that instruction.
   */
  public Hook addInstructionHook(int instructionId, InstructionHook hook) {
    return hooks.addInstructionHook(instructionId, hook);
  }

  /** {@code UC_HOOK_INSN_INVALID}. */
  public Hook addInvalidInstructionHook(InvalidInstructionHook hook) {
    return hooks.addInvalidInstructionHook(hook);
  }

  // ---------------------------------------------------------------- run

  /**
   * Tells {@code listener} the new value before each write of RIP through {@link #reg(X86Reg, long)}, while the old
   * value can still be read (a hook that moves RIP ends Unicorn's translated block early; the block instruction
   * counter needs to know). One listener; null removes it.
   */
  public void ripWriteListener(java.util.function.LongConsumer listener) {
    this.ripWrites = listener;
  }

  /**
   * {@code uc_emu_start}. Returns the engine's result code (faults such as {@link UcError#READ_UNMAPPED} are
   * results, not exceptions); rethrows a {@link Throwable} raised by a Java callback during the run (a checked one
   * wrapped in {@link HookFailedException}).
   *
   * @param timeoutMicros wall-clock limit in microseconds, 0 for none (enforced by {@link WallClockTimer}, never by
   *     Unicorn's timeout thread, which other engines' creation can fire early)
   * @param count instruction limit, 0 for none
   */
  public UcError emuStart(long begin, long until, long timeoutMicros, long count) {
    pending = null;
    long handle = uc();
    dropKept();
    if (kept != null) {
      kept.settle(this);
      kept.runStarts(begin, until);
    }
    ranSinceHandOver = true;
    // the memory-hook kinds only grow during a run (a hook deleted in it stays in Unicorn's lists until the outermost
    // run ends), so a run that starts with a write hook translates every block with one
    if ((memoryTranslationMode() & UnicornLib.UC_HOOK_MEM_WRITE) == 0) ranWithoutWriteHook = true;
    WallClockTimer timer = timeoutMicros > 0 ? WallClockTimer.arm(this, timeoutMicros) : null;
    int err;
    runDepth++;
    try {
      err = UnicornLib.uc_emu_start(handle, begin, until, 0, count);
    } finally {
      if (timer != null) timer.disarm();
      if (--runDepth == 0) runEnded();
    }
    Throwable t = pending;
    pending = null;
    if (t instanceof RuntimeException re) throw re;
    if (t instanceof Error e) throw e;
    if (t != null) throw new HookFailedException(t);
    return UcError.of(err);
  }

  /** The outermost run ended: Unicorn removed the deleted hooks from its lists ({@code clear_deleted_hooks}). */
  private void runEnded() {
    callbacks.runEnded(); // the deleted hooks are gone from Unicorn's lists: their callbacks may serve new hooks
    int before = memoryTranslationMode();
    deletedReadHooks = 0;
    deletedWriteHooks = 0;
    hooksDeleted = false;
    if (kept != null && memoryTranslationMode() != before) kept.memoryModeChanged(this, memoryTranslationMode());
  }

  /**
   * Removes the hooks deleted since the last run from Unicorn's lists, as the end of a run does, without running guest
   * code: a {@code uc_emu_start} whose start is its end, at an address with no memory (Unicorn translates a temporary,
   * uncached block that only stops), in the context {@code context} (no paging). Without it the next machine's first
   * run would be translated as if the previous machine's memory hooks were still there (Unicorn 2.0.1: {@code
   * HOOK_EXISTS} sees deleted hooks until {@code clear_deleted_hooks} at the end of the outermost run), and a code hook
   * deleted would still change how a run that stops restores RIP ({@code cpu-exec.c:75}).
   */
  private void clearDeletedHooks(byte[] context) {
    if (!hooksDeleted) return;
    long nowhere = 0;
    for (long candidate : new long[] {0x7FFF_FFFF_F000L, 0x7FFF_0000_0000L, 0x4000_0000_0000L, 0xFFFF_F000L}) {
      boolean free = true;
      for (long[] r : mappedRegions()) {
        if (Long.compareUnsigned(candidate, r[1]) <= 0 && Long.compareUnsigned(candidate + 0xFFF, r[0]) >= 0) free = false;
      }
      if (free) {
        nowhere = candidate;
        break;
      }
    }
    if (nowhere == 0) return; // every candidate mapped (no machine does that): left to the next run's end
    restoreContext(context);
    int err = UnicornLib.uc_emu_start(uc(), nowhere, nowhere, 0, 0);
    if (err != 0) check(err, String.format("emu_start 0x%X..0x%X (clearing deleted hooks)", nowhere, nowhere));
    callbacks.runEnded();
    deletedReadHooks = 0; // the kept code was saved already: no mode change to tell it
    deletedWriteHooks = 0;
    hooksDeleted = false;
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

  // ---------------------------------------------------------------- reuse (ReusableEngine)

  /** Lent by a {@link ReusableEngine}: translated code must not outlive the RAM it came from (see invalidateRam). */
  boolean reusable;
  /** {@link #emuStart} was called since this engine was opened or handed over (so translated code may exist). */
  private boolean ranSinceHandOver;
  /**
   * A run started on this engine (since opened or handed over) while no {@code UC_HOOK_MEM_WRITE} hook was in
   * Unicorn's lists, so blocks translated with inline stores may exist. Kept translations of a previous machine are
   * not counted: those translated with other memory-hook kinds than this machine's are removed before its first run
   * ({@link KeptTranslations#settle}), and the rest of a previous machine's code at its give-back.
   */
  private boolean ranWithoutWriteHook;

  /**
   * Drops the translated code of every RAM region overlapping {@code [address, address+size)} (size -1: all RAM),
   * before that region is unmapped or re-created. Unicorn 2.0.1 keys translated blocks by the RAM block offset of
   * their code ({@code ram_addr_t}), and unmapping a region or changing the protection of part of it ({@code
   * split_region}) frees RAM blocks whose offsets later regions may get again: in a new engine such blocks die with
   * it, in a reused one they could be found again by a later machine whose code sits at the same address and offset.
   * Dropping them first leaves nothing behind: after {@link #handOver} the engine holds no translated code, as a new
   * one. {@code uc_ctl(UC_CTL_TB_REMOVE_CACHE)} finds a region's RAM block through the CPU's current page tables,
   * which are identity tables whenever this runs (the machine's, or the guest's checked ones); regions at or above
   * the 40-bit physical limit hold no code (the CPU cannot fetch there). A region without execute permission is
   * given it for the call and set back.
   */
  private void invalidateRam(long address, long size) {
    long last = size < 0 ? -1L : address + size - 1;
    for (long[] r : regions()) {
      long begin = r[0];
      long end = r[1];
      if (Long.compareUnsigned(end, address) < 0 || Long.compareUnsigned(begin, last) > 0) continue;
      if (Long.compareUnsigned(begin, 1L << 40) >= 0 || !host.covers(begin, end - begin + 1)) continue;
      int perms = (int) r[2];
      boolean exec = (perms & Perm.bits(java.util.EnumSet.of(Perm.EXEC))) != 0;
      if (!exec) check(UnicornLib.uc_mem_protect(uc(), begin, end - begin + 1, Perm.bits(Perm.ALL)), "mem_protect (invalidate)");
      try {
        removeTranslations(begin, end + 1);
      } finally {
        if (!exec) check(UnicornLib.uc_mem_protect(uc(), begin, end - begin + 1, perms), "mem_protect (invalidate)");
      }
    }
  }

  /** {@code UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0)}: type 10, no argument, {@code UC_CTL_IO_WRITE} &lt;&lt; 30. */
  private static final int TB_FLUSH = 10 | (1 << 30);

  /** Drops every translated block ({@code uc_ctl(UC_CTL_TB_FLUSH)}): the next run translates all code again. */
  public void flushTranslations() {
    int err = UnicornLoader.load().getFunction("uc_ctl").invokeInt(new Object[] {new Pointer(uc()), TB_FLUSH});
    check(err, "ctl UC_CTL_TB_FLUSH");
  }

  /**
   * The engine's mapped regions ({@code uc_mem_regions}) as {@code [begin, end inclusive, perms]}, ascending.
   */
  public java.util.List<long[]> regions() {
    dropKept();
    return mappedRegions();
  }

  /** {@link #regions()} as they are: kept regions not claimed yet included. */
  private java.util.List<long[]> mappedRegions() {
    long[] out = new long[1];
    int[] count = new int[1];
    int err = UnicornLib.uc_mem_regions(uc(), out, count);
    check(err, "mem_regions");
    java.util.List<long[]> list = new java.util.ArrayList<>(count[0]);
    if (out[0] == 0) return list;
    Pointer p = new Pointer(out[0]);
    try {
      for (int i = 0; i < count[0]; i++) {
        long o = 24L * i; // uc_mem_region: uint64_t begin, uint64_t end (inclusive), uint32_t perms (+ 4 padding)
        list.add(new long[] {p.getLong(o), p.getLong(o + 8), p.getInt(o + 16) & 0xFFFF_FFFFL});
      }
    } finally {
      UnicornLib.uc_free(out[0]);
    }
    return list;
  }

  /**
   * Unmaps every region kept from the previous machine that this machine has not claimed ({@link RamPool}): called
   * before anything that could reach one (a run, a region list, a Unicorn memory access, any map, unmap or
   * protection change), so such a region faults as unmapped memory does on a new engine.
   */
  void dropKept() {
    RamPool pool = host.pool;
    if (pool == null || !pool.hasKept()) return;
    for (RamPool.Kept k : pool.takeOverlapping(0, -1)) unmapKept(k);
  }

  private void unmapKept(RamPool.Kept k) {
    if (kept != null) kept.regionDropped(this, k.guest(), k.size());
    int err = UnicornLib.uc_mem_unmap(uc(), k.guest(), k.size());
    if (err != 0) check(err, String.format("mem_unmap address=0x%X, size=0x%X (a kept region not claimed)", k.guest(), k.size()));
    host.pool.putSpare(k.host(), k.size());
  }

  /**
   * Keeps guest RAM's Unicorn regions and host memory from one machine to the next ({@link RamPool}); set by
   * {@link ReusableEngine} unless {@code -Defiemu.engine.keepRam=false}.
   */
  void keepRam(RamPool.Stats stats) {
    if (host.pool == null) host.pool = new RamPool(stats);
  }

  /**
   * Empties this engine for its next user and hands its native {@code uc_engine} over to a new {@link Engine} object;
   * this object is closed afterwards (every later call on it fails as on a closed engine, so a holder of the old
   * machine's engine cannot reach the next machine). What a fresh {@link #open()} would give is restored: every hook
   * removed, every translated block dropped, every region unmapped (host memory freed), the CPU context set back to
   * {@code pristineContext} (saved by {@link ReusableEngine} right after {@code uc_open}), and no Java-side state
   * (listeners, access site, pending failure) carried over. Used by {@link ReusableEngine}.
   */
  Engine handOver(byte[] pristineContext, boolean identityMapped) {
    long h = uc();
    RamPool pool = host.pool;
    int all = Perm.bits(Perm.ALL);
    KeptTranslations k = kept;
    // kept regions this machine did not claim (it did not run): their code goes, without paging, before they go
    if (k != null) dropKept();
    boolean keep = k != null && pool != null && k.mayKeep(identityMapped, ranSinceHandOver);
    Hook logHook = k != null && k.log != null ? k.log.hook() : null;
    Hook counterHook = keep ? k.counterHook : null;
    if (k != null && !keep && k.counterHook != null && k.counterHook.isActive()) {
      Hook kh = k.counterHook;
      unpaged(kh::close); // drops every translation it instrumented, earlier machines' kept code included
    }
    java.util.List<Object> stillInstalled = new java.util.ArrayList<>(2); // their callbacks stay taken
    if (logHook != null && logHook.callback() != null) stillInstalled.add(logHook.callback());
    if (counterHook != null && counterHook.callback() != null) stillInstalled.add(counterHook.callback());
    if (logHook != null) hooks.forget(logHook); // records only: stays for the next machine
    if (counterHook != null) hooks.forget(counterHook);
    hooks.closeAll(); // without keeping, the counter's hook goes too, and with it every translation it instrumented
    if (ranSinceHandOver) {
      if (keep) {
        // kept: the RAM regions the pool keeps; the rest is unmapped below, so its code goes first; and the code of
        // the gates' ranges and at this machine's until addresses, which a new engine would translate differently
        java.util.List<long[]> gone = new java.util.ArrayList<>();
        for (long[] r : k.hookRanges) {
          if (Long.compareUnsigned(r[0], r[1]) <= 0) gone.add(new long[] {r[0], r[1] + 1}); // all code: see save
        }
        for (long u : k.untils) gone.add(new long[] {Math.max(0, u - 1), u + 1});
        for (long[] r : gone) removeTranslations(r[0], r[1]);
        java.util.List<long[]> keptRegions = new java.util.ArrayList<>();
        for (long[] r : regions()) {
          long size = r[1] - r[0] + 1;
          if (r[2] == all && host.hostOf(r[0], size) != 0) {
            keptRegions.add(r);
          } else {
            invalidateRam(r[0], size);
            gone.add(new long[] {r[0], r[1] + 1});
          }
        }
        java.util.List<long[]> translatedWithForeignHooks = k.save(this, keptRegions);
        for (long[] r : translatedWithForeignHooks) removeTranslations(r[0], r[1]);
        gone.addAll(translatedWithForeignHooks);
        for (long[] r : gone) k.counter.forget(r[0] - 4096, r[1]);
      } else if (identityMapped) {
        invalidateRam(0, -1);
      } else {
        flushTranslations(); // the guest's addresses cannot be resolved: the slow, sure way (a 1 GiB memset)
      }
    }
    if (k != null && !keep) {
      k.clear();
      k.counterHook = null;
      k.counter = null;
    }
    for (long[] r : regions()) {
      long size = r[1] - r[0] + 1;
      long memory = pool != null && r[2] == all ? host.hostOf(r[0], size) : 0;
      if (memory != 0) {
        pool.keep(r[0], size, (int) r[2], memory); // stays mapped until the next machine claims or drops it
        continue;
      }
      int err = UnicornLib.uc_mem_unmap(h, r[0], size);
      if (err != 0) check(err, String.format("mem_unmap address=0x%X, size=0x%X (handing the engine over)", r[0], size));
      host.release(r[0], size);
    }
    if (pool != null) {
      host.forgetAll(); // what is left of the blocks is the kept regions' memory, owned by the pool now
      pool.nextRound();
    } else {
      host.releaseAll();
    }
    clearDeletedHooks(pristineContext); // the next machine's hook lists are a new engine's (and the kept hooks)
    mmioCallbacks.clear();
    if (storeFastPath != null) storeFastPath.clearWriteProtection();
    if (context != 0) UnicornLib.uc_context_free(context);
    context = 0;
    uc = 0;
    Engine next = new Engine(h);
    if (!hooksDeleted) { // Unicorn's lists hold no deleted hook: no callback of this machine's hooks can run again
      callbacks.releaseAll(stillInstalled);
      next.callbacks = callbacks;
    } // else the next machine makes its own (the deleted hooks keep theirs until a run's end clears them)
    next.deletedReadHooks = deletedReadHooks; // zero unless they could not be cleared (clearDeletedHooks)
    next.deletedWriteHooks = deletedWriteHooks;
    next.hooksDeleted = hooksDeleted;
    next.host.pool = pool;
    host.pool = null;
    next.pristine = pristineContext;
    if (k != null) {
      k.nextMachine();
      if (logHook != null) {
        Hook moved = logHook.movedTo(next);
        next.hooks.adopt(moved);
        k.log.rebind(moved);
      }
      if (counterHook != null) {
        Hook moved = counterHook.movedTo(next);
        next.hooks.adopt(moved);
        k.counterHook = moved;
      }
      next.kept = k;
      kept = null;
      k.startMode(next.memoryTranslationMode());
    }
    // the native fast-path state belongs to the Unicorn engine, not to this object: the next machine's Engine owns it
    // (detached when that one closes). A machine that turned it off (a write hook added after code ran without one)
    // leaves it off: slower, never wrong.
    next.storeFastPath = storeFastPath;
    storeFastPath = null;
    try {
      next.restoreContext(pristineContext);
    } catch (RuntimeException | Error e) {
      next.close();
      throw e;
    }
    return next;
  }

  // ---------------------------------------------------------------- kept translations (KeptTranslations)

  /** Translated code kept across machines ({@link KeptTranslations}); null when not kept. */
  private KeptTranslations kept;
  /** The CPU context right after {@code uc_open} (set when handed over): removals of kept code run in it. */
  private byte[] pristine;
  /** Block hooks added to this engine object. */
  private int blockHooksAdded;

  /**
   * A block counter whose native state and hook may outlive its machine on a {@link ReusableEngine} that keeps
   * translated code (see {@link #keepBlockHook} and {@link #adoptBlockHook}).
   */
  public interface KeptCounter {
    /** True when blocks translated now count inline, or did in this machine (nothing is kept then). */
    boolean inline();

    /** Forgets what the counter cached about blocks starting in {@code [from, to)} (unsigned). */
    void forget(long from, long to);
  }

  /** A kept block counter's hook, now owned by this engine object, and the counter's native side. */
  public record AdoptedBlockHook(Hook hook, KeptCounter counter) {}

  /** Keeps translated code between machines (set by {@link ReusableEngine}). */
  void keepTranslations(KeptTranslations.Stats stats) {
    if (kept == null) kept = new KeptTranslations(TranslationLog.install(this), stats);
  }

  /** True when this engine may keep its translated code for the next machine (lent by a keeping {@link ReusableEngine}). */
  public boolean keepsTranslations() {
    return kept != null && uc != 0;
  }

  /**
   * A block counter that is closing offers its hook ({@code hook}, which stays registered) for the next machine;
   * false when the engine does not keep translations (the caller removes the hook then). At give-back the engine keeps
   * it, with the translated code, when every condition of {@link KeptTranslations} holds, and removes it otherwise.
   */
  public boolean keepBlockHook(Hook hook, KeptCounter counter) {
    KeptTranslations k = kept;
    if (k == null || uc == 0 || !hook.isActive()) return false;
    k.counterHook = hook;
    k.counter = counter;
    k.offered = true;
    k.offeredInline = counter.inline();
    return true;
  }

  /**
   * The block counter's hook kept from the previous machine, for this machine's new counter, or null (then there is
   * none, or another block hook came first, in which case the kept one is removed with all kept code: the new
   * counter adds its own hook).
   */
  public AdoptedBlockHook adoptBlockHook() {
    KeptTranslations k = kept;
    if (k == null || k.counterHook == null || k.adopted) return null;
    if (blockHooksAdded > 0 || ranSinceHandOver) {
      dropUnadoptedBlockHook();
      return null;
    }
    k.adopted = true;
    blockHooksAdded++;
    return new AdoptedBlockHook(k.counterHook, k.counter);
  }

  private void dropUnadoptedBlockHook() {
    KeptTranslations k = kept;
    if (k == null || k.counterHook == null || k.adopted) return;
    Hook h = k.counterHook;
    k.counterHook = null;
    k.counter = null;
    k.clear();
    // drops every translation it instrumented (all of them, as a new engine has none), found without paging: kept
    // regions not claimed yet may lie outside this machine's page tables
    unpaged(h::close);
  }

  /** The machine's RDTSC discovery stopped a run for a block: its code is not kept (see {@link KeptTranslations}). */
  public void translationSideEffect() {
    if (kept != null) kept.sideEffects = true;
  }

  /** Copies the host bytes of {@code [address, address+buffer.length)}; false when not all host-backed. */
  boolean hostBytes(long address, byte[] buffer) {
    return host.read(address, buffer, 0, buffer.length);
  }

  /**
   * Removes the translations of {@code ranges} ({begin, end exclusive}) with the CPU's paging off (the context after
   * {@code uc_open}), so that every address resolves to itself whatever the machine's page tables cover; the
   * machine's context is put back and the TLB emptied afterwards.
   */
  void removeTranslationsUnpaged(java.util.List<long[]> ranges) {
    unpaged(() -> {
      for (long[] r : ranges) removeTranslations(r[0], r[1]);
    });
  }

  /** Runs {@code action} with the CPU's paging off (see {@link #removeTranslationsUnpaged}). */
  void unpaged(Runnable action) {
    if (pristine == null) {
      action.run();
      return;
    }
    byte[] now = saveContext();
    restoreContext(pristine);
    try {
      action.run();
    } finally {
      restoreContext(now);
      fast.putLong(0, 0);
      check(UnicornLib.uc_reg_read(uc(), X86Reg.CR3.id(), fastAddress), "reg_read CR3");
      check(UnicornLib.uc_reg_write(uc(), X86Reg.CR3.id(), fastAddress), "reg_write CR3"); // empties the TLB
    }
  }

  /** Counters of kept translations, or null when not kept. */
  KeptTranslations keptTranslations() {
    return kept;
  }

  /** Closes the engine, freeing its native memory; hooks become inactive. Idempotent. */
  @Override
  public void close() {
    if (uc == 0) return;
    if (context != 0) UnicornLib.uc_context_free(context);
    context = 0;
    long h = uc;
    uc = 0;
    if (storeFastPath != null) storeFastPath.detach();
    UnicornLib.uc_close(h);
    host.releaseAll();
    if (host.pool != null) {
      for (RamPool.Kept k : host.pool.releaseAll()) RamPool.munmap(k.host(), k.size());
      host.pool = null;
    }
    hooks.closeAll();
    callbacks.dispose(); // after uc_close: no native hook can enter a JNI callback any more
    mmioCallbacks.clear();
  }
}
