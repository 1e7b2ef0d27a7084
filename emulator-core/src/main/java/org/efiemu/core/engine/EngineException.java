package org.efiemu.core.engine;

/**
 * A Unicorn call failed: carries the {@link UcError}, the library's {@code uc_strerror} text and the operation
 * with its arguments, e.g. {@code mem_map address=0x1000, size=0x10, perms=RWX: UC_ERR_ARG (Invalid argument)}.
 */
public final class EngineException extends RuntimeException {
  private final UcError error;
  private final int code;
  private final String operation;

  public EngineException(int code, String errorText, String operation) {
    super(operation + ": " + UcError.of(code).cName() + " (" + errorText + ")");
    this.code = code;
    this.error = UcError.of(code);
    this.operation = operation;
  }

  /** The error as an enum constant. */
  public UcError error() {
    return error;
  }

  /** The raw native code. */
  public int code() {
    return code;
  }

  /** The operation and its arguments, e.g. {@code mem_map address=0x1000, size=0x10, perms=RWX}. */
  public String operation() {
    return operation;
  }
}
