package org.efiemu.core.gate;

import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.GuestMemory;

/**
 * What a {@link HostFunction} sees of one guest call (Microsoft x64 convention, UEFI 2.10 §2.3.4.2): arguments 0-3
 * in RCX, RDX, R8, R9, the rest on the caller's stack above the 32-byte shadow space; the result goes to RAX.
 */
public final class CallContext {
  private final CallGate gate;
  private final Engine engine;
  private final GuestMemory memory;
  private final String label;
  private final long entry;
  private final long rsp;
  private final long[] regArgs;
  private final long returnAddress;
  /** Set by the gate for functions that may call the guest. */
  Continuation continuation;

  /** {@code regArgs}: RCX, RDX, R8, R9 as read at entry (before a nested guest call can change them). */
  CallContext(CallGate gate, Engine engine, GuestMemory memory, String label, long entry, long rsp, long[] regArgs,
      long returnAddress) {
    this.gate = gate;
    this.engine = engine;
    this.memory = memory;
    this.label = label;
    this.entry = entry;
    this.rsp = rsp;
    this.regArgs = regArgs;
    this.returnAddress = returnAddress;
  }

  /** Argument {@code i} (0-based, any count) as a 64-bit value. */
  public long arg(int i) {
    if (i < 0) throw new IllegalArgumentException("argument index " + i + " of " + label + " is negative");
    if (i < 4) return regArgs[i];
    long slot = rsp + 8 + 32 + 8L * (i - 4);
    // the error's text only for an error: the sanitizer reads every argument at each host write of a call
    if (!memory.isRam(slot, 8)) memory.require(slot, 8, "stack argument " + i + " of " + label);
    return memory.u64(slot);
  }

  /**
   * Replaces argument {@code i} (0-based) before the host function reads it, for interceptors that change a call
   * (UEFI 2.10 §2.3.4.2): arguments 0-3 are the values {@link #arg} returns for RCX, RDX, R8, R9 (those registers are
   * volatile, the guest cannot observe them after the call); arguments 4+ are written to their stack slot, which the
   * callee owns.
   *
   * @throws IllegalArgumentException for a negative index; {@code GuestMemoryException} when the slot is not RAM
   */
  public void setArg(int i, long value) {
    if (i < 0) throw new IllegalArgumentException("argument index " + i + " of " + label + " is negative");
    if (i < 4) {
      regArgs[i] = value;
      return;
    }
    long slot = rsp + 8 + 32 + 8L * (i - 4);
    memory.require(slot, 8, "stack argument " + i + " of " + label);
    memory.putU64(slot, value);
  }

  /** The caller's return address (at [RSP] on entry). */
  public long returnAddress() {
    return returnAddress;
  }

  /** RSP at the function's entry (pointing at the return address). */
  public long stackPointer() {
    return rsp;
  }

  /** The function's label. */
  public String label() {
    return label;
  }

  /** The function's entry address in the trap region. */
  public long entry() {
    return entry;
  }

  public GuestMemory memory() {
    return memory;
  }

  /** Reads a register of the calling CPU. */
  public long reg(X86Reg reg) {
    return engine.reg(reg);
  }

  /**
   * Sets or clears RFLAGS.IF of the calling CPU, as firmware code that executes STI or CLI before it returns (the
   * flag survives the return to the caller; Intel SDM vol. 2B, STI/CLI).
   */
  public void interruptFlag(boolean enabled) {
    long f = engine.reg(X86Reg.RFLAGS);
    long n = enabled ? f | (1L << 9) : f & ~(1L << 9);
    if (n != f) engine.reg(X86Reg.RFLAGS, n);
  }

  /** Ends the run after this call returns to the host, with {@code reason} in the stop report. */
  public void stop(String reason) {
    gate.requestStop(label + ": " + reason);
  }

  /**
   * Calls guest function {@code fn} with the Microsoft x64 convention and returns its RAX. Only functions
   * registered with {@link CallGate#registerCallingGuest} may do this (they run on a continuation thread while
   * the guest code runs in the same emulation; see {@link CallGate}).
   */
  public long callGuest(long fn, long... args) {
    return gate.callGuest(this, fn, args);
  }
}
