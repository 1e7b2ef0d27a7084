package org.efiemu.core.machine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.clock.RdtscVirtualizer;
import org.efiemu.core.clock.NativeClockPorts;
import org.efiemu.core.clock.VirtualClock;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.UcError;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.CallGate;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.core.memory.PhysicalMemory;

/**
 * One emulated x86-64 machine: engine, physical memory, CPU in the UEFI application-entry state (see
 * {@link LongMode}), call gate, virtual clock, COM1 and CPUID. A machine owns all its state, so many machines can run
 * in parallel threads; one machine is driven by one thread at a time ({@link #requestStop} may come from any).
 *
 * <p>Paging is always on (UEFI 2.10 §2.3.4), through identity tables covering the whole layout. The engine's CPU
 * has {@link LongMode#PHYSICAL_LIMIT 40 physical address bits} (Unicorn 2.0.1, every CPU model), so a guest access
 * at or above 1 TiB cannot be translated: the run stops with {@link StopReason#ABOVE_PHYSICAL_LIMIT}, naming the
 * address and the limit. Host code may still read and write such RAM through {@link #memory()}. No CPU model of
 * Unicorn 2.0.1 has NX, so EFER.NXE reads back clear.
 */
public final class Machine implements AutoCloseable {
  /** Granule in which {@link #declareCode} skips all-zero code (a large image's zero-filled data and bss). */
  private static final int SCAN_BLOCK = 4096;
  private final Engine engine;
  /** The engine's lender, or null when the machine opened its own engine. */
  private final org.efiemu.core.engine.ReusableEngine lender;
  /** On a lent engine: the CPU context right after the long-mode set-up (identity page tables), else null. */
  private byte[] identityContext;
  /** On a lent engine: the identity page tables as written, and where. */
  private byte[] tables;
  private long tablesAt;
  private final PhysicalMemory physical;
  private final GuestMemory memory;
  private final CpuDescription cpu;
  private final VirtualClock clock;
  /** The native IN hook answering virtual-time counter ports ({@link #serveCounterPorts}), or null: all in Java. */
  private NativeClockPorts clockPorts;
  private final RdtscVirtualizer rdtsc;
  private final org.efiemu.core.cpu.PrivilegedInstructions privileged;
  /** Exceptions Unicorn raises itself, delivered to the guest's own IDT. */
  private final org.efiemu.core.cpu.EngineExceptions engineExceptions;
  private final CallGate gate;
  private final SerialPort serial = new SerialPort();
  /** Devices attached with {@link #attachIoPorts}: {first port, port count} and the device, in attach order. */
  private final List<Map.Entry<int[], IoPortDevice>> ioDevices = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final long cr3;
  private final long stackTop;
  private final long exitAddress;
  private final Map<String, SnapshotParticipant> participants = new LinkedHashMap<>();
  private final StopState stop = new StopState();
  private boolean positionsExact = true;
  /** False until the first run (whose first block the RDTSC discovery does not see). */
  private boolean ranBefore;
  /** The thread inside {@code uc_emu_start}, while a run is in progress. */
  private volatile Thread emulating;
  /** The last guest CR3 (other than the machine's own) whose tables were walked and found identity. */
  private long verifiedCr3 = -1;
  /** Asynchronous interrupts on virtual time ({@link #interruptSource}), or null. */
  private InterruptSource interrupts;
  /** CPU contexts of the interrupted code, innermost first ({@link #enterInterrupt}). */
  private final java.util.Deque<byte[]> interrupted = new java.util.ArrayDeque<>();
  /** Set by {@link #returnFromInterrupt}: the context to restore once the current stretch of guest code stops. */
  private byte[] returning;
  private static final String INTERRUPTS_KEY = "org.efiemu.core.machine.Machine.interrupts";
  /** Interrupts taken ({@link #enterInterrupt}) and declined while masked (statistics). */
  private long interruptsTaken;
  private long interruptsMasked;

  /** What ended the current run, collected by hooks. */
  static final class StopState {
    volatile StopReason reason;
    volatile String detail;

    void set(StopReason r, String d) {
      if (reason == null) {
        reason = r;
        detail = d;
      }
    }
  }

  /** Starts configuring a machine over {@code layout}. */
  public static MachineBuilder builder(PhysicalLayout layout) {
    return new MachineBuilder(layout);
  }

  /** Bytes {@link MachineBuilder#cpuStructuresAt} needs for {@code layout}. */
  public static long structuresSize(PhysicalLayout layout) {
    return LongMode.structuresSize(layout.top());
  }

