package org.efiemu.core.engine;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Keeps guest stores to RAM pages that hold no translated code on Unicorn's inline fast path, for Debian's
 * libunicorn2 2.0.1.post1-1+b1 only (the native side is {@code emulator-core/src/main/native/store_fastpath.c} in
 * {@code libefiemu_gate.so}).
 *
 * <p>Why: Unicorn 2.0.1 marks every writable RAM page's TLB entry {@code TLB_NOTDIRTY} (its
 * {@code cpu_physical_memory_is_clean()} is a stub returning true), so every guest store takes the helper path
 * {@code store_helper -> notdirty_write -> page_collection_lock -> tb_invalidate_phys_page_fast}: about a third of
 * a GRUB -> Xen run (docs/performance.md). QEMU proper keeps that flag only on pages holding translated code.
 *
 * <p>How: when the loaded library's GNU build-id is that Debian build's, the shim points three slots of the
 * library's own GOT ({@code tlb_set_page_with_attrs}, {@code tlb_protect_code}, {@code tlb_unprotect_code}) at
 * wrappers. For an attached engine a fresh TLB entry of an identity-mapped, writable RAM page whose host page holds
 * no translated block loses {@code TLB_NOTDIRTY}; when a page gets its first translated block every TLB entry
 * mapping it gets the flag back ({@code tlb_reset_dirty}), so writes over translated code (self-modifying code, a
 * loader overwriting code it ran) invalidate exactly as before. Guest-visible behaviour, instruction counts and
 * traces are the same with it on or off; only the host time of stores changes. Any other library: Unicorn's stock
 * behaviour, and {@link #status()} says why.
 *
 * <p>Switches: {@code -D}{@value #PROPERTY}{@code =false} (every engine of the JVM), or per machine
 * {@code MachineBuilder.storeFastPath(false)}. An engine falls back to the stock path by itself when a
 * {@code UC_HOOK_MEM_WRITE} hook is added to it after it ran code without one (the hook must see every store, and
 * code translated without a write hook stores inline, reaching the hooks only through {@code TLB_NOTDIRTY}'s helper
 * path; see {@link Engine#addMemoryHook}). A write hook added before the engine's first run, or while every run had
 * one, keeps the fast path: Unicorn 2.0.1 translates every store of such code as a call of {@code store_helper}, which
 * calls the write hooks before it looks at the TLB entry, so a cleared {@code TLB_NOTDIRTY} skips only
 * {@code notdirty_write} (a {@code GTree} allocated and freed per store) on pages without translated code.
 */
public final class StoreFastPath {
  /** System property; {@code false} keeps Unicorn's stock store path for every engine. */
  public static final String PROPERTY = "efiemu.unicorn.storeFastPath";

  /** Whether the fast path is installed in this JVM, and the library or the reason it is not. */
  public record Status(boolean active, String detail) {
    @Override
    public String toString() {
      return active ? "store fast path: on, " + detail : "store fast path: off, " + detail;
    }
  }

  /** Counters of one engine (see {@link #stats()}). */
  public record Stats(boolean enabled, long fastFills, long keptCode, long keptAlias, long keptPermission,
      long codePages, long protects, long unprotects) {}

  private static final class Holder {
    static final Status STATUS = load();
  }

  private long handle;
  private final ByteBuffer state;

  private StoreFastPath(long handle) {
    this.handle = handle;
    this.state = stats0(handle).order(ByteOrder.nativeOrder());
  }

  /** The one installation attempt per JVM (the GOT patch cannot be undone; engines opt in one by one). */
  public static Status status() {
    return Holder.STATUS;
  }

  private static Status load() {
    if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
      return new Status(false, "disabled by -D" + PROPERTY + "=false");
    }
    NativeGate.Status gate = NativeGate.status();
    if (!gate.available()) return new Status(false, "needs the native shim (" + gate + ")");
    try {
      long anyFunction = Pointer.nativeValue(UnicornLoader.load().getFunction("uc_open"));
      String why = install(anyFunction);
      return why == null ? new Status(true, library()) : new Status(false, why);
    } catch (UnsatisfiedLinkError e) {
      return new Status(false, "the shim has no store fast path (" + e.getMessage() + ")");
    }
  }

  /**
   * Attaches an engine (before it runs any guest code): null when {@link #status()} is not active or the engine's
   * layout check fails.
   */
  static StoreFastPath attach(long uc) {
    if (!status().active()) return null;
    long h = attach0(uc);
    return h == 0 ? null : new StoreFastPath(h);
  }

  /** True while this engine's stores to code-free RAM pages stay on the fast path. */
  public boolean enabled() {
    return handle != 0 && state.getLong(0) != 0;
  }

  /** Back to Unicorn's stock store path for this engine (flushes its TLB). Idempotent. */
  void disable() {
    if (handle != 0) disable0(handle);
  }

  /** Frees the native state; before {@code uc_close}. */
  void detach() {
    if (handle == 0) return;
    detach0(handle);
    handle = 0;
  }

  /** This engine's counters. */
  public Stats stats() {
    if (handle == 0) return new Stats(false, 0, 0, 0, 0, 0, 0, 0);
    return new Stats(state.getLong(0) != 0, state.getLong(8), state.getLong(16), state.getLong(24),
        state.getLong(32), state.getLong(40), state.getLong(48), state.getLong(56));
  }

  private static native String install(long anyUnicornFunction);

  private static native String library();

  private static native long attach0(long uc);

  private static native void disable0(long handle);

  private static native void detach0(long handle);

  private static native ByteBuffer stats0(long handle);

  // ---------------------------------------------------------------- write protection by page (store_fastpath.c)

  /** System property: {@code false} keeps {@code uc_mem_protect} region splits for page write protection. */
  public static final String WRITE_PROTECT_PROPERTY = "efiemu.unicorn.pageWriteProtection";

  private static final class WriteProtectHolder {
    static final Status STATUS = loadWriteProtect();
  }

  /**
   * Whether engines can write-protect single pages without splitting Unicorn regions ({@link #writeProtect}): needs
   * the store fast path's library (Debian's libunicorn2 2.0.1.post1-1+b1, checked by build-id and code bytes), and is
   * turned off by {@code -Defiemu.unicorn.pageWriteProtection=false}.
   */
  public static Status writeProtectStatus() {
    return WriteProtectHolder.STATUS;
  }

  private static Status loadWriteProtect() {
    if ("false".equalsIgnoreCase(System.getProperty(WRITE_PROTECT_PROPERTY))) {
      return new Status(false, "disabled by -D" + WRITE_PROTECT_PROPERTY + "=false");
    }
    if (!status().active()) return new Status(false, "needs the store fast path (" + status() + ")");
    try {
      String why = installWriteProtect0();
      return why == null ? new Status(true, "page write protection without region splits") : new Status(false, why);
    } catch (UnsatisfiedLinkError e) {
      return new Status(false, "the shim has no page write protection (" + e.getMessage() + ")");
    }
  }

  /** True when this engine can use {@link #writeProtect}. */
  boolean writeProtectAvailable() {
    return handle != 0 && writeProtectStatus().active();
  }

  /**
   * Write-protects ({@code on}) or unprotects the {@code pages} pages from {@code address} (4 KiB aligned): guest
   * stores see them as on a Unicorn region without {@code UC_PROT_WRITE} (the {@code UC_HOOK_MEM_WRITE_PROT} hooks
   * run), and the TLB is flushed as a {@code uc_mem_protect} would. False when out of native memory.
   */
  boolean writeProtect(long address, long pages, boolean on) {
    return writeProtect0(handle, address, pages, on) != 0;
  }

  /** Empties the set of write-protected pages. */
  void clearWriteProtection() {
    if (handle != 0) writeProtectClear0(handle);
  }

  /** True when the page holding {@code address} is write-protected by {@link #writeProtect}. */
  boolean writeProtected(long address) {
    return handle != 0 && writeProtected0(handle, address);
  }

  /** Pages write-protected by {@link #writeProtect} now. */
  long writeProtectedPages() {
    return handle == 0 ? 0 : writeProtectedPages0(handle);
  }

  private static native String installWriteProtect0();

  /**
   * True when the shim checked where this Unicorn build's {@code store_helper} marks the bytes of its byte-by-byte
   * loop ({@code uc->size_recur_mem}), which {@link Engine#addProtectedStoreHook} needs; only once the page set is
   * installed ({@link #writeProtectStatus()}).
   */
  static boolean storeNestingKnown() {
    return StoreNesting.KNOWN;
  }

  private static final class StoreNesting {
    static final boolean KNOWN = known();

    private static boolean known() {
      if (!writeProtectStatus().active()) return false;
      try {
        return storeNestingKnown0();
      } catch (UnsatisfiedLinkError e) {
        return false;
      }
    }
  }

  private static native boolean storeNestingKnown0();

  private static native int writeProtect0(long handle, long address, long pages, boolean on);

  private static native void writeProtectClear0(long handle);

  private static native boolean writeProtected0(long handle, long address);

  private static native long writeProtectedPages0(long handle);
}
