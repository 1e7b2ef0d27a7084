package org.efiemu.core.clock;

import com.sun.jna.Memory;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.NativeCodeHook;

/**
 * Counts the instructions the guest begins, without a Java call per instruction: a 22-byte native
 * {@code uc_cb_hookcode_t} callback installed as a {@code UC_HOOK_CODE} hook over all code increments a 64-bit
 * counter and, once the counter passes a limit, tail-calls {@code uc_emu_stop(uc)} (the same mechanism Unicorn
 * uses for {@code uc_emu_start}'s {@code count}, whose counter is not readable through the API).
 *
 * <p>The callback is x86-64 System V machine code in one private page of this instance ({@link NativeCodeHook},
 * freed by {@link #close()}); its data block holds {@code [count, limit, &uc_emu_stop]}:
 * <pre>
 *   mov rax,[rcx]; inc rax; mov [rcx],rax     ; ++count (rcx = user_data)
 *   cmp rax,[rcx+8]; jbe done                 ; count &lt;= limit: keep running
 *   mov rax,[rcx+16]; jmp rax                 ; uc_emu_stop(uc) (rdi = uc already)
 *   done: ret
 * </pre>
 * The hook fires before each instruction; when the limit stops a run, the instruction that made the counter pass
 * the limit was not executed.
 *
 * <p>Cost: an all-code hook makes Unicorn 2.0.1 call its hook helper and write back RIP and EFLAGS before every guest
 * instruction (a strategy scenario's guest code: ~5.3 ms with this counter, ~2.3 ms with no all-code hook). That
 * write-back is also what keeps RIP exact inside memory hooks. {@link BlockCounter} gives the same counts with one
 * call per translated block; this counter is the default ({@link InstructionCounting#PER_INSTRUCTION}), the fallback
 * where the block counter is unavailable, and the reference it is tested against.
 */
public final class NativeCounter implements AutoCloseable {
  private static final byte[] CODE = {
      0x48, (byte) 0x8B, 0x01, 0x48, (byte) 0xFF, (byte) 0xC0, 0x48, (byte) 0x89, 0x01,
      0x48, 0x3B, 0x41, 0x08, 0x76, 0x06, 0x48, (byte) 0x8B, 0x41, 0x10, (byte) 0xFF, (byte) 0xE0, (byte) 0xC3};

  private final Memory data = new Memory(24);
  private final NativeCodeHook hook;

  /** Installs the counter on {@code engine}, starting at zero with no limit. */
  public NativeCounter(Engine engine) {
    String arch = System.getProperty("os.arch");
    if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
      throw new UnsupportedOperationException("the native instruction counter needs an x86-64 host (os.arch="
          + arch + "); use ClockMode.HOST_EVENTS");
    }
    data.setLong(0, 0);
    data.setLong(8, -1L);
    data.setLong(16, NativeCodeHook.ucEmuStop());
    hook = NativeCodeHook.install(engine, CODE, data, "native counter");
  }

  /** Instructions begun since the counter was installed or last set. */
  public long count() {
    return data.getLong(0);
  }

  public void set(long count) {
    data.setLong(0, count);
  }

  /** Stops emulation when the count passes {@code limit} (unsigned); -1 for no limit. */
  public void limit(long limit) {
    data.setLong(8, limit);
  }

  @Override
  public void close() {
    hook.close();
  }
}
