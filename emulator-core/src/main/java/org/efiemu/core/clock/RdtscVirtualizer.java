package org.efiemu.core.clock;

import java.util.HashMap;
import java.util.Map;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.EngineException;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.UcError;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.engine.X86Reg;

/**
 * Makes RDTSC and RDTSCP return the {@link VirtualClock} instead of the host's time-stamp counter.
 *
 * <p>Where the library can hook these instructions ({@code UC_HOOK_INSN} with {@code UC_X86_INS_RDTSC}/
 * {@code RDTSCP}, Unicorn 2.1 and later) that hook answers them. Unicorn 2.0.1 cannot (its {@code uc_hook_add}
 * returns {@code UC_ERR_HOOK}); there, code the machine is told about ({@link #scanCode}) is searched for the
 * encodings {@code 0F 31} and {@code 0F 01 F9} and a one-address {@code UC_HOOK_CODE} hook is placed on each
 * match. A match inside another instruction's bytes never begins an instruction, so its hook never fires; one that
 * fires is a real RDTSC(P): the hook sets EDX:EAX (and ECX = IA32_TSC_AUX for RDTSCP) and moves RIP past it.
 * Bounded hooks cost nothing while other code runs. RDTSC in code never declared (e.g. generated at run time)
 * still reads the host counter on 2.0.x.
 */
public final class RdtscVirtualizer implements AutoCloseable {
  /** IA32_TSC_AUX, returned in ECX by RDTSCP. */
  public static final int MSR_TSC_AUX = 0xC0000103;

  private final Engine engine;
  private final VirtualClock clock;
  private final Map<Long, Hook> sites = new HashMap<>();
  private Hook rdtscHook;
  private Hook rdtscpHook;

  public RdtscVirtualizer(Engine engine, VirtualClock clock) {
    this.engine = engine;
    this.clock = clock;
    try {
      rdtscHook = engine.addInstructionHook(UnicornLib.UC_X86_INS_RDTSC, () -> {
        answer(false);
        return true;
      });
      rdtscpHook = engine.addInstructionHook(UnicornLib.UC_X86_INS_RDTSCP, () -> {
        answer(true);
        return true;
      });
    } catch (EngineException e) {
      if (e.error() != UcError.HOOK) throw e;
      if (rdtscHook != null) rdtscHook.close();
      rdtscHook = null;
      rdtscpHook = null;
    }
  }

  /** True when the library hooks RDTSC itself (no code scanning needed). */
  public boolean usesInstructionHook() {
    return rdtscHook != null;
  }

  /** Number of code sites hooked by scanning. */
  public int siteCount() {
    return sites.size();
  }

  private void answer(boolean rdtscp) {
    long tsc = clock.readTsc();
    engine.reg(X86Reg.RAX, tsc & 0xFFFF_FFFFL);
    engine.reg(X86Reg.RDX, tsc >>> 32);
    if (rdtscp) engine.reg(X86Reg.RCX, engine.readMsr(MSR_TSC_AUX) & 0xFFFF_FFFFL);
  }

  /**
   * Hooks every RDTSC/RDTSCP encoding in {@code code}, which lies at guest address {@code address}; does nothing
   * when the library hooks the instructions itself. Returns the number of new sites.
   */
  public int scanCode(long address, byte[] code) {
    if (usesInstructionHook()) return 0;
    int added = 0;
    for (int i = 0; i + 1 < code.length; i++) {
      if (code[i] != 0x0F) continue;
      boolean rdtsc = code[i + 1] == 0x31;
      boolean rdtscp = i + 2 < code.length && code[i + 1] == 0x01 && code[i + 2] == (byte) 0xF9;
      if (!rdtsc && !rdtscp) continue;
      long site = address + i;
      if (sites.containsKey(site)) continue;
      int length = rdtsc ? 2 : 3;
      sites.put(site, engine.addCodeHook(site, site, (a, size) -> {
        answer(!rdtsc);
        engine.reg(X86Reg.RIP, a + length);
      }));
      added++;
    }
    return added;
  }

  @Override
  public void close() {
    sites.values().forEach(Hook::close);
    sites.clear();
    if (rdtscHook != null) rdtscHook.close();
    if (rdtscpHook != null) rdtscpHook.close();
  }
}
