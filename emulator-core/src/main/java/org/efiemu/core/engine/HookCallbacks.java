package org.efiemu.core.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.efiemu.core.engine.Hooks.CodeHook;
import org.efiemu.core.engine.Hooks.InHook;
import org.efiemu.core.engine.Hooks.InstructionHook;
import org.efiemu.core.engine.Hooks.InterruptHook;
import org.efiemu.core.engine.Hooks.InvalidMemoryHook;
import org.efiemu.core.engine.Hooks.MemoryHook;
import org.efiemu.core.engine.Hooks.OutHook;

/**
 * The JNA callbacks of one native Unicorn engine, reused by the machines a {@link ReusableEngine} lends it to. Making a
 * JNA callback object the first time it is passed to native code ({@code CallbackReference}: a native closure, method
 * lookups) cost more than the {@code uc_hook_add} itself, and every machine added the same handful of hooks (invalid
 * memory, interrupt, OUT, RDTSC probes, the null-jump code hook). A callback here holds its engine object and its Java
 * hook in fields set when it is taken; JNA keeps one closure per callback object, so a callback taken again by a later
 * machine is passed to Unicorn as the same function pointer without a new closure.
 *
 * <p>A callback is taken by one hook. When the hook is removed its callback is retired, not free: Unicorn 2.0.1 keeps
 * a deleted hook in its lists until the end of the next outermost run, and it must never find its callback rebound to
 * another hook. Retired callbacks are free again when a run ends ({@link #runEnded}) and at a give-back whose hook lists
 * are clean ({@link #releaseAll}, after {@code Engine}'s clearing of deleted hooks); so a machine that adds and removes
 * hooks all along (the sanitizer's watched pages, a debugger's steps) holds no more callbacks than its live hooks and
 * those removed since the last run ended. Owned by one native engine and so by one thread at a time, as the engine is.
 * Memory and invalid-memory hooks' callbacks are entered through JNI where the shim is loaded ({@link NativeMemoryHook}):
 * pooled here the same way, their native blocks freed when the engine closes ({@link #dispose}).
 */
final class HookCallbacks {
  private final Map<Class<?>, ArrayDeque<Object>> free = new HashMap<>();
  private final List<Object> taken = new ArrayList<>();
  private final List<Object> retired = new ArrayList<>();
  /** Instruction ids whose {@code UC_HOOK_INSN} this native engine refused ({@code UC_ERR_HOOK}): its library's answer. */
  final java.util.Set<Integer> refusedInstructions = new java.util.HashSet<>();

  /** A free callback of {@code kind}, or a new one; it stays taken until {@link #releaseAll}. */
  <T> T take(Class<T> kind, Supplier<T> make) {
    ArrayDeque<Object> q = free.get(kind);
    T cb = q == null || q.isEmpty() ? make.get() : kind.cast(q.poll());
    taken.add(cb);
    return cb;
  }

  /** A callback taken but never installed (the {@code uc_hook_add} failed): free again at once. */
  void untake(Object cb) {
    for (int i = taken.size() - 1; i >= 0; i--) {
      if (taken.get(i) == cb) {
        taken.remove(i);
        free.computeIfAbsent(cb.getClass(), k -> new ArrayDeque<>()).add(cb);
        return;
      }
    }
  }

  /** The hook holding {@code cb} was removed: free again once Unicorn's lists no longer hold the hook. */
  void retire(Object cb) {
    for (int i = taken.size() - 1; i >= 0; i--) {
      if (taken.get(i) == cb) {
        taken.remove(i);
        retired.add(cb);
        return;
      }
    }
  }

  /** An outermost run ended: Unicorn removed the deleted hooks from its lists, so their callbacks are free. */
  void runEnded() {
    for (Object cb : retired) {
      if (cb instanceof Pooled<?, ?> p) p.unbind();
      free.computeIfAbsent(cb.getClass(), k -> new ArrayDeque<>()).add(cb);
    }
    retired.clear();
  }

  /**
   * Every taken callback is free again except those of {@code stillInstalled} hooks (kept for the next machine): call
   * only when no other hook that used them is in Unicorn's lists any more, deleted or not.
   */
  void releaseAll(List<Object> stillInstalled) {
    runEnded();
    for (Object cb : taken) {
      boolean kept = false;
      for (Object s : stillInstalled) kept |= s == cb;
      if (kept) continue;
      if (cb instanceof Pooled<?, ?> p) p.unbind();
      free.computeIfAbsent(cb.getClass(), k -> new ArrayDeque<>()).add(cb);
    }
    taken.clear();
    for (Object s : stillInstalled) {
      if (s instanceof Pooled<?, ?>) taken.add(s);
    }
  }

  /**
   * The native engine is closed: frees the native blocks of the callbacks entered through JNI
   * ({@link NativeMemoryHook}), whichever list holds them; no hook can call them any more.
   */
  void dispose() {
    for (Object cb : taken) dispose(cb);
    for (Object cb : retired) dispose(cb);
    for (ArrayDeque<Object> q : free.values()) for (Object cb : q) dispose(cb);
  }