  Machine(MachineBuilder b) {
    lender = b.reusable;
    engine = lender != null ? lender.lend() : Engine.open(b.storeFastPath);
    if (lender != null && !b.storeFastPath) engine.useStockStorePath();
    try {
      physical = new PhysicalMemory(engine, b.layout, b.chunkSize);
      memory = new GuestMemory(physical);
      cpu = b.cpu;
      stackTop = b.stackTop;
      byte[] written = LongMode.enterWithTables(engine, memory, b.structuresBase, b.layout.top(), b.stackTop);
      cr3 = b.structuresBase + 2 * 4096;
      if (lender != null) {
        identityContext = engine.saveContext();
        tablesAt = cr3;
        tables = written; // what the engine holds there now: compared at close (nothing ran yet)
      }
      clock = new VirtualClock(engine, b.clockMode, b.counting, b.cyclesPerInstruction, b.cyclesPerHostCall,
          b.cyclesPerRdtsc, b.tscFrequencyHz);
      rdtsc = new RdtscVirtualizer(engine, clock);
      privileged = new org.efiemu.core.cpu.PrivilegedInstructions(engine, memory, cpu,
          b.structuresBase + LongMode.IDT_OFFSET, this::requestStop, clock::readTsc);
      rdtsc.observe(privileged);
      engineExceptions = new org.efiemu.core.cpu.EngineExceptions(engine, memory,
          b.structuresBase + LongMode.IDT_OFFSET);
      gate = new CallGate(engine, memory, b.trapBase, b.trapSize, r -> requestStop(StopReason.HOST_STOP, r),
          (java.util.function.LongConsumer) guestCr3 -> {
            clock.hostCall();
            checkPaging(guestCr3);
          });
      exitAddress = gate.register("<return to host>", 1, ctx -> {
        requestStop(StopReason.RETURNED, null);
        return ctx.reg(X86Reg.RAX);
      });
      participants.put(INTERRUPTS_KEY, new SnapshotParticipant() { // interrupts in progress travel with snapshots
        @Override
        public String key() {
          return INTERRUPTS_KEY;
        }

        @Override
        public Object save() {
          return List.copyOf(interrupted);
        }

        @Override
        public void restore(Object state) {
          interrupted.clear();
          if (state instanceof List<?> l) l.forEach(c -> interrupted.addLast((byte[]) c));
          returning = null;
        }
      });
      engine.addInterruptHook(this::onInterrupt);
      org.efiemu.core.engine.Hooks.InHook javaIn = (port, size) -> {
        int value;
        if (SerialPort.handles(port)) {
          value = serial.in(port);
        } else {
          IoPortDevice d = ioDevice(port);
          value = d != null ? d.in(port, size) : (int) ((1L << (8 * size)) - 1);
        }
        NativeClockPorts cp = this.clockPorts;
        if (cp == null) {
          java.util.function.IntConsumer l = inListener;
          if (l != null) l.accept(value);
        } else if (cp.serves(port, size)) {
          cp.learn(clock.instructions()); // C answers this position itself from now on
        }
        return value;
      };
      NativeClockPorts cp = b.nativeClockPorts ? NativeClockPorts.install(engine, clock, javaIn) : null;
      clockPorts = cp;
      if (cp == null) {
        // counting by block: the read is placed at its own IN instruction (BlockCounter.inBegin); the native hook
        // does the same in C before it answers or hands a read to javaIn
        org.efiemu.core.clock.BlockCounter bc = clock.blockCounter();
        engine.addInHook(bc == null ? javaIn : (port, size) -> {
          boolean marked = bc.inBegin();
          try {
            return javaIn.onIn(port, size);
          } finally {
            if (marked) bc.inEnd();
          }
        });
      }
      engine.addOutHook((port, size, value) -> {
        if (SerialPort.handles(port)) {
          serial.out(port, value);
          return;
        }
        IoPortDevice d = ioDevice(port);
        if (d != null) d.out(port, size, value);
      });
      // after the IN hook: Unicorn 2.0.1's cpu_inb/w/l walk the instruction hooks' list (appended in order) to the
      // first IN hook at every IN, so with IN's first the PM-timer polling loop does not step over CPUID's (CPUID's
      // helper walks to its own hook as before; hooks of different instructions never see each other's events)
      engine.addInstructionHook(UnicornLib.UC_X86_INS_CPUID, this::onCpuid);
    } catch (RuntimeException | Error e) {
      releaseEngine();
      throw e;
    }
  }

  /** Closes the engine, or gives it back to its lender. */
  private void releaseEngine() {
    if (lender == null) {
      engine.close();
      return;
    }
    // The lender drops the translated code of every RAM region, found through the CPU's page tables: put the
    // machine's identity tables back (the guest may have loaded its own; if it changed these, the lender drops all code).
    boolean identity = false;
    try {
      if (identityContext != null) {
        engine.restoreContext(identityContext);
        engine.reg(X86Reg.CR3, cr3); // a CR3 write also empties the TLB
        identity = sameTables(engine.read(tablesAt, tables.length), tables);
      }
    } catch (RuntimeException e) {
      identity = false;
    }
    lender.giveBack(engine, identity);
  }

