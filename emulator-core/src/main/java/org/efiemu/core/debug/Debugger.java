package org.efiemu.core.debug;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.debug.disasm.Disassembler;
import org.efiemu.core.debug.disasm.Instruction;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.GateCall;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.machine.StopReason;
import org.efiemu.core.machine.StopReport;
import org.efiemu.core.memory.GuestMemory;

/**
 * A debugger attached to one {@link Machine}: address breakpoints, write watchpoints on physical ranges,
 * breakpoints on host calls matching a predicate, {@link #step()}, {@link #next()}, {@link #finish()},
 * {@link #cont()}, {@link #back()} to the state at an earlier host call, registers, memory and disassembly. It knows
 * nothing of consoles, sockets or UEFI; front ends (the console debugger, {@link org.efiemu.core.debug.gdb.GdbServer})
 * drive it.
 *
 * <p><b>Cost.</b> With nothing set the debugger installs no Unicorn hook and no gate listener, so the machine runs
 * at its normal speed. Each breakpoint address gets one code hook bounded to that address; each watchpoint one
 * write hook bounded to its range (plus, on a {@link ClockMode#HOST_EVENTS} machine, one native no-op code hook so
 * the stop lands right after the writing instruction); {@link #step()}, {@link #finish()} and {@link #next()} use
 * temporary hooks removed when the run ends. {@link #installedHooks()} counts what is installed.
 *
 * <p><b>Threads.</b> The front end drives the machine from its own thread: {@link #cont()}, {@link #step()} etc. run
 * the guest on the calling thread and return a {@link StopEvent} when it stops. Only {@link #requestInterrupt()} may
 * be called from another thread (e.g. a socket reader seeing GDB's Ctrl-C) while a run is in progress.
 */
public final class Debugger implements AutoCloseable {
  private record Pending(StopKind kind, String description, Breakpoint breakpoint, WatchHit watch, GateCall call) {}

  private final Machine machine;
  private final Engine engine;
  private final GuestMemory memory;
  private final Map<Long, List<Breakpoint>> breakpoints = new TreeMap<>();
  private final Map<Long, Hook> breakHooks = new LinkedHashMap<>();
  private final WriteWatchpoints watches;
  private final HostCallTracker hostCalls;
  private Disassembler disassembler;
  private RunLimits limits = RunLimits.none();
  private int nextId = 1;
  private volatile boolean interruptRequested;
  private Pending pending;
  private long skipBreakAt = -1;
  private boolean stepping;

  /** Attaches to {@code machine}; installs nothing until a breakpoint, watchpoint or history is set. */
  public Debugger(Machine machine) {
    this.machine = Objects.requireNonNull(machine, "machine");
    this.engine = machine.engine();
    this.memory = machine.memory();
    this.hostCalls = new HostCallTracker(machine, (b, call) -> stopWith(
        new Pending(StopKind.HOST_CALL, b + ": " + call, null, null, call)));
    this.watches = new WriteWatchpoints(machine, wp -> {
      if (pending == null) pending = new Pending(StopKind.WATCHPOINT, wp.toString(), null, null, null);
    });
  }

  public Machine machine() {
    return machine;
  }

  /** Limits applied to every run (each {@link #cont()}, {@link #step()}, ...); none by default. */
  public void limits(RunLimits l) {
    this.limits = Objects.requireNonNull(l, "limits");
  }

  // ------------------------------------------------------------------------------------------ breakpoints

  /** Stops before the instruction at {@code address} runs. */
  public Breakpoint breakAt(long address) {
    Breakpoint bp = new Breakpoint(nextId++, address);
    breakpoints.computeIfAbsent(address, a -> new ArrayList<>()).add(bp);
    if (!breakHooks.containsKey(address)) {
      breakHooks.put(address, engine.addCodeHook(address, address, (at, size) -> onBreakpoint(at)));
      TranslationCache.invalidate(engine, address, address + 1);
    }
    return bp;
  }

  /** Removes {@code bp}; its address's hook goes when no other breakpoint uses it. Returns false if unknown. */
  public boolean remove(Breakpoint bp) {
    List<Breakpoint> at = breakpoints.get(bp.address());
    if (at == null || !at.remove(bp)) return false;
    if (at.isEmpty()) {
      breakpoints.remove(bp.address());
      breakHooks.remove(bp.address()).close();
      TranslationCache.invalidate(engine, bp.address(), bp.address() + 1);
    }
    return true;
  }

