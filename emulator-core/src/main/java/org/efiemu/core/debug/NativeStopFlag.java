package org.efiemu.core.debug;

import com.sun.jna.Memory;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.NativeCodeHook;

/**
 * Stops emulation at the start of the next instruction once {@link #raise()} was called, without calling Java per
 * instruction: a 15-byte native {@code uc_cb_hookcode_t} installed as a {@code UC_HOOK_CODE} hook over all code
 * reads a flag in its data block {@code [flag, &uc_emu_stop]} and tail-calls {@code uc_emu_stop(uc)} when it is set.
 * <pre>
 *   mov rax,[rcx]; test rax,rax; jz done   ; rcx = user_data
 *   mov rax,[rcx+8]; jmp rax               ; uc_emu_stop(uc) (rdi = uc already)
 *   done: ret
 * </pre>
 * Watchpoints need it: Unicorn 2.0.1 stopped from a memory-write hook leaves RIP on the writing instruction although
 * its store has been done, so resuming would repeat the store; instead the write hook raises this flag and the
 * stop lands on the following instruction, with the writing one complete.
 */
final class NativeStopFlag implements AutoCloseable {
  private static final byte[] CODE = {0x48, (byte) 0x8B, 0x01, 0x48, (byte) 0x85, (byte) 0xC0, 0x74, 0x06, 0x48,
      (byte) 0x8B, 0x41, 0x08, (byte) 0xFF, (byte) 0xE0, (byte) 0xC3};

  private final Memory data = new Memory(16);
  private final NativeCodeHook hook;

  NativeStopFlag(Engine engine) {
    data.setLong(0, 0);
    data.setLong(8, NativeCodeHook.ucEmuStop());
    hook = NativeCodeHook.install(engine, CODE, data, "debugger stop flag");
  }

  /** The next instruction will not start: emulation stops before it. */
  void raise() {
    data.setLong(0, 1);
  }

  void clear() {
    data.setLong(0, 0);
  }

  @Override
  public void close() {
    hook.close();
  }
}