  /** Page tables equal but for the Accessed and Dirty bits (5 and 6 of each entry), which the CPU sets as it walks. */
  static boolean sameTables(byte[] now, byte[] written) {
    if (now.length != written.length) return false;
    int whole = now.length & ~7;
    // entry by entry: bits 5 and 6 of an 8-byte little-endian entry are bits 5 and 6 of its first byte
    for (int i = 0; i < whole; i += 8) {
      if ((((long) LE_LONG.get(now, i) ^ (long) LE_LONG.get(written, i)) & ~0x60L) != 0) return false;
    }
    for (int i = whole; i < now.length; i++) {
      int mask = (i & 7) == 0 ? ~0x60 : ~0;
      if (((now[i] ^ written[i]) & mask) != 0) return false;
    }
    return true;
  }

  private static final java.lang.invoke.VarHandle LE_LONG =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private void onInterrupt(int vector) {
    if (engineExceptions.intercept(vector)) {
      engine.emuStop(); // delivered once uc_emu_start returned (see EngineExceptions)
      return;
    }
    StopReason r = switch (vector) {
      case 3 -> StopReason.BREAKPOINT;
      case 6 -> StopReason.INVALID_OPCODE;
      case 13 -> StopReason.GENERAL_PROTECTION;
      case 14 -> StopReason.PAGE_FAULT;
      default -> StopReason.EXCEPTION;
    };
    String detail = "vector " + vector;
    if (vector == 14) {
      long cr2 = engine.reg(X86Reg.CR2);
      if (Long.compareUnsigned(cr2, LongMode.PHYSICAL_LIMIT) >= 0 && physical.layout().regionAt(cr2).isPresent()) {
        r = StopReason.ABOVE_PHYSICAL_LIMIT;
        detail = String.format("guest access to 0x%X (%s) is at or above the engine's physical address limit 0x%X "
            + "(%d bits: Unicorn 2.0.1's CPU models all have 40, so page tables cannot map it)", cr2,
            physical.layout().regionAt(cr2).get(), LongMode.PHYSICAL_LIMIT,
            Long.numberOfTrailingZeros(LongMode.PHYSICAL_LIMIT));
      } else {
        detail += String.format(", CR2=0x%X", cr2);
      }
    }
    stop.set(r, detail);
    engine.emuStop();
  }

  private boolean onCpuid() {
    int leaf = (int) engine.reg(X86Reg.RAX);
    int sub = (int) engine.reg(X86Reg.RCX);
    int[] r = cpu.cpuid(leaf, sub);
    X86Reg[] out = {X86Reg.RAX, X86Reg.RBX, X86Reg.RCX, X86Reg.RDX};
    for (int i = 0; i < 4; i++) engine.reg(out[i], r[i] & 0xFFFF_FFFFL);
    java.util.function.Consumer<int[]> l = cpuidListener;
    if (l != null) l.accept(r.clone());
    return true;
  }

  private volatile java.util.function.Consumer<int[]> cpuidListener;

  /** Told of every CPUID answer (EAX, EBX, ECX, EDX) from now on (null: none); for benches that replay guest code. */
  public void cpuidListener(java.util.function.Consumer<int[]> l) {
    cpuidListener = l;
  }

  /**
   * Stops with {@link StopReason#PAGING_UNSUPPORTED} if the guest switched to non-identity page tables. Runs at
   * every host call with the CR3 the gate read; the tables are walked only when CR3 differs from the machine's and
   * from the last guest value found identity (a guest editing live tables without reloading CR3 is not seen).
   */
  private boolean checkPaging() {
    return checkPaging(engine.reg(X86Reg.CR3));
  }

  private boolean checkPaging(long now) {
    if (now == cr3 || now == verifiedCr3) return false;
    Optional<String> bad = PageTables.firstNonIdentity(memory, now);
    if (bad.isEmpty()) {
      verifiedCr3 = now;
      return false;
    }
    requestStop(StopReason.PAGING_UNSUPPORTED, String.format(
        "guest loaded CR3=0x%X (machine's identity tables: 0x%X); first non-identity mapping: %s. Unicorn does "
            + "not translate guest page tables in 64-bit mode here, so virtual != physical cannot be emulated",
        now, cr3, bad.get()));
    return true;
  }

