package org.efiemu.core.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.efiemu.core.engine.Hooks.CodeHook;
import org.efiemu.core.engine.Hooks.InHook;
import org.efiemu.core.engine.Hooks.InstructionHook;
import org.efiemu.core.engine.Hooks.InterruptHook;
import org.efiemu.core.engine.Hooks.InvalidInstructionHook;
import org.efiemu.core.engine.Hooks.InvalidMemoryHook;
import org.efiemu.core.engine.Hooks.MemoryHook;
import org.efiemu.core.engine.Hooks.OutHook;

/**
 * The hooks of one {@link Engine} ({@code uc_hook_add}): wraps each Java callback in the JNA callback type of its
 * {@code UC_HOOK_*} kind, routes a throwable from a callback to {@link Engine#fail} and keeps every installed
 * {@link Hook} (and so its JNA callback) reachable until it is removed. {@link Engine}'s {@code add*Hook} methods
 * delegate here; the documentation of each lives there.
 */
final class EngineHooks {
  private final Engine engine;
  private final Map<Long, Hook> hooks = new HashMap<>();
  /**
   * Targets registered with {@link #sharedCodeTarget} through this engine and not yet forgotten (a reused engine
   * serves machine after machine: each closes its own), forgotten by {@link #closeAll}.
   */
  private final java.util.Set<Long> sharedIds = new java.util.HashSet<>();

  EngineHooks(Engine engine) {
    this.engine = engine;
  }

  private Hook install(int type, Object callback, long begin, long end, int arg, String description,
      ToIntFunction<long[]> adder) {
    return install(type, callback, begin, end, arg, description, null, adder);
  }

  private Hook install(int type, Object callback, long begin, long end, int arg, String description,
      Runnable release, ToIntFunction<long[]> adder) {
    long[] hh = new long[1];
    int err = adder.applyAsInt(hh);
    if (err != 0 && release != null) release.run(); // nothing was installed: free what the hook would have owned
    if (err != 0 && callback instanceof HookCallbacks.Pooled) engine.callbacks.untake(callback);
    if (err != 0) Engine.check(err, String.format("hook_add %s begin=0x%X, end=0x%X", description, begin, end));
    Hook h = new Hook(engine, hh[0], callback, description, release);
    hooks.put(hh[0], h);
    return h;
  }

