package org.efiemu.core.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Mmr;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.GuestMemory;

/**
 * Delivers a {@link CpuFault} through the guest's IDT as a 64-bit CPU at CPL 0 does (Intel SDM vol. 3A §6.14,
 * 64-Bit Mode Exception and Interrupt Handling): the 16-byte gate at IDTR.base + 16 x vector must lie within the IDT
 * limit (else #GP(vector x 8 + 2 + EXT)), be an interrupt or trap gate (else #GP, same code) and be present (else
 * #NP, same code); its selector must name a present 64-bit code segment of the GDT (else #GP/#NP(selector + EXT));
 * the handler address must be canonical. The stack is the current one or, when the gate names one, the TSS's IST
 * pointer; it is aligned down to 16 bytes and SS, RSP, RFLAGS, CS, RIP and the error code are pushed; RFLAGS.TF,
 * NT, RF (and IF for an interrupt gate) are cleared. A fault while delivering follows SDM table 6-5: a contributory
 * fault (or page fault) during the delivery of a contributory fault (or a page fault during a page fault's) becomes
 * #DF(0), other pairs are delivered one after the other; any fault while delivering #DF is a triple fault, which
 * resets the processor (SDM §6.15, interrupt 8: "the processor enters shutdown mode"; a PC's chipset resets on
 * shutdown).
 */
public final class ExceptionDelivery {
  private static final long TF = 1L << 8;
  private static final long IF = 1L << 9;
  private static final long NT = 1L << 14;
  private static final long RF = 1L << 16;
  private static final long VM = 1L << 17;

  /** The result: delivered (where) or a triple fault (with the chain of faults that led to it). */
  public record Outcome(boolean tripleFault, CpuFault delivered, long handler, List<String> chain) {
    public String describe() {
      return String.join("; ", chain);
    }
  }

  private final Engine engine;
  private final GuestMemory memory;
  /** The #PF this class raised while delivering (its CR2 is written when it is delivered). */
  private CpuFault raisedPageFault;
  private long raisedPageFaultAddress;

  public ExceptionDelivery(Engine engine, GuestMemory memory) {
    this.engine = engine;
    this.memory = memory;
  }

  /** Delivers {@code fault}, raised by the instruction at {@code rip} (the RIP pushed: faults restart it). */
  public Outcome deliver(CpuFault fault, long rip) {
    return deliver(fault, rip, false);
  }

  /**
   * Delivers {@code fault}; with {@code software} it comes from {@code int n}/{@code int3}: {@code rip} is the
   * instruction after it, no error code is pushed whatever the vector, and a fault while delivering it is delivered
   * as it is (a software interrupt is benign, SDM vol. 3A table 6-4/6-5).
   */
  public Outcome deliver(CpuFault fault, long rip, boolean software) {
    List<String> chain = new ArrayList<>();
    chain.add(fault.toString());
    CpuFault current = fault;
    boolean nested = false;
    for (int step = 0; step < 8; step++) {
      boolean soft = software && step == 0;
      Optional<CpuFault> next = tryDeliver(current, rip, nested, soft);
      if (next.isEmpty()) {
        return new Outcome(false, current, engine.reg(X86Reg.RIP), List.copyOf(chain));
      }
      CpuFault f = next.get();
      chain.add("delivering " + current.mnemonic() + " raised " + f);
      if (current.vector() == CpuFault.DF) {
        chain.add("a fault while delivering #DF: triple fault, the processor shuts down (reset)");
        return new Outcome(true, null, 0, List.copyOf(chain));
      }
      boolean df = (!soft && CpuFault.contributory(current.vector()) && CpuFault.contributory(f.vector()))
          || (!soft && current.vector() == CpuFault.PF && (f.vector() == CpuFault.PF || CpuFault.contributory(f.vector())));
      current = df ? new CpuFault(CpuFault.DF, 0, "double fault (" + f.name() + " while delivering "
          + current.mnemonic() + ")") : f;
      if (df) chain.add("-> #DF(0)");
      nested = true;
    }
    chain.add("faults kept recurring while delivering: treated as a triple fault");
    return new Outcome(true, null, 0, List.copyOf(chain));
  }