  private void requestStop(StopReason reason, String detail) {
    stop.set(reason, detail);
    // From a hook (the emulating thread, or a continuation worker while it waits in the gate's hook) the stop lands
    // before the next instruction. From any other thread a block-counting clock stops the run before the next block
    // (uc_emu_stop would stop it between chained blocks, where Unicorn 2.0.1 leaves RIP stale).
    // A stop from a hook or a worker is backed by the block counter's flag too: in Unicorn 2.0.1 a RIP write later in
    // the same hook (the call gate resuming after a host function that called guest code) sets quit_request, and the
    // run loop then clears the stop request (qemu/softmmu/cpus.c tcg_cpu_exec) and runs on; the flag still stops the
    // run before the next block. A flag left over after a stop that did land is cleared when the next run starts.
    Thread t = Thread.currentThread();
    boolean flagged = clock.requestStopBeforeNextBlock();
    if (t == emulating || CallGate.onWorkerThread() || !flagged) engine.emuStop();
  }

  /**
   * Asks the running guest to stop (thread-safe); the run ends with {@link StopReason#HOST_STOP}. From a hook (or a
   * host function) the stop lands before the next instruction; from another thread, with instructions counted by
   * block, before the next translated block (so that RIP and the count are exact there).
   */
  public void requestStop(String reason) {
    requestStop(StopReason.HOST_STOP, reason);
  }

  /**
   * Attaches {@code device} to the I/O ports {@code [first, first + count)}: guest {@code IN}/{@code OUT} there go to
   * it (COM1 at 0x3F8 stays the machine's own {@link SerialPort}; unclaimed ports read all ones and ignore writes).
   *
   * @throws IllegalArgumentException when the range is empty, outside 0..0xFFFF, or overlaps COM1 or another device
   */
  public void attachIoPorts(int first, int count, IoPortDevice device) {
    java.util.Objects.requireNonNull(device, "device");
    if (count < 1 || first < 0 || first + count > 0x10000) {
      throw new IllegalArgumentException(String.format("I/O ports 0x%X+%d: expected a non-empty range within 0..0xFFFF",
          first, count));
    }
    for (int p = first; p < first + count; p++) {
      if (SerialPort.handles(p) || ioDevice(p) != null) {
        throw new IllegalArgumentException(String.format("I/O ports 0x%X+%d: port 0x%X already belongs to %s", first,
            count, p, SerialPort.handles(p) ? "COM1" : ioDevice(p)));
      }
    }
    ioDevices.add(Map.entry(new int[] {first, count}, device));
  }

  private IoPortDevice ioDevice(int port) {
    for (Map.Entry<int[], IoPortDevice> e : ioDevices) {
      int[] r = e.getKey();
      if (port >= r[0] && port < r[0] + r[1]) return e.getValue();
    }
    return null;
  }

  /** Runs guest code from {@code entry} until something stops it. */
  public StopReport run(long entry, RunLimits limits) {
    engine.reg(X86Reg.RIP, entry);
    return execute(entry, limits);
  }

  /**
   * Calls guest function {@code fn} with the Microsoft x64 convention on the machine's stack; the report's reason
   * is {@link StopReason#RETURNED} with the result in {@link StopReport#returnValue()} when it returns.
   */
  public StopReport call(RunLimits limits, long fn, long... args) {
    int stackArgs = Math.max(0, args.length - 4);
    long top = (stackTop - 8L * stackArgs - 0x20) & ~0xFL;
    for (int i = 4; i < args.length; i++) memory.putU64(top + 0x20 + 8L * (i - 4), args[i]);
    memory.putU64(top - 8, exitAddress);
    X86Reg[] regs = {X86Reg.RCX, X86Reg.RDX, X86Reg.R8, X86Reg.R9};
    for (int i = 0; i < Math.min(4, args.length); i++) engine.reg(regs[i], args[i]);
    engine.reg(X86Reg.RSP, top - 8);
    return run(fn, limits);
  }

