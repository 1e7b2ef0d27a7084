package org.efiemu.core.engine;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import java.util.Objects;

/**
 * A {@code UC_HOOK_CODE} hook over all code whose callback is a few bytes of x86-64 System V machine code (a
 * {@code uc_cb_hookcode_t}: {@code rdi = uc}, {@code rcx = user_data}) instead of a Java method, for per-instruction
 * work that must not cross into Java (the clock's instruction counter, the debugger's stop flag). The code is copied
 * into one private anonymous page ({@code mmap}), made read+execute ({@code mprotect}, never writable and executable
 * at once) and installed with {@link Engine#addNativeCodeHook}; {@link #close()} removes the hook and unmaps the page.
 */
public final class NativeCodeHook implements AutoCloseable {
  private static final long PAGE = 4096;
  private static final int PROT_READ_WRITE = 3;
  private static final int PROT_READ_EXEC = 5;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x22;

  private Pointer code;
  private Hook hook;

  private NativeCodeHook(Pointer code) {
    this.code = code;
  }

  /**
   * Installs {@code machineCode} (at most one page) as a native all-code hook on {@code engine}, passing
   * {@code userData} (the address of the callback's data block) as {@code user_data}; {@code purpose} names it in the
   * hook's description and in errors, e.g. {@code "instruction counter"}.
   */
  public static NativeCodeHook install(Engine engine, byte[] machineCode, Pointer userData, String purpose) {
    Objects.requireNonNull(userData, "userData");
    if (machineCode.length == 0 || machineCode.length > PAGE) {
      throw new IllegalArgumentException("native hook code for the " + purpose + " is " + machineCode.length
          + " bytes; expected 1 to " + PAGE);
    }
    Function mmap = Function.getFunction("c", "mmap");
    Pointer code = (Pointer) mmap.invoke(Pointer.class,
        new Object[] {Pointer.NULL, PAGE, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L});
    if (code == null || Pointer.nativeValue(code) == -1L) {
      throw new IllegalStateException("mmap of a page for the " + purpose + " hook failed");
    }
    NativeCodeHook h = new NativeCodeHook(code);
    try {
      code.write(0, machineCode, 0, machineCode.length);
      int rc = Function.getFunction("c", "mprotect").invokeInt(new Object[] {code, PAGE, PROT_READ_EXEC});
      if (rc != 0) {
        throw new IllegalStateException("mprotect(PROT_READ|PROT_EXEC) of the " + purpose + " hook's page failed");
      }
      h.hook = engine.addNativeCodeHook(Pointer.nativeValue(code), Pointer.nativeValue(userData), purpose);
      return h;
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
  }

  /** The address of {@code uc_emu_stop} in the loaded Unicorn library, for callbacks that stop emulation. */
  public static long ucEmuStop() {
    return Pointer.nativeValue(UnicornLoader.load().getFunction("uc_emu_stop"));
  }

  /** Removes the hook and unmaps the code page. Idempotent. */
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
