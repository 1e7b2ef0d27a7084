package org.efiemu.core.engine;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The JNA fallback of {@link Engine#addGateHook} ({@link GateDispatch#JNA}): the same work as the C callback of
 * {@link NativeGate} — filter slot starts, one register batch, the 8-byte read at RSP, the hook, the RAX write —
 * done through JNA direct-mapped calls.
 */
final class JnaGateCallback implements UnicornLib.uc_cb_hookcode_t {
  private final Engine engine;
  private final Hooks.GateHook hook;
  private final long begin;
  private final long mask;
  private final RegisterBatch regs;
  private final GateFrame frame = new GateFrame(ByteBuffer.allocate(16));
  private final ByteBuffer word = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
  private final long wordAddress = Pointer.nativeValue(Native.getDirectBufferPointer(word));

  JnaGateCallback(Engine engine, Hooks.GateHook hook, long begin, int slot) {
    this.engine = engine;
    this.hook = hook;
    this.begin = begin;
    this.mask = slot - 1;
    this.regs = engine.batch(X86Reg.RSP, X86Reg.RCX, X86Reg.RDX, X86Reg.R8, X86Reg.R9, X86Reg.CR3);
  }

  @Override
  public void invoke(long uc, long address, int size, long userData) {
    try {
      long off = address - begin;
      if ((off & mask) != 0 || off == 0) return;
      regs.read();
      long rsp = regs.get(0);
      int err = UnicornLib.uc_mem_read(uc, rsp, wordAddress, 8);
      frame.enter(rsp, regs.get(1), regs.get(2), regs.get(3), regs.get(4), regs.get(5),
          err == 0 ? word.getLong(0) : 0, err);
      hook.onGate(address, frame);
      if (frame.writesRax()) engine.reg(X86Reg.RAX, frame.rax());
    } catch (Throwable t) {
      engine.fail(t);
    }
  }
}
