package org.efiemu.core.debug;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.UnicornLoader;

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
  private static final long PAGE = 4096;
  private static final int PROT_READ_WRITE = 3;
  private static final int PROT_READ_EXEC = 5;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x22;

  private final Memory data = new Memory(16);
  private Pointer code;
  private Hook hook;

  NativeStopFlag(Engine engine) {
    Function mmap = Function.getFunction("c", "mmap");
    code = (Pointer) mmap.invoke(Pointer.class,
        new Object[] {Pointer.NULL, PAGE, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L});
    if (code == null || Pointer.nativeValue(code) == -1L) {
      throw new IllegalStateException("mmap of a page for the debugger's stop-flag hook failed");
    }
    code.write(0, CODE, 0, CODE.length);
    int rc = Function.getFunction("c", "mprotect").invokeInt(new Object[] {code, PAGE, PROT_READ_EXEC});
    if (rc != 0) throw new IllegalStateException("mprotect(PROT_READ|PROT_EXEC) of the stop-flag hook failed");
    NativeLibrary lib = UnicornLoader.load();
    data.setLong(0, 0);
    data.setLong(8, Pointer.nativeValue(lib.getFunction("uc_emu_stop")));
    hook = engine.addNativeCodeHook(Pointer.nativeValue(code), Pointer.nativeValue(data), "debugger stop flag");
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
    if (hook != null) hook.close();
    hook = null;
    if (code != null) {
      Function.getFunction("c", "munmap").invoke(int.class, new Object[] {code, PAGE});
      code = null;
    }
  }
}
