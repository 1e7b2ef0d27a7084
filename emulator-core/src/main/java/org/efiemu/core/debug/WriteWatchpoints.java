package org.efiemu.core.debug;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;

/**
 * The debugger's write watchpoints and the {@link NativeStopFlag} they stop through: one {@code UC_HOOK_MEM_WRITE}
 * hook bounded to each watched range, the first write into a watched range of a run recorded as a {@link WatchHit}
 * (bytes before the write, writing instruction) and the stop raised before the next instruction. The stop flag is
 * also what single steps on a {@link ClockMode#HOST_EVENTS} machine need ({@link #keepStopFlagForSteps()}).
 */
final class WriteWatchpoints {
  private record WatchSite(Watchpoint watchpoint, Hook hook) {}

  private final Machine machine;
  private final Engine engine;
  private final Consumer<Watchpoint> onHit;
  private final Map<Integer, WatchSite> watchpoints = new TreeMap<>();
  private NativeStopFlag stopFlag;
  private boolean stepped;
  private WatchHit watchHit;

  /** {@code onHit} runs inside the write hook when a watchpoint is hit (at most once per run). */
  WriteWatchpoints(Machine machine, Consumer<Watchpoint> onHit) {
    this.machine = machine;
    this.engine = machine.engine();
    this.onHit = onHit;
  }

  /** Watches writes to {@code [address, address+length)}; see {@link Debugger#watchWrites}. */
  Watchpoint add(int id, long address, long length) {
    if (length <= 0 || address < 0 || address + length < address) {
      throw new IllegalArgumentException(String.format(
          "watchpoint range at 0x%X, length 0x%X: expected a positive length inside the 64-bit space", address, length));
    }
    Watchpoint wp = new Watchpoint(id, address, length);
    long begin = Math.max(0, address - 7); // an 8-byte write starting just below still touches the range
    Hook h = engine.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, begin, address + length - 1,
        (type, at, size, value) -> onWrite(wp, at, size));
    watchpoints.put(wp.id(), new WatchSite(wp, h));
    installStopFlag();
    return wp;
  }

  /** Removes {@code wp} (and the stop flag with the last one, unless steps need it); false if unknown. */
  boolean remove(Watchpoint wp) {
    WatchSite s = watchpoints.remove(wp.id());
    if (s == null) return false;
    s.hook().close();
    if (watchpoints.isEmpty() && stopFlag != null && !stepped) {
      stopFlag.close();
      stopFlag = null;
      flushIfUncounted(); // drop the flag checks from translated code
    }
    return true;
  }

  List<Watchpoint> list() {
    return watchpoints.values().stream().map(WatchSite::watchpoint).toList();
  }

  /** Unicorn hooks installed: one per watchpoint plus the stop flag's. */
  int installedHooks() {
    return watchpoints.size() + (stopFlag != null ? 1 : 0);
  }

  /**
   * Installs the stop flag's all-code hook for single steps on a {@link ClockMode#HOST_EVENTS} machine (Unicorn's
   * instruction count only counts code translated while some code hook existed) and keeps it until {@link #close()}.
   */
  void keepStopFlagForSteps() {
    installStopFlag();
    stepped = true;
  }

  /** Forgets the previous run's hit and lowers the flag before a run. */
  void beforeRun() {
    watchHit = null;
    if (stopFlag != null) stopFlag.clear();
  }

  /** The run's hit completed with the bytes now in memory (the write has been done), or null when none. */
  WatchHit completedHit() {
    WatchHit w = watchHit;
    if (w == null) return null;
    stopFlag.clear();
    return new WatchHit(w.watchpoint(), w.address(), w.size(), w.oldBytes(), machine.memory().read(w.address(), w.size()),
        w.rip());
  }

  private void onWrite(Watchpoint wp, long at, int size) {
    if (!wp.overlaps(at, size) || watchHit != null) return;
    wp.hit();
    watchHit = new WatchHit(wp, at, size, engine.read(at, size), null, engine.reg(X86Reg.RIP));
    // not machine.requestStop here: see NativeStopFlag; the stop lands before the next instruction
    onHit.accept(wp);
    stopFlag.raise();
  }

  /** The native all-code stop-flag hook (watchpoints; single steps on a HOST_EVENTS machine). */
  private void installStopFlag() {
    if (stopFlag != null) return;
    stopFlag = new NativeStopFlag(engine);
    flushIfUncounted(); // code translated without any code hook would not check the flag
  }

  /**
   * On a {@link ClockMode#HOST_EVENTS} machine no hook covers all code, so an all-code hook added or removed changes
   * only code translated afterwards: flush (tens of milliseconds). A {@link ClockMode#COUNTED} machine's counter
   * already makes every instruction call the hooks.
   */
  private void flushIfUncounted() {
    if (!machine.clock().hooksEveryInstruction()) TranslationCache.flush(engine);
  }

  /** Removes every watchpoint hook and the stop flag. */
  void close() {
    watchpoints.values().forEach(s -> s.hook().close());
    watchpoints.clear();
    if (stopFlag != null) {
      stopFlag.close();
      flushIfUncounted();
    }
    stopFlag = null;
    stepped = false;
  }
}
