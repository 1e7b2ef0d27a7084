package org.efiemu.core.debug.gdb;

import java.util.List;
import java.util.OptionalLong;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.StopEvent;

/**
 * What the GDB stub drives. The core stub needs only a {@link Debugger}; an upper layer (uefi-services' debug
 * session) implements the rest to reach its own views without the core knowing them: {@code monitor} commands
 * (qRcmd), where its images are loaded (qOffsets, qXfer:libraries:read), runs that may rebuild the machine (service
 * breakpoints, back) and reverse execution ({@code bs}/{@code bc}).
 */
public interface GdbTarget {
  /** The debugger of the current machine; may be a new instance after any other method of this interface ran. */
  Debugger debugger();

  /** Runs one instruction ({@code step}) or until something stops the guest. */
  default StopEvent resume(boolean step) {
    return step ? debugger().step() : debugger().cont();
  }

  /**
   * Runs a {@code monitor} command and returns its output (lines ending in newlines). Bad commands throw
   * {@link IllegalArgumentException} / {@link IllegalStateException} with a one-line message.
   */
  default String monitor(String command) {
    throw new IllegalArgumentException("monitor '" + command + "': this target has no monitor commands");
  }

  /** Load offset of the main executable (its load address minus its linked ImageBase), for {@code qOffsets}. */
  default OptionalLong mainOffset() {
    return OptionalLong.empty();
  }

  /** Whether images can appear in {@link #libraries()} during the run (advertises {@code qXfer:libraries:read}). */
  default boolean listsLibraries() {
    return false;
  }

  /** The other loaded images gdb should read symbols from ({@code qXfer:libraries:read}). */
  default List<GdbLibrary> libraries() {
    return List.of();
  }

  /** Whether {@link #reverse} works (advertised as ReverseStep/ReverseContinue). */
  default boolean reversible() {
    return false;
  }

  /** Goes back one instruction ({@code step}: gdb's {@code reverse-stepi}) or further ({@code reverse-continue}). */
  default StopEvent reverse(boolean step) {
    throw new IllegalStateException("reverse execution is not supported by this target");
  }

  /** A target over one fixed debugger: run control only. */
  static GdbTarget of(Debugger debugger) {
    return () -> debugger;
  }
}