  private StopReport execute(long begin, RunLimits limits) {
    stop.reason = null;
    stop.detail = null;
    physical.clearFault();
    long startCount = clock.instructions();
    long count = clock.armBudget(limits.instructions());
    long t0 = System.nanoTime();
    UcError err = UcError.OK;
    engine.clearRipReadInMemoryHook();
    rdtsc.beginRun();
    if (!ranBefore) {
      ranBefore = true;
      // Unicorn translates an engine's first block without telling the RDTSC discovery: check it here
      int n = 512;
      while (n > 0 && !memory.isRam(begin, n)) n >>= 1;
      if (n > 0) rdtsc.firstBlock(begin, memory.read(begin, n));
    }
    try {
      long at = begin;
      boolean resumed = false;
      while (true) {
        long timeoutMicros = limits.timeoutMicros();
        if (timeoutMicros > 0) {
          timeoutMicros -= (System.nanoTime() - t0) / 1000;
          if (timeoutMicros <= 0) break; // the time limit ran out while stopping for RDTSC discovery
        }
        if (interrupts != null) clock.interruptAt(interrupts.nextInterruptCycles());
        long timeout = clock.beginRun(timeoutMicros);
        emulating = Thread.currentThread();
        if (resumed && stop.reason != null) {
          // a stop asked for from another thread while the run was paused for the RDTSC discovery
          emulating = null;
          clock.endRun();
          break;
        }
        try {
          err = engine.emuStart(at, 0, timeout, count);
          // counting by block: the budget stopped before a block it lets run only in part; run that part
          if (clock.budgetStoppedInsideBlock()) err = clock.finishBudget(timeout);
        } finally {
          emulating = null;
          clock.endRun();
        }
        // an exception Unicorn raised itself, with the guest's own IDT loaded: deliver it and go on at the handler
        if (stop.reason == null && (err == UcError.INSN_INVALID || (err == UcError.OK && engineExceptions.hasPending()))) {
          Optional<String> triple = err == UcError.INSN_INVALID ? engineExceptions.invalidOpcode()
              : engineExceptions.deliverPending();
          if (triple != null) {
            if (triple.isPresent()) {
              stop.set(StopReason.TRIPLE_FAULT, triple.get());
              err = UcError.OK;
              break;
            }
            err = UcError.OK;
            at = engine.reg(X86Reg.RIP);
            resumed = true;
            continue;
          }
        }
        if (err != UcError.OK || stop.reason != null) break;
        // a new block holding RDTSC bytes stopped the run before its first instruction: hook, then go on there
        boolean discovered = rdtsc.discoveryPending();
        if (discovered) rdtsc.discovered();
        // an interrupt handler returned, or virtual time reached the interrupt source's next point
        if (!asynchronousInterrupt(startCount, limits, t0, discovered) && !discovered) break;
        at = engine.reg(X86Reg.RIP);
        resumed = true;
      }
    } finally {
      emulating = null;
      clock.armBudget(0);
      clock.interruptAt(-1);
      gate.abandonPending();
    }
    long elapsed = System.nanoTime() - t0;
    if (clock.counting() == InstructionCounting.BLOCKS && (engine.ripReadInMemoryHook() || err == UcError.READ_UNMAPPED
        || err == UcError.WRITE_UNMAPPED || err == UcError.READ_PROT || err == UcError.WRITE_PROT)) {
      positionsExact = false;
    }
    StopReason reason = stop.reason;
    String detail = stop.detail;
    if (reason == null && physical.lastFault() != null) {
      if (!checkPaging()) {
        reason = StopReason.MEMORY_FAULT;
        detail = physical.lastFault().toString();
      } else {
        reason = stop.reason;
        detail = stop.detail;
      }
    }
    if (reason == null && err != UcError.OK) {
      reason = switch (err) {
        case INSN_INVALID -> StopReason.INVALID_OPCODE;
        case READ_UNMAPPED, WRITE_UNMAPPED, FETCH_UNMAPPED -> StopReason.MEMORY_FAULT;
        case READ_PROT, WRITE_PROT, FETCH_PROT -> StopReason.PROTECTION_FAULT;
        case EXCEPTION -> StopReason.EXCEPTION;
        default -> StopReason.ENGINE_ERROR;
      };
      detail = err.cName() + " (" + Engine.errorText(err) + ")";
    }
    if (reason == null && limits.instructions() > 0 && (clock.mode() == ClockMode.COUNTED
        ? clock.budgetExhausted(startCount, limits.instructions()) : !haltedAt(engine.reg(X86Reg.RIP)))) {
      reason = StopReason.BUDGET;
      detail = limits.instructions() + " instructions";
    }
    if (reason == null && limits.timeoutMicros() > 0 && elapsed / 1000 >= limits.timeoutMicros()) {
      reason = StopReason.TIMEOUT;
      detail = "after " + limits.wallClock();
    }
    if (reason == null && haltedAt(engine.reg(X86Reg.RIP))) reason = StopReason.HLT;
    if (reason == null) {
      reason = StopReason.ENGINE_ERROR;
      detail = "emulation ended without a recognised cause (" + err.cName() + ")";
    }
    return report(reason, detail);
  }