  /** All address breakpoints, by address. */
  public List<Breakpoint> breakpoints() {
    return breakpoints.values().stream().flatMap(List::stream).toList();
  }

  /** Stops after the guest writes any byte of {@code [address, address+length)}. */
  public Watchpoint watchWrites(long address, long length) {
    return watches.add(nextId++, address, length);
  }

  /** Removes {@code wp}; returns false if unknown. */
  public boolean remove(Watchpoint wp) {
    return watches.remove(wp);
  }

  public List<Watchpoint> watchpoints() {
    return watches.list();
  }

  /**
   * Stops after a host call matching {@code condition} returned to its caller (see {@link HostCallBreakpoint});
   * {@code description} names it in stop events, e.g. {@code "AllocatePages if Type == AllocateMaxAddress"}.
   */
  public HostCallBreakpoint breakOnHostCall(String description, Predicate<GateCall> condition) {
    HostCallBreakpoint b = new HostCallBreakpoint(nextId++, description, Objects.requireNonNull(condition, "condition"));
    hostCalls.add(b);
    return b;
  }

  public boolean remove(HostCallBreakpoint b) {
    return hostCalls.remove(b);
  }

  public List<HostCallBreakpoint> hostCallBreakpoints() {
    return hostCalls.breakpoints();
  }

  /**
   * Records a snapshot of the machine at each of the last {@code depth} host calls, for {@link #back()}; 0 turns
   * recording off and drops what was recorded. Each snapshot copies all touched RAM ({@link
   * org.efiemu.core.machine.Snapshot#ramBytes()}), so the cost per host call grows with the guest's footprint.
   */
  public void recordHostCalls(int depth) {
    hostCalls.record(depth);
  }

  /** The host calls that {@link #back()} can return to, oldest first. */
  public List<GateCall> recordedHostCalls() {
    return hostCalls.recorded();
  }

  /** Bytes of guest RAM held by the recorded snapshots. */
  public long recordedBytes() {
    return hostCalls.recordedBytes();
  }

  /** Unicorn hooks installed by this debugger now (0 when nothing is set and no run is in progress). */
  public int installedHooks() {
    return breakHooks.size() + watches.installedHooks();
  }

  /** True while the debugger listens to the call gate (host-call breakpoints or history set). */
  public boolean listensToHostCalls() {
    return hostCalls.listening();
  }

  // ------------------------------------------------------------------------------------------ hooks

  private void stopWith(Pending p) {
    if (pending == null) pending = p;
    machine.requestStop(p.description());
  }

  private void onBreakpoint(long at) {
    if (at == skipBreakAt) {
      skipBreakAt = -1;
      return;
    }
    if (stepping) return;
    List<Breakpoint> bps = breakpoints.get(at);
    if (bps == null || bps.isEmpty()) return;
    Breakpoint first = bps.get(0);
    bps.forEach(Breakpoint::hit);
    stopWith(new Pending(StopKind.BREAKPOINT, first.toString(), first, null, null));
  }

  /** Asks a run in progress to stop with {@link StopKind#INTERRUPTED}; callable from any thread. */
  public void requestInterrupt() {
    interruptRequested = true;
    machine.requestStop("interrupted by the debugger");
  }

  // ------------------------------------------------------------------------------------------ running

  /**
   * Calls guest function {@code fn} with the Microsoft x64 convention ({@link Machine#call}) and stops before its
   * first instruction ({@link StopKind#STEP}).
   */
  public StopEvent start(long fn, long... args) {
    Hook entry = bounded(fn, engine.addCodeHook(fn, fn, (at, size) -> stopWith(
        new Pending(StopKind.STEP, String.format("entry of the called function 0x%X", fn), null, null, null))));
    try {
      return execute(() -> machine.call(limits, fn, args), -1);
    } finally {
      release(entry, fn);
    }
  }

  /** Calls guest function {@code fn} ({@link Machine#call}) and runs until something stops it. */
  public StopEvent run(long fn, long... args) {
    return execute(() -> machine.call(limits, fn, args), -1);
  }

  /** Continues from RIP until a breakpoint, watchpoint, host-call breakpoint, interrupt or machine stop. */
  public StopEvent cont() {
    return resume();
  }

