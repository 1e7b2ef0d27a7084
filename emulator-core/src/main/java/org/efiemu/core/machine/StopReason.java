package org.efiemu.core.machine;

/** Why a run ended. */
public enum StopReason {
  /** The called guest function returned to the host. */
  RETURNED("guest function returned"),
  /** HLT executed. */
  HLT("HLT executed"),
  /** #UD, invalid or unsupported opcode (vector 6). */
  INVALID_OPCODE("#UD invalid opcode"),
  /** #GP general protection (vector 13). */
  GENERAL_PROTECTION("#GP general protection fault"),
  /** #PF page fault (vector 14). */
  PAGE_FAULT("#PF page fault"),
  /** INT3 (vector 3). */
  BREAKPOINT("INT3 breakpoint"),
  /** Another CPU exception or software interrupt. */
  EXCEPTION("CPU exception"),
  /** Access to an address that is neither RAM nor a device. */
  MEMORY_FAULT("access outside RAM and devices"),
  /** Access refused by page protection. */
  PROTECTION_FAULT("access refused by page protection"),
  /** The instruction budget ran out. */
  BUDGET("instruction budget exhausted"),
  /** The host wall-clock limit ran out. */
  TIMEOUT("wall-clock limit reached"),
  /** Host code asked the run to stop. */
  HOST_STOP("stopped by the host"),
  /**
   * The guest touched an address at or above the engine's physical address limit ({@link LongMode#PHYSICAL_LIMIT},
   * 1 TiB on Unicorn 2.0.1), which its page walk cannot reach.
   */
  ABOVE_PHYSICAL_LIMIT("access at or above the engine's physical address limit"),
  /** The guest loaded page tables that do not map virtual = physical, which the engine cannot follow. */
  PAGING_UNSUPPORTED("guest paging with virtual != physical is not emulated"),
  /**
   * A fault while delivering a double fault through the guest's IDT (Intel SDM vol. 3A §6.15, interrupt 8): the
   * processor shuts down, which a PC's chipset turns into a reset. The run ends here.
   */
  TRIPLE_FAULT("triple fault → reset"),
  /** The engine reported an error this machine does not classify. */
  ENGINE_ERROR("engine error");

  private final String text;

  StopReason(String text) {
    this.text = text;
  }

  /** A short human description. */
  public String text() {
    return text;
  }
}
