package org.efiemu.core.engine;

/** The {@code uc_err} codes of {@code unicorn.h} (Unicorn 2.0), in declaration order. */
public enum UcError {
  OK, NOMEM, ARCH, HANDLE, MODE, VERSION, READ_UNMAPPED, WRITE_UNMAPPED, FETCH_UNMAPPED, HOOK, INSN_INVALID,
  MAP, WRITE_PROT, READ_PROT, FETCH_PROT, ARG, READ_UNALIGNED, WRITE_UNALIGNED, FETCH_UNALIGNED, HOOK_EXIST,
  RESOURCE, EXCEPTION, UNKNOWN;

  private static final UcError[] VALUES = values();

  /** The constant for a native code; codes this binding does not know map to {@link #UNKNOWN}. */
  public static UcError of(int code) {
    return code >= 0 && code < VALUES.length - 1 ? VALUES[code] : UNKNOWN;
  }

  /** The C name, e.g. {@code UC_ERR_MAP}. */
  public String cName() {
    return "UC_ERR_" + name();
  }
}