  private static void dispose(Object cb) {
    if (cb instanceof NativeMemoryHook n) n.dispose();
    if (cb instanceof NativeMemoryHook.Invalid n) n.dispose();
    if (cb instanceof NativeMemoryHook.Store n) n.dispose();
  }

  /** Taken callbacks (for tests). */
  int takenCount() {
    return taken.size();
  }

  /** Retired callbacks: of removed hooks, not free until a run ends (for tests). */
  int retiredCount() {
    return retired.size();
  }

  /** Free callbacks (for tests). */
  int freeCount() {
    int n = 0;
    for (ArrayDeque<Object> q : free.values()) n += q.size();
    return n;
  }

  /**
   * A reusable callback: bound to an engine object and a Java hook of type {@code H} while taken; {@code S} is the
   * callback's own class, so that {@link #bind} returns it typed.
   */
  abstract static class Pooled<H, S extends Pooled<H, S>> {
    Engine engine;
    H hook;

    @SuppressWarnings("unchecked")
    final S bind(Engine e, H h) {
      engine = e;
      hook = h;
      return (S) this;
    }

    final void unbind() {
      engine = null;
      hook = null;
    }
  }

  static final class Code extends Pooled<CodeHook, Code> implements UnicornLib.uc_cb_hookcode_t {
    @Override
    public void invoke(long uc, long address, int size, long userData) {
      try {
        hook.onCode(address, size);
      } catch (Throwable t) {
        engine.fail(t);
      }
    }
  }

  static final class Interrupt extends Pooled<InterruptHook, Interrupt> implements UnicornLib.uc_cb_hookintr_t {
    @Override
    public void invoke(long uc, int intno, long userData) {
      try {
        hook.onInterrupt(intno);
      } catch (Throwable t) {
        engine.fail(t);
      }
    }
  }

  /**
   * A memory hook's call, the same whether Unicorn entered through JNA ({@link Memory}) or JNI
   * ({@link NativeMemoryHook}): the engine is told which access runs (RIP inside memory hooks), a throwable goes to
   * {@link Engine#fail}.
   */
  static void access(Engine e, MemoryHook hook, int type, long address, int size, long value) {
    MemAccess access = MemAccess.of(type);
    long saved = e.enterMemoryHook(access, address, size);
    try {
      hook.onAccess(access, address, size, value);
    } catch (Throwable t) {
      e.fail(t);
    } finally {
      e.leaveMemoryHook(saved);
    }
  }

  /** An invalid-memory hook's call, as {@link #access}; a throwable also answers "not handled". */
  static boolean invalid(Engine e, InvalidMemoryHook hook, int type, long address, int size, long value) {
    MemAccess access = MemAccess.of(type);
    long saved = e.enterMemoryHook(access, address, size);
    try {
      return hook.onInvalid(access, address, size, value);
    } catch (Throwable t) {
      e.fail(t);
      return false;
    } finally {
      e.leaveMemoryHook(saved);
    }
  }

  /** A protected store hook's call ({@link NativeMemoryHook.Store}), as {@link #invalid}. */
  static boolean store(Engine e, Hooks.ProtectedStoreHook hook, int type, long address, int size, long value,
      boolean nested) {
    MemAccess access = MemAccess.of(type);
    long saved = e.enterMemoryHook(access, address, size);
    try {
      return hook.onStore(address, size, value, nested);
    } catch (Throwable t) {
      e.fail(t);
      return false;
    } finally {
      e.leaveMemoryHook(saved);
    }
  }

  static final class Memory extends Pooled<MemoryHook, Memory> implements UnicornLib.uc_cb_hookmem_t {
    @Override
    public void invoke(long uc, int type, long address, int size, long value, long userData) {
      access(engine, hook, type, address, size, value);
    }
  }

  static final class InvalidMemory extends Pooled<InvalidMemoryHook, InvalidMemory>
      implements UnicornLib.uc_cb_eventmem_t {
    @Override
    public boolean invoke(long uc, int type, long address, int size, long value, long userData) {
      return invalid(engine, hook, type, address, size, value);
    }
  }

  static final class In extends Pooled<InHook, In> implements UnicornLib.uc_cb_insn_in_t {
    @Override
    public int invoke(long uc, int port, int size, long userData) {
      try {
        return hook.onIn(port, size);
      } catch (Throwable t) {
        engine.fail(t);
        return 0;
      }
    }
  }

  static final class Out extends Pooled<OutHook, Out> implements UnicornLib.uc_cb_insn_out_t {
    @Override
    public void invoke(long uc, int port, int size, int value, long userData) {
      try {
        hook.onOut(port, size, value);
      } catch (Throwable t) {
        engine.fail(t);
      }
    }
  }

  static final class Instruction extends Pooled<InstructionHook, Instruction> implements UnicornLib.uc_cb_insn_cpuid_t {
    @Override
    public int invoke(long uc, long userData) {
      try {
        return hook.onInstruction() ? 1 : 0;
      } catch (Throwable t) {
        engine.fail(t);
        return 1;
      }
    }
  }
}
