package org.efiemu.core.cpu;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.efiemu.core.debug.disasm.Disassembler;
import org.efiemu.core.debug.disasm.Instruction;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.X86Mmr;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.CpuDescription;
import org.efiemu.core.machine.StopReason;
import org.efiemu.core.memory.GuestMemory;

/**
 * The faults Unicorn 2.0.1's TCG CPU leaves out for RDMSR, WRMSR, MOV to CR0/CR4/CR8, SYSCALL and SYSRET, raised as
 * hardware raises them: #GP(0) for an MSR the CPU does not implement ({@link ModelSpecificRegisters}) or reserved
 * EFER bits, #GP(0) for invalid control register values ({@link ControlRegisters}), #UD for SYSCALL/SYSRET with
 * EFER.SCE clear (Intel SDM vol. 2B, SYSCALL/SYSRET: "#UD if IA32_EFER.SCE = 0").
 *
 * <p>The instructions are found as code is translated (the RDTSC discovery's {@code UC_HOOK_EDGE_GENERATED} callback
 * also stops before blocks holding {@code 0F 30}, {@code 0F 32}, {@code 0F 22}, {@code 0F 05} or {@code 0F 07};
 * {@link #decoded}) or, without it, in code the machine is told about ({@link #candidate}); each gets a one-address
 * {@code UC_HOOK_CODE} hook that runs before the instruction, so other code pays nothing. The hook decodes the
 * instruction there again (code may have been rewritten) and checks the operands. A fault is delivered as the CPU
 * would: when the guest's IDTR is still the firmware's own IDT the run stops naming the fault (as EDK2's
 * {@code CpuExceptionHandlerLib} does: it dumps the exception and enters {@code CpuDeadLoop}); when the guest loaded
 * its own IDT the fault goes to its handler through {@link ExceptionDelivery}, and a triple fault stops the run as
 * {@link StopReason#TRIPLE_FAULT}.
 */
public final class PrivilegedInstructions implements AutoCloseable, org.efiemu.core.clock.RdtscVirtualizer.CodeObserver {
  /** How a fault that is not delivered to a guest handler ends the run. */
  public interface Stopper {
    void stop(StopReason reason, String detail);
  }

  private final Engine engine;
  private final CpuDescription cpu;
  private final long firmwareIdt;
  private final Stopper stopper;
  private final LongSupplier tsc;
  private final ExceptionDelivery delivery;
  private final Map<Long, Hook> sites = new HashMap<>();
  private Disassembler disassembler;
  private long faults;

  public PrivilegedInstructions(Engine engine, GuestMemory memory, CpuDescription cpu, long firmwareIdt,
      Stopper stopper, LongSupplier tsc) {
    this.engine = engine;
    this.cpu = cpu;
    this.firmwareIdt = firmwareIdt;
    this.stopper = stopper;
    this.tsc = tsc;
    this.delivery = new ExceptionDelivery(engine, memory);
  }

  /** The byte after {@code 0F} of the instructions watched: WRMSR, RDMSR, MOV to CRn, SYSCALL, SYSRET. */
  public static boolean secondOpcodeByte(byte b) {
    return b == 0x30 || b == 0x32 || b == 0x22 || b == 0x05 || b == 0x07;
  }

  @Override
  public boolean wants(byte secondOpcodeByte) {
    return secondOpcodeByte(secondOpcodeByte);
  }

  /** An instruction decoded in a newly translated block: watched when it is one of the instructions above. */
  @Override
  public void decoded(Instruction in) {
    if (kind(in) != null) watch(in.address());
  }

  /**
   * A place where such an instruction may start (its {@code 0F} byte, or a prefix before it), found by scanning
   * code: watched; the hook decodes what runs there and ignores anything else.
   */
  @Override
  public void candidate(long address) {
    watch(address);
  }

  /** Sites watched so far. */
  public int siteCount() {
    return sites.size();
  }

  /** Faults raised so far (delivered or stopping the run). */
  public long faults() {
    return faults;
  }

  private void watch(long site) {
    if (sites.containsKey(site)) return;
    engine.translationSideEffect(); // a site found in translated code: nothing is kept after this machine
    sites.put(site, engine.addCodeHook(site, site, this::check));
  }

  private enum Kind { RDMSR, WRMSR, MOV_CR, SYSCALL, SYSRET }

  private static Kind kind(Instruction in) {
    String m = in.mnemonic().trim().toLowerCase(Locale.ROOT);
    if (m.equals("rdmsr")) return Kind.RDMSR;
    if (m.equals("wrmsr")) return Kind.WRMSR;
    if (m.equals("syscall")) return Kind.SYSCALL;
    if (m.startsWith("sysret")) return Kind.SYSRET;
    if (m.equals("mov") && in.operands().trim().toLowerCase(Locale.ROOT).startsWith("cr")) return Kind.MOV_CR;
    return null;
  }

