package org.efiemu.core.machine;

/**
 * An asynchronous interrupt on virtual time, as a platform's periodic timer raises one (Intel SDM vol. 3A §6.3; the
 * UEFI firmware's timer tick, UEFI 2.10 §7.1.5). The machine asks {@link #nextInterruptCycles()} before each stretch of
 * guest code and stops at the first translated-block boundary at which virtual time has reached that point (RIP and
 * the instruction count exact there; no cost per instruction), then calls {@link #interrupt()}. What happens is the
 * source's to decide: enter a handler with {@link Machine#enterInterrupt} (the run goes on there and comes back with
 * {@link Machine#returnFromInterrupt}), or decline because the CPU has the interrupt masked (the guest goes on where it
 * was). In every counting mode ({@link org.efiemu.core.clock.VirtualClock#interruptsAsynchronous()}): by block at the
 * first block boundary at or after the point, per instruction before the first instruction at or after it, and in
 * {@link org.efiemu.core.clock.ClockMode#HOST_EVENTS} (time moves only at host calls and RDTSC reads) at the block
 * boundary after the event that reached it. Everything here is on virtual time, so the same run delivers the same
 * interrupts at the same instructions.
 */
public interface InterruptSource {
  /** Virtual cycle count at which the source next wants the CPU, or -1 for none. */
  long nextInterruptCycles();

  /**
   * Virtual time reached {@link #nextInterruptCycles()} before the block at RIP. Returns true when the interrupt was
   * taken (the source entered its handler), false when the CPU masks it now (the machine then asks for the next
   * point and the guest goes on).
   */
  boolean interrupt();

  /**
   * A HLT stopped the guest (RIP after it) with no interrupt due: returns true when the source wakes the CPU (it moves
   * virtual time and entered its handler, as {@link #interrupt()}), false when nothing it has can (the run then ends
   * with {@link StopReason#HLT}). The default: nothing.
   */
  default boolean halted() {
    return false;
  }
}
