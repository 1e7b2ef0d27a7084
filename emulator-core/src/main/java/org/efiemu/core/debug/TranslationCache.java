package org.efiemu.core.debug;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.EngineException;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.engine.UnicornLoader;

/**
 * Flushes Unicorn's translated code ({@code uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0))}, unicorn.h). Code
 * translated before a bounded code hook was added carries no call to the hook (on a machine without an all-code
 * hook the breakpoint would be missed), and code translated while a hook existed keeps calling the hook helper after
 * it is removed; flushing after every change gives exact breakpoints and no residual cost.
 */
final class TranslationCache {
  /** {@code UC_CTL_TB_FLUSH} (10) | 0 arguments &lt;&lt; 26 | {@code UC_CTL_IO_WRITE} &lt;&lt; 30. */
  private static final int TB_FLUSH = 10 | (1 << 30);

  private TranslationCache() {}

  /** Drops all translated code (slow on Unicorn 2.0.1: tens of milliseconds and more). */
  static void flush(Engine engine) {
    Function ctl = UnicornLoader.load().getFunction("uc_ctl");
    int err = ctl.invokeInt(new Object[] {new Pointer(engine.handle()), TB_FLUSH});
    if (err != 0) {
      throw new EngineException(err, UnicornLib.uc_strerror(err), "ctl UC_CTL_TB_FLUSH");
    }
  }

  /** Drops the translated blocks holding code of {@code [begin, end)} ({@link Engine#removeTranslations}). */
  static void invalidate(Engine engine, long begin, long end) {
    engine.removeTranslations(begin, end);
  }
}
