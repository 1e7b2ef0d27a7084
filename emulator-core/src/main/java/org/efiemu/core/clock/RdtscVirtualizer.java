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
 * {@code RDTSCP}, Unicorn 2.1 and later) that hook answers them. Unicorn 2.0.1 cannot (its
 * {@code x86_insn_hook_validate} accepts IN, OUT, SYSCALL, SYSENTER and CPUID only: {@code UC_ERR_HOOK}); there the
 * instructions are found as code is translated ({@link RdtscDiscovery}: every block that runs, in every image, also
 * one another loader loaded or code generated at run time, never data) and a one-address {@code UC_HOOK_CODE} hook is
 * placed on each RDTSC(P) Capstone finds in the block ({@link #discovered}). The hook sets EDX:EAX (and ECX =
 * IA32_TSC_AUX for RDTSCP) and moves RIP past it. Bounded hooks cost nothing while other code runs. Discovery works
 * with the block counter ({@link InstructionCounting#BLOCKS}, the default); counting per instruction (or without the
 * JNI shim), only code the machine is told about ({@link #scanCode}: encodings {@code 0F 31} and {@code 0F 01 F9})
 * is covered.
 */
public final class RdtscVirtualizer implements AutoCloseable {
  /** IA32_TSC_AUX, returned in ECX by RDTSCP. */
  public static final int MSR_TSC_AUX = 0xC0000103;

  private final Engine engine;
  private final VirtualClock clock;
  private final Map<Long, Hook> sites = new HashMap<>();
  /** Per hooked site: true for RDTSCP. */
  private final Map<Long, Boolean> siteKinds = new HashMap<>();
  private Engine.SharedCodeHook siteHook;
  private Hook rdtscHook;
  private Hook rdtscpHook;
  private RdtscDiscovery discovery;
  /** RDTSC sites answered in C ({@link NativeRdtsc}); null: every site's hook is Java's. */
  private NativeRdtsc nativeSites;
  /** Told of every instruction decoded in a discovered block and of candidate sites found by scanning. */
  private CodeObserver observer;

  /**
   * Another user of the discovery: the discovery's native callback also stops before blocks holding the second
   * opcode bytes {@code observer} wants ({@link org.efiemu.core.cpu.PrivilegedInstructions#secondOpcodeByte}).
   */
  public interface CodeObserver {
    /** An instruction of a newly translated block that the discovery stopped before. */
    void decoded(org.efiemu.core.debug.disasm.Instruction in);

    /** {@code true} for the byte after {@code 0F} of instructions the observer wants. */
    boolean wants(byte secondOpcodeByte);

    /** A place in declared code ({@link #scanCode}) where such an instruction may start. */
    void candidate(long address);
  }

  /** Sets the observer (at most one). */
  public void observe(CodeObserver o) {
    this.observer = o;
  }

  public RdtscVirtualizer(Engine engine, VirtualClock clock) {
    this.engine = engine;
    this.clock = clock;
    boolean hooked = false;
    // a reused engine that refused the hook for an earlier machine refuses it again: not asked at every build
    if (!engine.refusesInstructionHook(UnicornLib.UC_X86_INS_RDTSC)
        && !engine.refusesInstructionHook(UnicornLib.UC_X86_INS_RDTSCP)) {
      try {
        rdtscHook = engine.addInstructionHook(UnicornLib.UC_X86_INS_RDTSC, () -> {
          answer(false);
          return true;
        });
        rdtscpHook = engine.addInstructionHook(UnicornLib.UC_X86_INS_RDTSCP, () -> {
          answer(true);
          return true;
        });
        hooked = true;
      } catch (EngineException e) {
        if (e.error() != UcError.HOOK) throw e;
        if (rdtscHook != null) rdtscHook.close();
        rdtscHook = null;
        rdtscpHook = null;
      }
    }
    // with the block counter only: its block hook turns the discovery's stop into a stop before the block, with
    // the count and RIP exact (the per-instruction counter's hook would count the block's first instruction)
    if (!hooked && clock.blockCounterHandle() != 0 && RdtscDiscovery.available()) {
      discovery = new RdtscDiscovery(engine, clock.blockCounterHandle(), (start, size) -> {
        hookInstructions(start, engine.read(start, (int) size), false);
        engine.removeTranslations(start, start + size);
      });
      nativeSites = NativeRdtsc.create(this, clock);
      if (nativeSites != null) {
        clock.answerRdtscIn(nativeSites);
        nativeSites.checkInEdgeHook(discovery);
      }
    }
  }

  /** True when RDTSC(P) is found in code as it is translated ({@link RdtscDiscovery}). */
  public boolean discovers() {
    return discovery != null;
  }

  /**
   * Blocks translated and new blocks checked so far: {translations, checks, of them inside the run without a stop}
   * (statistics; zeros without discovery).
   */
  public long[] discoveryStatistics() {
    return discovery == null ? new long[3] : new long[] {discovery.translations(),
        discovery.stops() + discovery.checkedInRun(), discovery.checkedInRun()};
  }

  /** A run starts: no discovery stop is pending from an earlier one. */
  public void beginRun() {
    if (discovery != null) discovery.reset();
  }

  /** True when the run stopped before a newly translated block that may hold RDTSC(P): call {@link #discovered}. */
  public boolean discoveryPending() {
    return discovery != null && discovery.pending();
  }

  /**
   * Hooks the RDTSC/RDTSCP instructions of the block the run stopped before, drops its translation so that it is
   * translated again with the hooks, and lets that translation pass; the run then goes on where it stopped. Returns
   * the number of new sites.
   */
  public int discovered() {
    int before = sites.size();
    discovery.checkPending();
    return sites.size() - before;
  }

  /**
   * Hooks RDTSC(P) in the straight-line code from {@code address} to its first control transfer (at most 512 bytes
   * or the end of RAM): the first block an engine runs, which Unicorn translates without telling
   * {@link RdtscDiscovery}. Returns the number of new sites.
   */
  public int firstBlock(long address, byte[] code) {
    if (discovery == null) return 0;
    boolean any = false;
    for (int i = 0; i + 1 < code.length && !any; i++) {
      any = code[i] == 0x0F && (code[i + 1] == 0x31 || code[i + 1] == 0x01
          || (observer != null && observer.wants(code[i + 1])));
    }
    return any ? hookInstructions(address, code, true) : 0; // Capstone is loaded only when needed
  }

  private static boolean isRdtsc(byte[] b, boolean rdtscp) {
    return b[0] == 0x0F && (rdtscp ? b[1] == 0x01 && b[2] == (byte) 0xF9 : b[1] == 0x31);
  }

  private int hookInstructions(long address, byte[] code, boolean toFirstTransfer) {
    int added = 0;
    var disassembler = org.efiemu.core.debug.disasm.Disassembler.forThread();
    java.util.List<org.efiemu.core.debug.disasm.Instruction> decoded = disassembler.disassemble(code, address,
        code.length);
    // a translated block decoded whole: the C hook learns where each RDTSC lies in it (BlockCounter.count()'s begun)
    boolean whole = !toFirstTransfer && nativeSites != null
        && decoded.stream().mapToInt(in -> in.bytes().length).sum() == code.length;
    for (int i = 0; i < decoded.size(); i++) {
      org.efiemu.core.debug.disasm.Instruction in = decoded.get(i);
      if (observer != null) observer.decoded(in);
      String m = in.mnemonic().trim().toLowerCase(java.util.Locale.ROOT);
      if (m.equals("rdtsc") || m.equals("rdtscp")) {
        if (hookSite(in.address(), m.equals("rdtscp"))) added++;
        if (whole && m.equals("rdtsc")) nativeSites.position(address, code.length, decoded.size(), in.address(), i + 1);
      }
      if (toFirstTransfer && (m.startsWith("j") || m.startsWith("call") || m.startsWith("ret") || m.startsWith("int")
          || m.startsWith("hlt") || m.startsWith("sys") || m.startsWith("iret") || m.startsWith("loop")
          || m.startsWith("ud"))) {
        break;
      }
    }
    return added;
  }

  private boolean hookSite(long site, boolean rdtscp) {
    if (sites.containsKey(site)) return false;
    if (nativeSites != null) {
      for (long s : nativeSites.sites()) if (s == site) return false; // hooked by the edge hook's check in C
      nativeSites.knownSite(site);
    }
    engine.translationSideEffect(); // a site found in translated code: nothing is kept after this machine
    // one JNA callback for every site, shared by the process's engines (a new native closure per site cost ~40 us
    // warm, a third of a discovery; one per machine still cost each machine's first site ~0.2 ms)
    if (siteHook == null) siteHook = engine.sharedCodeHook(this::atSite);
    siteKinds.put(site, rdtscp);
    if (nativeSites != null && !rdtscp) {
      // answered in C where the block's position is known, else handed to atSite through atSiteFromC
      sites.put(site, engine.addNativeCodeHook(site, site, NativeRdtsc.function(), nativeSites.handle, "RDTSC site (C)"));
    } else {
      sites.put(site, engine.addCodeHook(site, site, siteHook));
    }
    return true;
  }

  /** The C hook of an RDTSC site hands the read to Java (JNI from {@code efiemu_gate.c}'s {@code ts_site_hook}). */
  @SuppressWarnings("unused") // called from efiemu_gate.c
  private void atSiteFromC(long a, int size) {
    try {
      atSite(a, size);
    } catch (Throwable t) {
      engine.failFromNative(t);
    }
  }

  /**
   * RDTSC reads answered by the sites' C hook, handed by it to Java, and block positions Java told it (statistics;
   * zeros when every site is answered in Java).
   */
  public long[] nativeSiteStatistics() {
    return nativeSites == null ? new long[4] : nativeSites.statistics();
  }

  /** The hook of every site: answers the RDTSC/RDTSCP there and moves RIP past it. */
  private void atSite(long a, int size) {
    Boolean rdtscp = siteKinds.get(a);
    if (rdtscp == null) return; // a site of a closed virtualizer, still in Unicorn's lists until the run ends
    int length = rdtscp ? 3 : 2;
    // code rewritten since the hook was placed may start another instruction here: leave that one alone
    if (size != length || !isRdtsc(engine.read(a, length), rdtscp)) return;
    answer(rdtscp);
    engine.reg(X86Reg.RIP, a + length);
  }

  /** True when the library hooks RDTSC itself (no code scanning needed). */
  public boolean usesInstructionHook() {
    return rdtscHook != null;
  }

  /** Number of code sites hooked by scanning. */
  public int siteCount() {
    return sites.size() + (nativeSites == null ? 0 : nativeSites.sites().length);
  }

  private void answer(boolean rdtscp) {
    long tsc = clock.readTsc();
    engine.reg(X86Reg.RAX, tsc & 0xFFFF_FFFFL);
    engine.reg(X86Reg.RDX, tsc >>> 32);
    long aux = -1;
    if (rdtscp) {
      aux = engine.readMsr(MSR_TSC_AUX) & 0xFFFF_FFFFL;
      engine.reg(X86Reg.RCX, aux);
    }
    if (nativeSites != null && nativeSites.recording()) {
      nativeSites.record(tsc, aux); // in order with the values the C hook records
    } else if (readListener != null) {
      readListener.read(tsc, aux);
    }
  }

  /** Told of every value RDTSC/RDTSCP returned to the guest (benches that replay guest code elsewhere). */
  public interface ReadListener {
    /** @param aux the ECX value of RDTSCP, -1 for RDTSC */
    void read(long tsc, long aux);
  }

  private ReadListener readListener;

  /**
   * Sets the read listener (null: none). Where sites are answered in C ({@link NativeRdtsc}) the values are recorded
   * there, in order, and handed to the listener when it is replaced or removed (so at the latest by this call).
   */
  public void readListener(ReadListener l) {
    if (nativeSites != null) {
      ReadListener old = readListener;
      nativeSites.recording(false);
      long[] v = nativeSites.drain();
      if (old != null) for (int i = 0; i + 1 < v.length; i += 2) old.read(v[i], v[i + 1]);
      nativeSites.recording(l != null);
    }
    this.readListener = l;
  }

  /** The addresses hooked by scanning or discovery so far. */
  public long[] siteAddresses() {
    java.util.stream.LongStream c = nativeSites == null ? java.util.stream.LongStream.empty()
        : java.util.Arrays.stream(nativeSites.sites());
    return java.util.stream.LongStream.concat(sites.keySet().stream().mapToLong(Long::longValue), c).sorted().toArray();
  }

  /**
   * Hooks every RDTSC/RDTSCP encoding in {@code code}, which lies at guest address {@code address}; does nothing
   * when the library hooks the instructions itself. Returns the number of new sites.
   */
  public int scanCode(long address, byte[] code) {
    if (observer != null && discovery == null) { // with discovery, blocks that run are decoded instead
      for (int i = 0; i + 1 < code.length; i++) {
        if (code[i] != 0x0F || !observer.wants(code[i + 1])) continue;
        observer.candidate(address + i);
        // a prefix byte before 0F (REX 40-4F, operand size 66) may start the instruction instead
        if (i > 0 && ((code[i - 1] & 0xF0) == 0x40 || code[i - 1] == 0x66)) observer.candidate(address + i - 1);
      }
    }
    if (usesInstructionHook()) return 0;
    int added = 0;
    for (int i = 0; i + 1 < code.length; i++) {
      if (code[i] != 0x0F) continue;
      boolean rdtsc = code[i + 1] == 0x31;
      boolean rdtscp = i + 2 < code.length && code[i + 1] == 0x01 && code[i + 2] == (byte) 0xF9;
      if (!rdtsc && !rdtscp) continue;
      if (hookSite(address + i, !rdtsc)) added++;
    }
    return added;
  }

  @Override
  public void close() {
    sites.values().forEach(Hook::close);
    sites.clear();
    if (siteHook != null) siteHook.close();
    siteHook = null;
    siteKinds.clear();
    // the C sites' hooks go, and the edge hook forgets the C state, before the discovery's state is freed
    if (nativeSites != null && engine.isOpen()) nativeSites.deleteHooks(); // (a closed engine took its hooks with it)
    if (rdtscHook != null) rdtscHook.close();
    if (rdtscpHook != null) rdtscpHook.close();
    if (discovery != null) discovery.close();
    if (nativeSites != null) {
      clock.stopAnsweringRdtscInC();
      nativeSites.release();
      nativeSites = null;
    }
  }
}