  private void check(long address, int size) {
    if (size <= 0 || size > 15) return;
    if (disassembler == null) disassembler = new Disassembler();
    List<Instruction> one = disassembler.disassemble(engine.read(address, size), address, 1);
    if (one.isEmpty() || one.get(0).size() != size) return;
    Instruction in = one.get(0);
    Kind kind = kind(in);
    if (kind == null) return;
    long efer = engine.readMsr(ModelSpecificRegisters.EFER);
    Optional<CpuFault> fault = switch (kind) {
      case RDMSR -> {
        int msr = (int) engine.reg(X86Reg.RCX);
        if (!ModelSpecificRegisters.readable(msr)) {
          yield Optional.of(CpuFault.gp(String.format("rdmsr of MSR 0x%X, which the emulated CPU does not implement",
              msr)));
        }
        if (msr == ModelSpecificRegisters.IA32_TIME_STAMP_COUNTER) {
          long t = tsc.getAsLong(); // the virtual clock, as RDTSC reads it
          engine.reg(X86Reg.RAX, t & 0xFFFF_FFFFL);
          engine.reg(X86Reg.RDX, t >>> 32);
          engine.reg(X86Reg.RIP, address + size);
        }
        yield Optional.empty();
      }
      case WRMSR -> {
        int msr = (int) engine.reg(X86Reg.RCX);
        long value = (engine.reg(X86Reg.RAX) & 0xFFFF_FFFFL) | (engine.reg(X86Reg.RDX) << 32);
        if (!ModelSpecificRegisters.writable(msr)) {
          yield Optional.of(CpuFault.gp(String.format("wrmsr of 0x%X to MSR 0x%X, which the emulated CPU does not "
              + "implement%s", value, msr, ModelSpecificRegisters.readable(msr) ? " for writing" : "")));
        }
        if (msr == ModelSpecificRegisters.EFER) {
          yield ModelSpecificRegisters.eferWriteFault(value, efer, engine.reg(X86Reg.CR0), cpu)
              .map(why -> CpuFault.gp("wrmsr EFER: " + why));
        }
        yield Optional.empty();
      }
      case MOV_CR -> movToCr(in, efer);
      case SYSCALL, SYSRET -> (efer & ModelSpecificRegisters.EFER_SCE) == 0
          ? Optional.of(CpuFault.ud(in.mnemonic().trim() + " with EFER.SCE = 0 (EFER 0x" + Long.toHexString(efer)
          + ")")) : Optional.empty();
    };
    fault.ifPresent(f -> raise(f, address, in));
  }

  private Optional<CpuFault> movToCr(Instruction in, long efer) {
    String[] ops = in.operands().trim().toLowerCase(Locale.ROOT).split("\\s*,\\s*");
    if (ops.length != 2) return Optional.empty();
    X86Reg source;
    try {
      source = X86Reg.valueOf(ops[1].toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    long value = engine.reg(source);
    Optional<String> why = switch (ops[0]) {
      case "cr0" -> ControlRegisters.cr0Fault(value, efer, engine.reg(X86Reg.CR4));
      case "cr4" -> ControlRegisters.cr4Fault(value, engine.reg(X86Reg.CR4), efer, engine.reg(X86Reg.CR3), cpu);
      case "cr8" -> ControlRegisters.cr8Fault(value);
      default -> Optional.empty();
    };
    return why.map(w -> CpuFault.gp("mov " + ops[0] + ", " + ops[1] + ": " + w));
  }

  private void raise(CpuFault fault, long address, Instruction in) {
    faults++;
    X86Mmr.Value idtr = engine.mmr(X86Mmr.IDTR);
    String at = String.format("%s at RIP 0x%X (%s)", fault.name(), address, in.text());
    if (idtr.base() == firmwareIdt) {
      StopReason reason = fault.vector() == CpuFault.GP ? StopReason.GENERAL_PROTECTION
          : fault.vector() == CpuFault.UD ? StopReason.INVALID_OPCODE : StopReason.EXCEPTION;
      // the hook runs before the instruction and the stop lands before it: the instruction does not run (no RIP
      // write here: in Unicorn 2.0.1 a RIP write sets quit_request, which cancels the stop request)
      stopper.stop(reason, at + ": " + fault.cause() + "; the firmware's exception handler stops here (EDK2 "
          + "CpuExceptionHandlerLib: dump and CpuDeadLoop)");
      return;
    }
    ExceptionDelivery.Outcome o = delivery.deliver(fault, address);
    if (o.tripleFault()) {
      stopper.stop(StopReason.TRIPLE_FAULT, "triple fault → reset: " + at + "; guest IDT at 0x"
          + Long.toHexString(idtr.base()) + " limit 0x" + Integer.toHexString(idtr.limit() & 0xFFFF) + ": "
          + o.describe());
    }
  }

  @Override
  public void close() {
    sites.values().forEach(Hook::close);
    sites.clear();
    if (disassembler != null) disassembler.close();
  }
}