  /**
   * Runs exactly one instruction (a call through the gate runs the whole host function), with an instruction
   * budget of 1 ({@link RunLimits#instructions}); breakpoints do not stop a step. On a {@link ClockMode#HOST_EVENTS}
   * machine the first step installs the native all-code stop-flag hook and flushes translated code (Unicorn counts
   * only instructions translated with a code hook present); it stays until {@link #close()}, so the machine then
   * runs at about {@link ClockMode#COUNTED} speed.
   */
  public StopEvent step() {
    if (machine.clock().mode() == ClockMode.HOST_EVENTS) {
      // Unicorn's instruction count only counts code translated while some code hook existed
      watches.keepStopFlagForSteps();
    }
    long rip = reg(X86Reg.RIP);
    stepping = true;
    try {
      return execute(() -> machine.run(rip, limits.withInstructions(1)), rip);
    } finally {
      stepping = false;
    }
  }

  /** Like {@link #step()}, but a {@code call} runs until the callee returns (RSP back at its value now). */
  public StopEvent next() {
    long rip = reg(X86Reg.RIP);
    List<Instruction> ins = disassemble(rip, 1);
    if (ins.isEmpty() || !ins.get(0).isCall()) return step();
    long target = ins.get(0).next();
    long rsp0 = reg(X86Reg.RSP);
    Hook h = bounded(target, engine.addCodeHook(target, target, (at, size) -> {
      if (engine.reg(X86Reg.RSP) >= rsp0) {
        stopWith(new Pending(StopKind.NEXT, "returned from " + ins.get(0).text(), null, null, null));
      }
    }));
    try {
      return resume();
    } finally {
      release(h, target);
    }
  }

  /**
   * Runs until the current function returns to its caller: the first return instruction executed with RSP at or
   * above its value now (a nested call's return address sits below it), then stops at the instruction it returned
   * to. Works instruction by instruction through the current function and {@link #next() steps over} its calls at
   * full speed; stops early at a breakpoint. At a host call's gate slot it runs the host function and stops at the
   * caller's return address.
   */
  public StopEvent finish() {
    long rsp0 = reg(X86Reg.RSP);
    long start = reg(X86Reg.RIP);
    while (true) {
      long rip = reg(X86Reg.RIP);
      long rsp = reg(X86Reg.RSP);
      List<Instruction> ins = disassemble(rip, 1);
      boolean call = !ins.isEmpty() && ins.get(0).isCall();
      boolean ret = !ins.isEmpty() && ins.get(0).isReturn();
      StopEvent e = call ? next() : step();
      if (e.kind() != StopKind.STEP && e.kind() != StopKind.NEXT) return e;
      if (ret && rsp >= rsp0) {
        if (machine.gate().labelAt(e.rip()) != null) {
          StopEvent exit = step(); // returned into the machine's exit trap: the program ends there
          if (exit.exited()) return exit;
        }
        return new StopEvent(StopKind.FINISH, e.rip(), String.format("returned from the function at 0x%X", start),
            null, null, null, e.report());
      }
      List<Breakpoint> bps = breakpoints.get(e.rip());
      if (bps != null && !bps.isEmpty()) {
        bps.forEach(Breakpoint::hit);
        return new StopEvent(StopKind.BREAKPOINT, e.rip(), bps.get(0).toString(), bps.get(0), null, null, e.report());
      }
    }
  }

  /** A code hook bounded to one address takes effect in code translated before it only once that is dropped. */
  private Hook bounded(long address, Hook h) {
    TranslationCache.invalidate(engine, address, address + 1);
    return h;
  }

  private void release(Hook h, long address) {
    h.close();
    TranslationCache.invalidate(engine, address, address + 1);
  }

  /**
   * Restores the machine to the newest recorded host call (see {@link #recordHostCalls}): RIP at the call's gate
   * slot, arguments in registers, RAM, clock and upper-layer state as they were before the host function ran. The
   * entry is consumed, so calling again goes further back; resuming runs the host call again.
   */
  public StopEvent back() {
    HostCallHistory.Entry e = hostCalls.takeNewest();
    machine.restore(e.snapshot());
    if (machine.clock().mode() == ClockMode.COUNTED) adjustInstructions(-1); // the slot's ret was counted, not run
    return new StopEvent(StopKind.BACK, reg(X86Reg.RIP), "before host call " + e.call(), null, null, e.call(), null);
  }

  private StopEvent resume() {
    long rip = reg(X86Reg.RIP);
    return execute(() -> machine.run(rip, limits), rip);
  }