  /** Delivers {@code f}; returns the fault delivering raised, or empty when the handler is entered. */
  private Optional<CpuFault> tryDeliver(CpuFault f, long rip, boolean nested, boolean software) {
    int v = f.vector();
    int ext = nested ? 1 : 0;
    long idtCode = 8L * v + 2 + ext;
    X86Mmr.Value idtr = engine.mmr(X86Mmr.IDTR);
    if (16L * v + 15 > (idtr.limit() & 0xFFFFL)) {
      return Optional.of(new CpuFault(CpuFault.GP, idtCode, String.format(
          "IDT limit 0x%X does not cover vector %d's gate", idtr.limit() & 0xFFFF, v)));
    }
    long gate = idtr.base() + 16L * v;
    if (!memory.isRam(gate, 16)) return Optional.of(pageFault(gate, 0, "IDT gate at 0x%X is not in RAM"));
    long lo = memory.u64(gate);
    long hi = memory.u64(gate + 8);
    int type = (int) (lo >>> 40) & 0xF;
    if (type != 0xE && type != 0xF) {
      return Optional.of(new CpuFault(CpuFault.GP, idtCode, String.format(
          "IDT gate %d at 0x%X has type 0x%X, not a 64-bit interrupt (0xE) or trap (0xF) gate", v, gate, type)));
    }
    if (((lo >>> 47) & 1) == 0) {
      return Optional.of(new CpuFault(CpuFault.NP, idtCode, String.format("IDT gate %d at 0x%X is not present", v,
          gate)));
    }
    int selector = (int) (lo >>> 16) & 0xFFFF;
    long handler = (lo & 0xFFFF) | (((lo >>> 48) & 0xFFFF) << 16) | ((hi & 0xFFFF_FFFFL) << 32);
    int ist = (int) (lo >>> 32) & 7;
    Optional<CpuFault> segment = checkCodeSegment(selector, ext);
    if (segment.isPresent()) return segment;
    if (!canonical(handler)) {
      return Optional.of(new CpuFault(CpuFault.GP, ext, String.format("handler address 0x%X of IDT gate %d is not "
          + "canonical", handler, v)));
    }
    long rsp = engine.reg(X86Reg.RSP);
    if (ist != 0) {
      X86Mmr.Value tr = engine.mmr(X86Mmr.TR);
      long at = tr.base() + 0x24 + 8L * (ist - 1);
      if (0x24 + 8L * ist - 1 > (tr.limit() & 0xFFFF_FFFFL) || !memory.isRam(at, 8)) {
        return Optional.of(new CpuFault(CpuFault.TS, (tr.selector() & 0xFFFC) + ext, String.format(
            "IDT gate %d names IST%d, which the TSS (TR base 0x%X limit 0x%X) does not hold", v, ist, tr.base(),
            tr.limit())));
      }
      rsp = memory.u64(at);
    }
    long top = rsp & ~0xFL;
    int words = f.hasErrorCode() && !software ? 6 : 5;
    long bottom = top - 8L * words;
    if (!canonical(bottom) || !canonical(top - 1)) {
      return Optional.of(new CpuFault(CpuFault.SS, ext, String.format("stack 0x%X for the handler is not canonical",
          top)));
    }
    if (!memory.isRam(bottom, 8L * words)) {
      return Optional.of(pageFault(bottom, 2, "the exception frame at 0x%X is not in RAM"));
    }
    long rflags = engine.reg(X86Reg.RFLAGS);
    long[] frame = {engine.reg(X86Reg.SS) & 0xFFFF, rsp, rflags, engine.reg(X86Reg.CS) & 0xFFFF, rip, f.errorCode()};
    for (int i = 0; i < words; i++) memory.putU64(top - 8L * (i + 1), frame[i]);
    if (f == raisedPageFault) engine.reg(X86Reg.CR2, raisedPageFaultAddress);
    engine.reg(X86Reg.RSP, bottom);
    engine.reg(X86Reg.RFLAGS, rflags & ~(TF | NT | RF | VM | (type == 0xE ? IF : 0)));
    if ((engine.reg(X86Reg.CS) & 0xFFFF) != selector) engine.reg(X86Reg.CS, selector);
    engine.reg(X86Reg.RIP, handler);
    return Optional.empty();
  }

  private CpuFault pageFault(long address, int code, String what) {
    raisedPageFault = new CpuFault(CpuFault.PF, code, String.format(what, address));
    raisedPageFaultAddress = address;
    return raisedPageFault;
  }

  private Optional<CpuFault> checkCodeSegment(int selector, int ext) {
    int code = (selector & 0xFFFC) + ext;
    if ((selector & 0xFFFC) == 0) {
      return Optional.of(new CpuFault(CpuFault.GP, ext, "IDT gate's code selector is null"));
    }
    if ((selector & 4) != 0) {
      return Optional.of(new CpuFault(CpuFault.GP, code, String.format("IDT gate's code selector 0x%X names the LDT",
          selector)));
    }
    X86Mmr.Value gdtr = engine.mmr(X86Mmr.GDTR);
    long index = selector & 0xFFF8;
    if (index + 7 > (gdtr.limit() & 0xFFFF) || !memory.isRam(gdtr.base() + index, 8)) {
      return Optional.of(new CpuFault(CpuFault.GP, code, String.format("IDT gate's code selector 0x%X is beyond the "
          + "GDT limit 0x%X", selector, gdtr.limit() & 0xFFFF)));
    }
    long d = memory.u64(gdtr.base() + index);
    boolean codeSegment = ((d >>> 44) & 1) == 1 && ((d >>> 43) & 1) == 1;
    boolean longMode = ((d >>> 53) & 1) == 1;
    if (!codeSegment || !longMode) {
      return Optional.of(new CpuFault(CpuFault.GP, code, String.format("IDT gate's selector 0x%X is not a 64-bit code "
          + "segment (descriptor 0x%016X)", selector, d)));
    }
    if (((d >>> 47) & 1) == 0) {
      return Optional.of(new CpuFault(CpuFault.NP, code, String.format("IDT gate's code segment 0x%X is not present",
          selector)));
    }
    return Optional.empty();
  }

  /** True when bits 63:47 of {@code a} are all equal (48-bit linear addresses). */
  static boolean canonical(long a) {
    return (a >> 47) == 0 || (a >> 47) == -1;
  }
}
