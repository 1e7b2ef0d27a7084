package org.efiemu.core.cpu;

import java.util.Optional;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Mmr;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.GuestMemory;

/**
 * Exceptions Unicorn raises itself ({@code ud2} and other invalid opcodes as #UD, a divide error as #DE, {@code int3},
 * {@code int n}), delivered to the guest's own IDT as a CPU does, through {@link ExceptionDelivery} (same gate
 * checks, #DF and triple-fault rules). While IDTR is still efiemu's firmware IDT nothing is delivered and the run
 * stops as before (EDK2's {@code CpuExceptionHandlerLib} dumps and dead-loops).
 *
 * <p>Why after the run and not in the hook: Unicorn 2.0.1 calls the {@code UC_HOOK_INTR} hook from
 * {@code cpu_handle_exception} and then sets EIP to {@code exception_next_eip}, overwriting a RIP the hook wrote;
 * an invalid opcode does not reach that hook at all (it ends {@code uc_emu_start} with {@code UC_ERR_INSN_INVALID},
 * RIP on the instruction). So the hook only records the exception and the RIP it happened at ({@link #intercept}),
 * the machine stops the engine, and {@link #deliverPending} (or {@link #invalidOpcode}) delivers it once
 * {@code uc_emu_start} returned, after which the run goes on at the handler.
 *
 * <p>A fault pushes the RIP of the faulting instruction (it restarts, Intel SDM vol. 3A §6.5); {@code int3} and
 * {@code int n} are software interrupts: they push the RIP after the instruction and never an error code, even for
 * vectors that have one when the CPU raises them (SDM vol. 3A §6.4.2, §6.12). A page fault (#PF) is not delivered:
 * Unicorn 2.0.1 does not expose its error code (whether the access was a read, a write or a fetch), so it still stops
 * the run, as does every exception while the firmware IDT is loaded.
 */
public final class EngineExceptions {
  private final Engine engine;
  private final GuestMemory memory;
  private final long firmwareIdt;
  private final ExceptionDelivery delivery;
  private CpuFault pending;
  private long pendingRip;
  private boolean pendingSoftware;
  private long delivered;

  public EngineExceptions(Engine engine, GuestMemory memory, long firmwareIdt) {
    this.engine = engine;
    this.memory = memory;
    this.firmwareIdt = firmwareIdt;
    this.delivery = new ExceptionDelivery(engine, memory);
  }

  /** True when the guest has loaded its own IDT (IDTR is no longer the firmware's). */
  public boolean guestIdt() {
    return engine.mmr(X86Mmr.IDTR).base() != firmwareIdt;
  }

  /**
   * From the {@code UC_HOOK_INTR} hook: when the guest's own IDT is loaded and {@code vector} is one this class
   * delivers, records it for {@link #deliverPending} and returns true (the caller stops the engine); else false
   * (the caller stops the run as before).
   */
  public boolean intercept(int vector) {
    if (vector == CpuFault.PF || vector < 0 || vector > 255 || !guestIdt()) return false;
    long rip = engine.reg(X86Reg.RIP);
    long after = softwareReturn(rip, vector);
    if (after != 0) {
      pending = new CpuFault(vector, 0, vector == 3 && after - rip == 1 ? "int3 at RIP 0x" + Long.toHexString(after - 1)
          : String.format("int 0x%X before RIP 0x%X", vector, after));
      pendingRip = after;
      pendingSoftware = true;
      return true;
    }
    if (vector != CpuFault.DE && vector != 1 && vector != 3 && vector != 4 && vector != 5 && vector != CpuFault.UD
        && vector != 7 && vector != 16 && vector != 19) {
      return false; // exceptions with an error code need one the engine does not give
    }
    pending = new CpuFault(vector, 0, String.format("%s raised by the instruction at RIP 0x%X",
        CpuFault.mnemonic(vector), rip));
    pendingRip = rip;
    pendingSoftware = false;
    return true;
  }

  /**
   * The RIP after the software-interrupt instruction raising {@code vector}, or 0 if it is not one. In Unicorn 2.0.1
   * the hook sees RIP on {@code int3} ({@code CC}) but already after {@code int n} ({@code CD nn}); a {@code CD nn}
   * at RIP is accepted too. #DE and #UD are never taken for {@code int 0}/{@code int 6} by the bytes before RIP (a
   * faulting instruction may follow bytes that happen to read {@code CD 00}).
   */
  private long softwareReturn(long rip, int vector) {
    if (vector == 3 && memory.isRam(rip, 1) && memory.u8(rip) == 0xCC) return rip + 1;
    if (vector != CpuFault.DE && vector != CpuFault.UD && memory.isRam(rip - 2, 2) && memory.u8(rip - 2) == 0xCD
        && memory.u8(rip - 1) == vector) {
      return rip;
    }
    if (memory.isRam(rip, 2) && memory.u8(rip) == 0xCD && memory.u8(rip + 1) == vector) return rip + 2;
    return 0;
  }

  /** True while an exception recorded by {@link #intercept} waits for {@link #deliverPending}. */
  public boolean hasPending() {
    return pending != null;
  }

  /**
   * Delivers the exception {@link #intercept} recorded. Empty when the handler was entered (RIP is the handler's);
   * otherwise the triple-fault description (the chain of faults) for a {@code TRIPLE_FAULT} stop.
   */
  public Optional<String> deliverPending() {
    CpuFault f = pending;
    pending = null;
    return deliver(f, pendingRip, pendingSoftware);
  }

  /**
   * After {@code uc_emu_start} ended with {@code UC_ERR_INSN_INVALID} (RIP on the instruction): when the guest's own
   * IDT is loaded, delivers #UD and returns the outcome (empty: the handler was entered; else the triple-fault
   * description); when the firmware IDT is loaded, returns null and the run stops as before.
   */
  public Optional<String> invalidOpcode() {
    if (!guestIdt()) return null;
    long rip = engine.reg(X86Reg.RIP);
    return deliver(CpuFault.ud("invalid opcode at RIP 0x" + Long.toHexString(rip).toUpperCase(java.util.Locale.ROOT)),
        rip, false);
  }

  private Optional<String> deliver(CpuFault f, long rip, boolean software) {
    delivered++;
    X86Mmr.Value idtr = engine.mmr(X86Mmr.IDTR);
    ExceptionDelivery.Outcome o = delivery.deliver(f, rip, software);
    if (!o.tripleFault()) return Optional.empty();
    return Optional.of(String.format("triple fault → reset: %s; guest IDT at 0x%X limit 0x%X: %s", f, idtr.base(),
        idtr.limit() & 0xFFFF, o.describe()));
  }

  /** Exceptions delivered (or attempted, ending in a triple fault) so far. */
  public long delivered() {
    return delivered;
  }
}