  /**
   * After a stretch of guest code that stopped with no stop reason: restores the interrupted context when an interrupt
   * handler returned ({@link #returnFromInterrupt}), else asks the interrupt source to take an interrupt that fell due
   * (a HLT that stopped there is woken by it; a masked one lets only a stop made for it go on). False when the run
   * must end (nothing of this, or the budget or wall-clock limit ran out: their stop is reported as it is).
   */
  private boolean asynchronousInterrupt(long startCount, RunLimits limits, long t0, boolean discovered) {
    boolean restored = returning != null;
    if (restored) {
      // first, so that a limit ending the run here reports the interrupted code's own registers
      engine.restoreContext(returning);
      returning = null;
    }
    if (limits.instructions() > 0 && clock.mode() == ClockMode.COUNTED
        && clock.budgetExhausted(startCount, limits.instructions())) {
      return false;
    }
    if (limits.timeoutMicros() > 0 && (System.nanoTime() - t0) / 1000 >= limits.timeoutMicros()) return false;
    if (restored) return true;
    if (interrupts == null) return false;
    boolean forTick = clock.stoppedForInterrupt();
    if (!clock.interruptDue()) {
      // a HLT ended the stretch (not a stop before a block that merely follows a HLT byte)
      return !forTick && !discovered && haltedAt(engine.reg(X86Reg.RIP)) && interrupts.halted();
    }
    if (interrupts.interrupt()) return true;
    interruptsMasked++;
    return forTick;
  }

  /**
   * Sets the source of asynchronous interrupts on virtual time (null: none). Takes effect at the next stretch of
   * guest code; asked in every counting mode ({@link VirtualClock#interruptsAsynchronous()}).
   */
  public void interruptSource(InterruptSource source) {
    interrupts = source;
  }

  /**
   * From {@link InterruptSource#interrupt()}: saves the CPU context (every register, flags and FPU/SSE state) and
   * makes the guest call {@code handler} below the interrupted stack's red zone, with {@code returnTrap} as return
   * address (a call-gate function that calls {@link #returnFromInterrupt}) and the interrupted RIP after it. Returns
   * false (nothing changed) when there is no RAM for that frame at RSP.
   */
  public boolean enterInterrupt(long handler, long returnTrap) {
    long rsp = ((engine.reg(X86Reg.RSP) - 128 - 8) & ~0xFL) - 8; // below a red zone, aligned as after a call
    if (!memory.isRam(rsp, 16)) return false;
    interrupted.push(engine.saveContext());
    memory.putU64(rsp, returnTrap);
    memory.putU64(rsp + 8, engine.reg(X86Reg.RIP)); // where the trap's ret goes: the stop lands before that block
    engine.reg(X86Reg.RSP, rsp);
    engine.reg(X86Reg.RIP, handler);
    interruptsTaken++;
    return true;
  }

  /**
   * From the return trap of {@link #enterInterrupt} (a call-gate function, on the emulating thread): the guest goes on
   * with the innermost interrupted context, restored before the next translated block. False when no interrupt is
   * in progress (nothing changes).
   */
  public boolean returnFromInterrupt() {
    byte[] ctx = interrupted.poll();
    if (ctx == null) return false;
    returning = ctx;
    boolean flagged = clock.requestStopBeforeNextBlock();
    if (!flagged) engine.emuStop();
    return true;
  }

  /** Interrupts in progress (handlers entered and not returned). */
  public int interruptDepth() {
    return interrupted.size();
  }

  /** {taken, declined while masked} of the interrupt source so far (statistics). */
  public long[] interruptStatistics() {
    return new long[] {interruptsTaken, interruptsMasked};
  }

  private boolean haltedAt(long rip) {
    return memory.isRam(rip - 1, 1) && memory.u8(rip - 1) == 0xF4;
  }

  private StopReport report(StopReason reason, String detail) {
    long rip = engine.reg(X86Reg.RIP);
    Map<String, Long> regs = new LinkedHashMap<>();
    for (X86Reg r : X86Reg.GENERAL) regs.put(r.name(), engine.reg(r));
    for (X86Reg r : new X86Reg[] {X86Reg.RIP, X86Reg.RFLAGS, X86Reg.CR0, X86Reg.CR2, X86Reg.CR3, X86Reg.CR4}) {
      regs.put(r.name(), engine.reg(r));
    }
    regs.put("EFER", engine.readMsr(LongMode.MSR_EFER));
    byte[] bytes = new byte[0];
    for (int n = 16; n > 0; n--) {
      if (memory.isRam(rip, n)) {
        bytes = memory.read(rip, n);
        break;
      }
    }
    return new StopReport(reason, detail, rip, gate.labelAt(rip), bytes, java.util.Collections.unmodifiableMap(regs),
        gate.recentCalls(), clock.instructions(), clock.cycles(), regs.get("RAX"));
  }

