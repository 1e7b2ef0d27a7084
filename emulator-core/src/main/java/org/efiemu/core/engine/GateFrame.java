package org.efiemu.core.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a {@link Hooks.GateHook} sees of one entry into a gate slot: the stack pointer, the Microsoft x64 argument
 * registers (RCX, RDX, R8, R9; UEFI 2.10 §2.3.4.2), CR3 and the 64-bit value at [RSP] (the caller's return
 * address), all read before the hook runs, plus where the hook leaves the value for RAX. One frame per hook, reused
 * for every call (no allocation on the hot path); valid only during {@link Hooks.GateHook#onGate}.
 */
public final class GateFrame {
  /** The RAX exchange block {@code [value, write flag]}: native memory of the shim, or a Java buffer under JNA. */
  private final ByteBuffer result;
  long rsp;
  long rcx;
  long rdx;
  long r8;
  long r9;
  long cr3;
  private long returnAddress;
  private int returnAddressError;

  GateFrame(ByteBuffer result) {
    this.result = result.order(ByteOrder.nativeOrder());
  }

  void enter(long rsp, long rcx, long rdx, long r8, long r9, long cr3, long returnAddress, int error) {
    this.rsp = rsp;
    this.rcx = rcx;
    this.rdx = rdx;
    this.r8 = r8;
    this.r9 = r9;
    this.cr3 = cr3;
    this.returnAddress = returnAddress;
    this.returnAddressError = error;
    result.putLong(8, 0);
  }

  public long rsp() {
    return rsp;
  }

  /** Argument register {@code i} (0 = RCX, 1 = RDX, 2 = R8, 3 = R9). */
  public long registerArgument(int i) {
    return switch (i) {
      case 0 -> rcx;
      case 1 -> rdx;
      case 2 -> r8;
      case 3 -> r9;
      default -> throw new IllegalArgumentException("register argument index " + i + " is not 0..3");
    };
  }

  public long cr3() {
    return cr3;
  }

  /**
   * The 64-bit value at [RSP]; throws {@link EngineException} ({@code mem_read}) when RSP pointed at unmapped
   * memory.
   */
  public long returnAddress() {
    if (returnAddressError != 0) {
      throw new EngineException(returnAddressError, Engine.errorText(UcError.of(returnAddressError)),
          String.format("mem_read address=0x%X, size=0x8 (return address at RSP)", rsp));
    }
    return returnAddress;
  }

  /** RAX to write when the hook returns (not written unless this is called). */
  public void setRax(long value) {
    result.putLong(0, value);
    result.putLong(8, 1);
  }

  boolean writesRax() {
    return result.getLong(8) != 0;
  }

  long rax() {
    return result.getLong(0);
  }
}