  /** {@code UC_HOOK_CODE} for instructions whose address is in {@code [begin, end]}; begin &gt; end hooks all. */
  Hook addCodeHook(long begin, long end, CodeHook hook) {
    UnicornLib.uc_cb_hookcode_t cb = engine.callbacks.take(HookCallbacks.Code.class, HookCallbacks.Code::new)
        .bind(engine, hook);
    return install(UnicornLib.UC_HOOK_CODE, cb, begin, end, 0, "code", allCode(begin, end),
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_CODE, cb, 0, begin, end, 0));
  }

  /**
   * The targets of {@link #SHARED_DISPATCH} by the user-data value their hooks were added with: {@link Engine}'s
   * {@code sharedCodeHook} registers one, closing its {@link Engine.SharedCodeHook} (or the engine) forgets it.
   */
  private static final java.util.concurrent.ConcurrentHashMap<Long, SharedTarget> SHARED_TARGETS =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.util.concurrent.atomic.AtomicLong SHARED_IDS = new java.util.concurrent.atomic.AtomicLong();

  /** A shared hook's engine (where a throwable goes) and Java hook. */
  record SharedTarget(Engine engine, CodeHook hook) {}

  /**
   * One JNA callback for every shared code hook of the process, dispatching by the hook's user data
   * ({@link #SHARED_TARGETS}): JNA makes a native closure once per callback object, which costs tens of microseconds
   * warm and a few hundred the first times in a process (far more than the {@code uc_hook_add}); one per machine
   * was paid by every machine's first RDTSC site (GRUB's TSC calibration stretch, see docs/performance.md
   * "calib12"). A call whose target was forgotten (its hooks still in Unicorn's lists until the run ends) does
   * nothing. Static, so strongly reachable for the process's life.
   */
  private static final UnicornLib.uc_cb_hookcode_t SHARED_DISPATCH = (u, address, size, user) -> {
    SharedTarget t = SHARED_TARGETS.get(user);
    if (t == null) return;
    try {
      t.hook().onCode(address, size);
    } catch (Throwable e) {
      t.engine().fail(e);
    }
  };

  /** Registers {@code hook} with {@link #SHARED_DISPATCH}; returns the user-data value its hooks are added with. */
  long sharedCodeTarget(CodeHook hook) {
    long id = SHARED_IDS.incrementAndGet();
    SHARED_TARGETS.put(id, new SharedTarget(engine, hook));
    sharedIds.add(id);
    return id;
  }

  /** Forgets a target of {@link #sharedCodeTarget} (its hooks' calls do nothing from now on). */
  void forgetSharedCodeTarget(long id) {
    SHARED_TARGETS.remove(id);
    sharedIds.remove(id);
  }

  /** Targets registered through this engine and not yet forgotten (tests: closing a shared hook forgets it here). */
  int ownSharedCodeTargets() {
    return sharedIds.size();
  }

  /** Registered shared targets (tests: closing forgets them). */
  static int sharedCodeTargets() {
    return SHARED_TARGETS.size();
  }

  /** {@code UC_HOOK_CODE} over {@code [begin, end]} (begin &lt;= end) calling the target {@code id}. */
  Hook addSharedCodeHook(long begin, long end, long id) {
    return install(UnicornLib.UC_HOOK_CODE, SHARED_DISPATCH, begin, end, 0, "code", null,
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_CODE, SHARED_DISPATCH, id, begin, end,
            0));
  }

  /** For a hook over all code ({@code begin > end}): counts it while installed ({@link Engine#hooksEveryInstruction}). */
  private Runnable allCode(long begin, long end) {
    if (Long.compareUnsigned(begin, end) <= 0) return null;
    engine.allCodeHooks++;
    return () -> engine.allCodeHooks--;
  }

  /**
   * A call gate's hook over {@code [begin, end]}, a region of slots of {@code slot} bytes (a power of two) from
   * {@code begin}: for the first instruction of every slot but slot 0, reads RSP, RCX, RDX, R8, R9, CR3 and [RSP],
   * runs {@code hook} and writes RAX if the hook set it ({@link GateFrame#setRax}). With {@link GateDispatch#NATIVE}
   * the filtering, reads and write are done in C by the JNI shim ({@link NativeGate}) and Java is entered once per
   * call; with {@link GateDispatch#JNA} a JNA callback does the same through JNA calls. {@link GateDispatch#NATIVE}
   * throws {@link IllegalStateException} with {@link NativeGate#status()}'s reason when the shim is unavailable.
   */
  Hook addGateHook(long begin, long end, int slot, GateDispatch dispatch, Hooks.GateHook hook) {
    if (slot <= 0 || Integer.bitCount(slot) != 1) {
      throw new IllegalArgumentException("gate slot size " + slot + " is not a power of two");
    }
    if (Long.compareUnsigned(end, begin) < 0) {
      throw new IllegalArgumentException(String.format("gate region [0x%X, 0x%X] is empty", begin, end));
    }
    if (dispatch.resolve() == GateDispatch.NATIVE) {
      NativeGate gate = NativeGate.create(engine, hook, begin, slot);
      long cb = gate.callback();
      long user = gate.userData();
      try {
        return install(UnicornLib.UC_HOOK_CODE, gate, begin, end, 0, "gate (native)", gate::release,
            hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_CODE, cb, user, begin, end, 0));
      } catch (RuntimeException e) {
        gate.release();
        throw e;
      }
    }
    JnaGateCallback cb = new JnaGateCallback(engine, hook, begin, slot);
    return install(UnicornLib.UC_HOOK_CODE, cb, begin, end, 0, "gate (JNA)", null,
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_CODE, cb, 0, begin, end, 0));
  }

  /** {@code UC_HOOK_BLOCK} for blocks starting in {@code [begin, end]}. */
  Hook addBlockHook(long begin, long end, CodeHook hook) {
    UnicornLib.uc_cb_hookcode_t cb = (u, address, size, user) -> {
      try {
        hook.onCode(address, size);
      } catch (Throwable t) {
        engine.fail(t);
      }
    };
    return install(UnicornLib.UC_HOOK_BLOCK, cb, begin, end, 0, "block",
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_BLOCK, cb, 0, begin, end, 0));
  }

  /**
   * Installs a native function as a {@code UC_HOOK_CODE} callback over all code ({@code uc_cb_hookcode_t}
   * signature; {@code userData} is passed through). Used for counters that must not call into Java.
   */
  Hook addNativeCodeHook(long function, long userData, String description) {
    return install(UnicornLib.UC_HOOK_CODE, Long.valueOf(function), 1, 0, 0, description, allCode(1, 0),
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_CODE, function, userData, 1, 0, 0));
  }

  /** A native {@code UC_HOOK_CODE} callback over {@code [begin, end]} (begin &lt;= end). */
  Hook addNativeCodeHook(long begin, long end, long function, long userData, String description) {
    return install(UnicornLib.UC_HOOK_CODE, Long.valueOf(function), begin, end, 0, description, null,
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_CODE, function, userData, begin, end,
            0));
  }

  /**
   * Installs a native function as a {@code UC_HOOK_BLOCK} callback over all code ({@code uc_cb_hookcode_t}
   * signature; {@code userData} is passed through).
   */
  Hook addNativeBlockHook(long function, long userData, String description, Runnable release) {
    return install(UnicornLib.UC_HOOK_BLOCK, Long.valueOf(function), 1, 0, 0, description, release,
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_BLOCK, function, userData, 1, 0, 0));
  }

  /**
   * Installs a native function as a {@code UC_HOOK_EDGE_GENERATED} callback over all code ({@code uc_hook_edge_gen_t}
   * signature; {@code userData} is passed through).
   */
  Hook addNativeEdgeGeneratedHook(long function, long userData, String description, Runnable release) {
    return install(UnicornLib.UC_HOOK_EDGE_GENERATED, Long.valueOf(function), 1, 0, 0, description, release,
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_EDGE_GENERATED, function, userData, 1, 0,
            0));
  }

  /** {@code UC_HOOK_INTR}: interrupts and CPU exceptions. */
  Hook addInterruptHook(InterruptHook hook) {
    UnicornLib.uc_cb_hookintr_t cb = engine.callbacks.take(HookCallbacks.Interrupt.class,
        HookCallbacks.Interrupt::new).bind(engine, hook);
    return install(UnicornLib.UC_HOOK_INTR, cb, 1, 0, 0, "interrupt",
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_INTR, cb, 0, 1, 0, 0));
  }

  /**
   * Memory hooks for valid accesses in {@code [begin, end]}; {@code types} is a mask of
   * {@code UC_HOOK_MEM_READ/WRITE/FETCH} (see {@link UnicornLib}).
   */
  Hook addMemoryHook(int types, long begin, long end, MemoryHook hook) {
    if (NativeMemoryHook.available()) {
      // entered through one JNI call (mem_hook.c) rather than a JNA callback: see NativeMemoryHook
      NativeMemoryHook nh = engine.callbacks.take(NativeMemoryHook.class, NativeMemoryHook::make).bind(engine, hook);
      long function = nh.function();
      long user = nh.userData();
      return install(types, nh, begin, end, 0, "memory types=0x" + Integer.toHexString(types),
          hh -> UnicornLib.uc_hook_add(engine.handle(), hh, types, function, user, begin, end, 0));
    }
    UnicornLib.uc_cb_hookmem_t cb = engine.callbacks.take(HookCallbacks.Memory.class, HookCallbacks.Memory::new)
        .bind(engine, hook);
    return install(types, cb, begin, end, 0, "memory types=0x" + Integer.toHexString(types),
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, types, cb, 0, begin, end, 0));
  }

  /**
   * Hooks for invalid accesses; {@code types} is a mask of {@code UC_HOOK_MEM_*_UNMAPPED} and
   * {@code UC_HOOK_MEM_*_PROT}. A throwing hook stops emulation (the access is not retried).
   */
  Hook addInvalidMemoryHook(int types, InvalidMemoryHook hook) {
    if (NativeMemoryHook.available()) {
      // entered through one JNI call (mem_hook.c) rather than a JNA callback: see NativeMemoryHook
      NativeMemoryHook.Invalid nh = engine.callbacks.take(NativeMemoryHook.Invalid.class, NativeMemoryHook.Invalid::make)
          .bind(engine, hook);
      long function = nh.function();
      long user = nh.userData();
      return install(types, nh, 1, 0, 0, "invalid-memory types=0x" + Integer.toHexString(types),
          hh -> UnicornLib.uc_hook_add(engine.handle(), hh, types, function, user, 1, 0, 0));
    }
    UnicornLib.uc_cb_eventmem_t cb = engine.callbacks.take(HookCallbacks.InvalidMemory.class,
        HookCallbacks.InvalidMemory::new).bind(engine, hook);
    return install(types, cb, 1, 0, 0, "invalid-memory types=0x" + Integer.toHexString(types),
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, types, cb, 0, 1, 0, 0));
  }

  /** {@code UC_HOOK_MEM_WRITE_PROT} through {@link NativeMemoryHook.Store}: see {@link Engine#addProtectedStoreHook}. */
  Hook addProtectedStoreHook(Hooks.ProtectedStoreHook hook) {
    NativeMemoryHook.Store sh = engine.callbacks.take(NativeMemoryHook.Store.class, NativeMemoryHook.Store::make)
        .bind(engine, hook);
    long function = sh.function();
    long user = sh.userData();
    int types = UnicornLib.UC_HOOK_MEM_WRITE_PROT;
    return install(types, sh, 1, 0, 0, "protected stores", hh -> UnicornLib.uc_hook_add(engine.handle(), hh, types,
        function, user, 1, 0, 0));
  }

  /** {@code IN} instructions. */
  Hook addInHook(InHook hook) {
    UnicornLib.uc_cb_insn_in_t cb = inCallback(hook);
    return install(UnicornLib.UC_HOOK_INSN, cb, 1, 0, UnicornLib.UC_X86_INS_IN, "insn IN",
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_INSN, cb, 0, 1, 0, UnicornLib.UC_X86_INS_IN));
  }

  /**
   * {@code IN} instructions through a native {@code uc_cb_insn_in_t} {@code function} ({@code userData} passed
   * through) that hands what it does not answer itself to {@code hook}, whose JNA callback's address is given to
   * {@code attach} (which returns the user data); the callback stays reachable as long as the hook.
   */
  Hook addNativeInHook(long function, InHook hook, java.util.function.LongUnaryOperator attach, String description,
      Runnable release) {
    UnicornLib.uc_cb_insn_in_t cb = inCallback(hook);
    long userData = attach.applyAsLong(DirectCallbacks.pointer(cb));
    return install(UnicornLib.UC_HOOK_INSN, cb, 1, 0, UnicornLib.UC_X86_INS_IN, description, release,
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_INSN, function, userData, 1, 0,
            UnicornLib.UC_X86_INS_IN));
  }

  /** The JNA callback of an {@code IN} hook: a Java failure is handed to the engine, the guest reads 0. */
  private UnicornLib.uc_cb_insn_in_t inCallback(InHook hook) {
    return engine.callbacks.take(HookCallbacks.In.class, HookCallbacks.In::new).bind(engine, hook);
  }

  /** {@code OUT} instructions. */
  Hook addOutHook(OutHook hook) {
    UnicornLib.uc_cb_insn_out_t cb = engine.callbacks.take(HookCallbacks.Out.class, HookCallbacks.Out::new)
        .bind(engine, hook);
    return install(UnicornLib.UC_HOOK_INSN, cb, 1, 0, UnicornLib.UC_X86_INS_OUT, "insn OUT",
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_INSN, cb, 0, 1, 0, UnicornLib.UC_X86_INS_OUT));
  }

  /**
   * An instruction hook with the CPUID callback signature: {@code UC_X86_INS_CPUID}, or (where the library
   * supports it, Unicorn 2.1+) {@code UC_X86_INS_RDTSC}/{@code RDTSCP}. Throws {@link EngineException} with
   * {@link UcError#HOOK} when the library cannot hook that instruction.
   */
  Hook addInstructionHook(int instructionId, InstructionHook hook) {
    UnicornLib.uc_cb_insn_cpuid_t cb = engine.callbacks.take(HookCallbacks.Instruction.class,
        HookCallbacks.Instruction::new).bind(engine, hook);
    try {
      return install(UnicornLib.UC_HOOK_INSN, cb, 1, 0, instructionId, "insn " + instructionId,
          hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_INSN, cb, 0, 1, 0, instructionId));
    } catch (EngineException e) {
      if (e.error() == UcError.HOOK) engine.callbacks.refusedInstructions.add(instructionId);
      throw e;
    }
  }

  /** {@code UC_HOOK_INSN_INVALID}. */
  Hook addInvalidInstructionHook(InvalidInstructionHook hook) {
    UnicornLib.uc_cb_hookinsn_invalid_t cb = (u, user) -> {
      try {
        return hook.onInvalidInstruction();
      } catch (Throwable t) {
        engine.fail(t);
        return false;
      }
    };
    return install(UnicornLib.UC_HOOK_INSN_INVALID, cb, 1, 0, 0, "invalid-instruction",
        hh -> UnicornLib.uc_hook_add(engine.handle(), hh, UnicornLib.UC_HOOK_INSN_INVALID, cb, 0, 1, 0, 0));
  }

  /** Forgets a hook whose native side {@link Engine} is deleting. */
  void forget(Hook h) {
    hooks.remove(h.handle());
  }

  /** Takes over a hook moved from another engine object over the same native engine ({@link Hook#movedTo}). */
  void adopt(Hook h) {
    hooks.put(h.handle(), h);
  }

  /** Closes every hook still installed (the engine is closing). */
  void closeAll() {
    for (Hook hook : hooks.values().toArray(new Hook[0])) hook.close();
    hooks.clear();
    // the shared targets registered through this engine (their holders may not have closed them): no leak of the
    // machine they reach through the static table
    for (long id : sharedIds) SHARED_TARGETS.remove(id);
    sharedIds.clear();
  }
}