  /**
   * Tells the machine that {@code [address, address+length)} holds code (e.g. an image's executable sections),
   * so RDTSC/RDTSCP there read the virtual clock; returns the number of new sites (0 where the library hooks
   * RDTSC itself). Needed only without the JNI shim: otherwise RDTSC is found as code is translated
   * ({@link #rdtscDiscovered()}); a byte pattern in data gets a hook that never fires.
   */
  public int declareCode(long address, long length) {
    if (rdtsc.usesInstructionHook()) return 0;
    byte[] code = memory.read(address, Math.toIntExact(length));
    // Only blocks with a non-zero byte are scanned (each with the 2 bytes after it, for encodings crossing the end):
    // an encoding starts with 0F, so none begins in an all-zero block, and none ending in one can match.
    byte[] zeros = new byte[SCAN_BLOCK];
    int added = 0;
    for (int at = 0; at < code.length; at += SCAN_BLOCK) {
      int end = Math.min(code.length, at + SCAN_BLOCK);
      if (java.util.Arrays.mismatch(code, at, end, zeros, 0, end - at) < 0) continue;
      added += rdtsc.scanCode(address + at, java.util.Arrays.copyOfRange(code, at, Math.min(code.length, end + 2)));
    }
    return added;
  }

  // ------------------------------------------------------------------------------------------- snapshots

  /** Registers upper-layer state that snapshots must carry. */
  public void addSnapshotParticipant(SnapshotParticipant p) {
    if (participants.putIfAbsent(p.key(), p) != null) {
      throw new IllegalArgumentException("snapshot participant '" + p.key() + "' is already registered");
    }
  }

  /** Captures CPU, touched RAM, clock, serial output length and participants' state. */
  public Snapshot snapshot() {
    List<Snapshot.Chunk> chunks = new ArrayList<>();
    for (long[] c : physical.mappedChunks()) chunks.add(new Snapshot.Chunk(c[0], engine.read(c[0], (int) c[1])));
    Map<String, Object> ext = new LinkedHashMap<>();
    participants.forEach((k, p) -> ext.put(k, p.save()));
    return new Snapshot(this, engine.saveContext(), List.copyOf(chunks), clock.save(), serial.output().length(),
        ext);
  }

  /** Brings the machine back to {@code s}; RAM first touched after it is unmapped again (reads as zeros). */
  public void restore(Snapshot s) {
    if (s.owner != this) throw new IllegalArgumentException("snapshot was taken on another machine");
    java.util.Set<Long> keep = new java.util.HashSet<>();
    for (Snapshot.Chunk c : s.chunks) keep.add(c.base());
    for (long[] c : physical.mappedChunks()) if (!keep.contains(c[0])) physical.unmapChunk(c[0]);
    for (Snapshot.Chunk c : s.chunks) physical.write(c.base(), c.bytes(), 0, c.bytes().length);
    engine.restoreContext(s.cpu);
    clock.restore(s.clock);
    serial.truncate(s.serialLength);
    participants.forEach((k, p) -> p.restore(s.extensions.get(k)));
  }

  // ------------------------------------------------------------------------------------------- accessors

  public Engine engine() {
    return engine;
  }

  public GuestMemory memory() {
    return memory;
  }

  public PhysicalMemory physical() {
    return physical;
  }

  public CallGate gate() {
    return gate;
  }

  public VirtualClock clock() {
    return clock;
  }

  public CpuDescription cpu() {
    return cpu;
  }

  public SerialPort serial() {
    return serial;
  }

  /** The CR3 of the machine's identity page tables. */
  public long identityCr3() {
    return cr3;
  }

  /**
   * False once a run of this machine, counting instructions by block ({@link InstructionCounting#BLOCKS}), depended
   * on the position of an instruction inside a memory access: a run that ended in a data read or write fault, or a
   * memory, invalid-memory or MMIO hook that read RIP (or the clock inside a block) where the block counter could
   * not tell the accessing instruction for certain (it can for a write that only one instruction of the block may
   * have done: {@link org.efiemu.core.clock.BlockCounter}). Unicorn 2.0.1 writes the guest RIP back before every
   * instruction only while an all-code hook runs (the per-instruction counter's); without one, RIP there is where it
   * was last written back (e.g. the start of the translated block), so such a stop's RIP and count, and RIPs read in
   * such hooks, may differ from {@link InstructionCounting#PER_INSTRUCTION}'s. Every other
   * value (counts, virtual time, budget stops, host calls, RDTSC, faults raised as CPU exceptions) is the same. A
   * caller that can rebuild the machine reruns it per instruction when this is false (as the scenario runner does).
   * Always true when counting per instruction.
   */
  public boolean positionsExact() {
    return positionsExact;
  }

  /**
   * With {@code true}, a run counting by block stops ({@link StopReason#HOST_STOP}) as soon as a memory hook reads a
   * RIP that is not exact ({@link org.efiemu.core.engine.Engine#ripReadInMemoryHook()}), since its result will be discarded and the run repeated per instruction ({@link #positionsExact()}). Off by
   * default.
   */
  public void stopWhenPositionsInexact(boolean stop) {
    if (clock.counting() != InstructionCounting.BLOCKS) return;
    engine.onRipReadInMemoryHook(stop ? () -> requestStop(StopReason.HOST_STOP,
        "a memory hook read RIP, which counting by block does not keep exact; rerun per instruction") : null);
  }

