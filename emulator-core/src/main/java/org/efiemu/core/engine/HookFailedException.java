package org.efiemu.core.engine;

/** Wraps a checked exception thrown by a Java hook callback; rethrown by {@link Engine#emuStart}. */
public final class HookFailedException extends RuntimeException {
  public HookFailedException(Throwable cause) {
    super("hook callback failed: " + cause, cause);
  }
}
