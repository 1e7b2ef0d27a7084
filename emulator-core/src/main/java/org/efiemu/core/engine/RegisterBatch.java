package org.efiemu.core.engine;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Registers read with one {@code uc_reg_read_batch} call: the register numbers and the value pointers live in native
 * memory built once, the values land in a direct buffer that {@link #get} reads without a native call. Used on hot
 * paths (the call gate reads RSP and the four argument registers per guest call). Not thread-safe; belongs to its
 * {@link Engine}.
 */
public final class RegisterBatch {
  private final Engine engine;
  private final X86Reg[] regs;
  private final ByteBuffer ids;
  private final ByteBuffer pointers;
  private final ByteBuffer values;
  private final long idsAddress;
  private final long pointersAddress;

  RegisterBatch(Engine engine, X86Reg... regs) {
    if (regs.length == 0) throw new IllegalArgumentException("a register batch needs at least one register");
    this.engine = engine;
    this.regs = regs.clone();
    ids = ByteBuffer.allocateDirect(4 * regs.length).order(ByteOrder.nativeOrder());
    pointers = ByteBuffer.allocateDirect(8 * regs.length).order(ByteOrder.nativeOrder());
    values = ByteBuffer.allocateDirect(8 * regs.length).order(ByteOrder.LITTLE_ENDIAN);
    idsAddress = address(ids);
    pointersAddress = address(pointers);
    long valuesAddress = address(values);
    for (int i = 0; i < regs.length; i++) {
      ids.putInt(4 * i, regs[i].id());
      pointers.putLong(8 * i, valuesAddress + 8L * i);
    }
  }

  private static long address(ByteBuffer b) {
    return Pointer.nativeValue(Native.getDirectBufferPointer(b));
  }

  /** Reads all registers of the batch now. */
  public RegisterBatch read() {
    int err = UnicornLib.uc_reg_read_batch(engine.handle(), idsAddress, pointersAddress, regs.length);
    if (err != 0) Engine.check(err, "reg_read_batch " + Arrays.toString(regs));
    return this;
  }

  /** The value of the {@code i}-th register of the batch as of the last {@link #read()}. */
  public long get(int i) {
    return values.getLong(8 * i);
  }

  /** The registers, in batch order. */
  public X86Reg[] registers() {
    return regs.clone();
  }
}