  /**
   * True when RDTSC/RDTSCP are found in guest code as Unicorn translates it ({@link
   * org.efiemu.core.clock.RdtscDiscovery}): every instruction that runs reads the virtual clock, in any image, and
   * {@link #declareCode} is not needed.
   */
  public boolean rdtscDiscovered() {
    return rdtsc.discovers();
  }

  /**
   * {translations, new blocks checked, of them inside the run (no stop of the run loop)} of the RDTSC discovery so far
   * (statistics).
   */
  public long[] rdtscDiscoveryStatistics() {
    return rdtsc.discoveryStatistics();
  }

  /**
   * RDTSC reads answered in C by the sites' native hook, reads it handed to Java, and block positions Java told it
   * ({@code NativeRdtsc}; statistics): zeros when every site is answered in Java ({@code -Defiemu.rdtsc.nativeSites=false},
   * no JNI shim, or not counting by block).
   */
  public long[] rdtscAnsweredInC() {
    return rdtsc.nativeSiteStatistics();
  }

  /** Code sites where RDTSC/RDTSCP are hooked so far. */
  public int rdtscSites() {
    return rdtsc.siteCount();
  }

  private volatile java.util.function.IntConsumer inListener;

  /** Told of the value of every IN instruction from now on (null: none); for benches that replay guest code. */
  public void ioInListener(java.util.function.IntConsumer l) {
    if (clockPorts != null) {
      // the native IN hook records every value, its own and Java's, in order: hand them to the listener they belong to
      java.util.function.IntConsumer old = inListener;
      clockPorts.record(false);
      int[] values = clockPorts.drain();
      if (old != null) for (int v : values) old.accept(v);
      clockPorts.record(l != null);
    }
    inListener = l;
  }

  /**
   * The ports {@code [first, first + count)} read a {@code bits}-bit counter at {@code hz} Hz of this machine's
   * virtual time, {@link NativeClockPorts#value} of {@link VirtualClock#nanos()} (the device attached there with
   * {@link #attachIoPorts} must answer the same): with {@link MachineBuilder#nativeClockPorts} (the default) and
   * counting by block, reads wholly inside them are answered in C without entering Java. Once per machine.
   */
  public void serveCounterPorts(int first, int count, int bits, long hz) {
    if (clockPorts != null) clockPorts.serve(first, count, bits, hz);
  }

  /**
   * Counter-port reads answered in C and handed to Java, positions learnt from Java, and reads answered in C that
   * compared the block's bytes again ({@link #serveCounterPorts}, {@link NativeClockPorts#bytesCompared()};
   * statistics): {served, handed, learnt, compared}; zeros when the C path is off.
   */
  public long[] counterPortReads() {
    return clockPorts == null ? new long[4]
        : new long[] {clockPorts.served(), clockPorts.handedToJava(), clockPorts.learnt(), clockPorts.bytesCompared()};
  }

  /**
   * True when counter-port reads answered in C skip comparing the block's bytes while Unicorn's translations are
   * unchanged ({@link NativeClockPorts#translationStateKnown()}); false when the C path is off or every read compares.
   */
  public boolean counterPortsTrustTranslations() {
    return clockPorts != null && clockPorts.translationStateKnown();
  }

  /** True when counter ports are answered in C on this machine ({@link MachineBuilder#nativeClockPorts}). */
  public boolean counterPortsInC() {
    return clockPorts != null;
  }

  /** The RDTSC/RDTSCP sites hooked so far (see {@link #rdtscSites()}). */
  public long[] rdtscSiteAddresses() {
    return rdtsc.siteAddresses();
  }

  /**
   * Told of every TSC value the guest reads from now on (null: none); for benches that replay guest code. Values of
   * sites answered in C arrive in order when the listener is replaced or removed ({@link
   * RdtscVirtualizer#readListener}), not at each read.
   */
  public void rdtscReadListener(RdtscVirtualizer.ReadListener l) {
    rdtsc.readListener(l);
  }

  /** True when the library hooks RDTSC itself (Unicorn 2.1+); otherwise see {@link #declareCode}. */
  public boolean rdtscHookedNatively() {
    return rdtsc.usesInstructionHook();
  }

  /** Sites of RDMSR/WRMSR/MOV to CR/SYSCALL/SYSRET watched for the faults Unicorn leaves out, and faults raised. */
  public long[] privilegedInstructionStatistics() {
    return new long[] {privileged.siteCount(), privileged.faults()};
  }

  @Override
  public void close() {
    gate.close();
    privileged.close();
    rdtsc.close();
    clock.close();
    if (engine.isOpen()) releaseEngine();
  }
}