  private StopEvent execute(Supplier<StopReport> run, long resumeAt) {
    pending = null;
    watches.beforeRun();
    skipBreakAt = resumeAt >= 0 && breakHooks.containsKey(resumeAt) ? resumeAt : -1;
    StopReport report;
    try {
      if (interruptRequested) {
        interruptRequested = false;
        return new StopEvent(StopKind.INTERRUPTED, reg(X86Reg.RIP), "interrupted before the run started", null, null,
            null, null);
      }
      report = run.get();
    } finally {
      skipBreakAt = -1;
    }
    boolean interrupted = interruptRequested;
    interruptRequested = false;
    Pending p = pending;
    pending = null;
    if (report.reason() == StopReason.RETURNED) {
      return new StopEvent(StopKind.EXITED, report.rip(), String.format("the called function returned 0x%X",
          report.returnValue()), null, null, null, report);
    }
    if (p == null && interrupted && report.reason() == StopReason.HOST_STOP) {
      return new StopEvent(StopKind.INTERRUPTED, report.rip(), "interrupted", null, null, null, report);
    }
    if (p == null && stepping && report.reason() == StopReason.BUDGET) {
      if (machine.clock().mode() == ClockMode.COUNTED) adjustInstructions(-1); // the budget stop counts one more
      return new StopEvent(StopKind.STEP, report.rip(), "one instruction", null, null, null, report);
    }
    if (p == null) return new StopEvent(StopKind.MACHINE, report.rip(), report.reason() + ": " + report.reason().text()
        + (report.detail() == null ? "" : " (" + report.detail() + ")"), null, null, null, report);
    if (p.kind() == StopKind.HOST_CALL) {
      returnFromGateSlot();
    } else if (machine.clock().mode() == ClockMode.COUNTED) {
      adjustInstructions(-1); // the native counter counted the instruction the stop kept from running
    }
    WatchHit w = watches.completedHit();
    if (w != null) {
      if (report.reason() == StopReason.ENGINE_ERROR) { // the native stop flag stopped it, not the machine
        report = new StopReport(StopReason.HOST_STOP, w.toString(), report.rip(), report.ripLabel(),
            report.bytesAtRip(), report.registers(), report.recentCalls(), report.instructions(), report.cycles(),
            report.returnValue());
      }
    }
    String text = w != null ? w.toString() : p.description();
    return new StopEvent(p.kind(), reg(X86Reg.RIP), text, p.breakpoint(), w, p.call(), report);
  }

  /** A host-call stop leaves RIP on the gate slot's {@code ret}; executing it here returns to the caller. */
  private void returnFromGateSlot() {
    long rip = reg(X86Reg.RIP);
    if (machine.gate().labelAt(rip) == null) return;
    long rsp = reg(X86Reg.RSP);
    engine.reg(X86Reg.RIP, memory.u64(rsp));
    engine.reg(X86Reg.RSP, rsp + 8);
  }

  private void adjustInstructions(long delta) {
    long[] s = machine.clock().save();
    s[0] += delta;
    machine.clock().restore(s);
  }

  // ------------------------------------------------------------------------------------------ state

  public long reg(X86Reg r) {
    return engine.reg(r);
  }

  public void reg(X86Reg r, long value) {
    engine.reg(r, value);
  }

  public Registers registers() {
    return Registers.capture(engine);
  }

  /** Reads guest RAM; throws naming the range when part of it is not RAM. */
  public byte[] read(long address, int length) {
    memory.require(address, length, "debugger read");
    return memory.read(address, length);
  }

  /** Writes guest RAM; throws naming the range when part of it is not RAM. */
  public void write(long address, byte[] bytes) {
    memory.require(address, bytes.length, "debugger write");
    memory.write(address, bytes);
  }

  /** Disassembles up to {@code count} instructions at {@code address} (fewer where RAM or valid code ends). */
  public List<Instruction> disassemble(long address, int count) {
    int len = Math.min(15 * Math.max(count, 1), 4096);
    while (len > 0 && !memory.isRam(address, len)) len--;
    if (disassembler == null) disassembler = new Disassembler();
    return disassembler.disassemble(len == 0 ? new byte[0] : memory.read(address, len), address, count);
  }

  /** Removes every hook and the gate listener; the machine stays usable. */
  @Override
  public void close() {
    breakHooks.values().forEach(Hook::close);
    breakHooks.clear();
    breakpoints.clear();
    watches.close();
    hostCalls.clear();
    if (disassembler != null) disassembler.close();
    disassembler = null;
  }
}
