package org.efiemu.core.engine;

import com.sun.jna.Pointer;
import org.efiemu.core.engine.Hooks.MemoryHook;

/**
 * A memory hook's callback (and, {@link Invalid}, an invalid-memory hook's) entered from C through one JNI call
 * ({@code emulator-core/src/main/native/mem_hook.c}, in the call-gate shim {@code libefiemu_gate.so}) instead of a JNA
 * callback. JNA hands a callback's arguments to Java
 * as an {@code Object[]} and calls the method by reflection; under the launcher's first-tier JIT that cost more than
 * the sanitizer's work for the store (a watched page's hook runs at every guest store to it: mem-lower's machines
 * make about 264 such stores each, helper "mlcost" in docs/performance.md). The Java side is the same as the JNA
 * callback's ({@link HookCallbacks.Memory}): the engine is told which access runs (RIP inside memory hooks), a
 * throwable goes to {@link Engine#fail}.
 *
 * <p>Pooled like the JNA callbacks ({@link HookCallbacks}): its native block (a global reference to this object and
 * the method to call) is made once and serves hook after hook of its engine; it is freed with the engine
 * ({@link #dispose}). Used when the shim is loaded ({@link NativeGate#status()}) unless
 * {@code -Defiemu.memoryHooks.native=false}.
 */
final class NativeMemoryHook extends HookCallbacks.Pooled<MemoryHook, NativeMemoryHook> {
  /** System property; {@code false} keeps JNA callbacks for memory hooks. */
  static final String PROPERTY = "efiemu.memoryHooks.native";
  /** From {@link #PROPERTY}; tests of this package compare both ways in one JVM. */
  static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty(PROPERTY));

  private long handle;

  /** True when memory hooks are entered through JNI: the shim is loaded and the property does not turn it off. */
  static boolean available() {
    return enabled && NativeGate.status().available();
  }

  private NativeMemoryHook() {
    handle = make(this, false);
  }

  /** The native block of a callback object ({@code event}: an invalid-memory one). */
  private static long make(Object callback, boolean event) {
    long stop = Pointer.nativeValue(UnicornLoader.load().getFunction("uc_emu_stop"));
    long h = create(callback, stop, event);
    if (h == 0) throw new IllegalStateException("libefiemu_gate.so could not create a memory hook (out of memory?)");
    return h;
  }

  /** A new callback (its native block made); {@link HookCallbacks#take} reuses free ones. */
  static NativeMemoryHook make() {
    return new NativeMemoryHook();
  }

  /** The C callback to pass to {@code uc_hook_add}. */
  long function() {
    return hookFunction(false);
  }

  /** The native block to pass as {@code user_data}. */
  long userData() {
    return handle;
  }

  /** Frees the native block (the engine is closed: no hook can call it any more). */
  void dispose() {
    if (handle == 0) return;
    destroy(handle);
    handle = 0;
  }

  /** Called from C for every hooked access ({@code uc_cb_hookmem_t}). */
  @SuppressWarnings("unused")
  private void invoke(int type, long address, int size, long value) {
    HookCallbacks.access(engine, hook, type, address, size, value);
  }

  /** Called from C when {@link #invoke} itself threw (e.g. a StackOverflowError in its handler). */
  @SuppressWarnings("unused")
  private void failed(Throwable t) {
    engine.fail(t);
  }

  /** {@code uc_reg_read} of the library JNA loaded, for {@link #effectiveAddress}. */
  private static final class RegRead {
    static final long FUNCTION = Pointer.nativeValue(UnicornLoader.load().getFunction("uc_reg_read"));
  }

  /** The address of {@code uc_reg_read} (loaded once). */
  static long regReadFunction() {
    return RegRead.FUNCTION;
  }

  /**
   * {@code base + index * scale + disp} from the registers of {@code uc} (ids, -1: absent) written as 8 bytes at
   * {@code out}; returns the first {@code uc_reg_read} error, else 0. Only when {@link #available()}.
   */
  static native int effectiveAddress(long regRead, long uc, int base, int index, long scale, long disp, long out);

  private static native long create(Object callback, long emuStop, boolean event);

  private static native long hookFunction(boolean event);

  /**
   * An invalid-memory hook's callback ({@code UC_HOOK_MEM_*_UNMAPPED}, {@code *_PROT}: RAM mapped on first touch, the
   * sanitizer's protection faults) entered through JNI, as {@link NativeMemoryHook} is for memory hooks; the Java
   * side is {@link HookCallbacks.InvalidMemory}'s. Pooled and freed the same way.
   */
  static final class Invalid extends HookCallbacks.Pooled<Hooks.InvalidMemoryHook, Invalid> {
    private long handle;

    private Invalid() {
      handle = NativeMemoryHook.make(this, true);
    }

    static Invalid make() {
      return new Invalid();
    }

    long function() {
      return hookFunction(true);
    }

    long userData() {
      return handle;
    }

    void dispose() {
      if (handle == 0) return;
      destroy(handle);
      handle = 0;
    }

    /** Called from C for every invalid access ({@code uc_cb_eventmem_t}). */
    @SuppressWarnings("unused")
    private boolean invoke(int type, long address, int size, long value) {
      return HookCallbacks.invalid(engine, hook, type, address, size, value);
    }

    /** Called from C when {@link #invoke} itself threw. */
    @SuppressWarnings("unused")
    private void failed(Throwable t) {
      engine.fail(t);
    }
  }

  /**
   * A {@link Hooks.ProtectedStoreHook}'s callback ({@code UC_HOOK_MEM_WRITE_PROT}; {@code mem_store_hook} in
   * {@code mem_hook.c}): told whether the call is a byte of Unicorn's byte-by-byte store loop, and, when it handled a
   * store to a page that stays in the engine's write-protected set, the C side performs the store with
   * {@code uc_mem_write} (Unicorn 2.0.1 discards a store to such a page after the hook). Pooled and freed as
   * {@link Invalid}.
   */
  static final class Store extends HookCallbacks.Pooled<Hooks.ProtectedStoreHook, Store> {
    private long handle;

    private Store() {
      long stop = Pointer.nativeValue(UnicornLoader.load().getFunction("uc_emu_stop"));
      long write = Pointer.nativeValue(UnicornLoader.load().getFunction("uc_mem_write"));
      handle = createStore(this, stop, write);
      if (handle == 0) throw new IllegalStateException("libefiemu_gate.so could not create a store hook (out of memory?)");
    }

    static Store make() {
      return new Store();
    }

    long function() {
      return storeHookFunction();
    }

    long userData() {
      return handle;
    }

    void dispose() {
      if (handle == 0) return;
      destroy(handle);
      handle = 0;
    }

    /** Called from C for every store to a write-protected page ({@code uc_cb_eventmem_t}). */
    @SuppressWarnings("unused")
    private boolean invoke(int type, long address, int size, long value, boolean nested) {
      return HookCallbacks.store(engine, hook, type, address, size, value, nested);
    }

    /** Called from C when {@link #invoke} itself threw. */
    @SuppressWarnings("unused")
    private void failed(Throwable t) {
      engine.fail(t);
    }
  }

  private static native long createStore(Object callback, long emuStop, long memWrite);

  private static native long storeHookFunction();

  private static native void destroy(long handle);
}
