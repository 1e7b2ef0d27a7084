package org.efiemu.core.engine;

/** The {@code uc_mem_type} values reported to memory hooks. */
public enum MemAccess {
  READ(16), WRITE(17), FETCH(18), READ_UNMAPPED(19), WRITE_UNMAPPED(20), FETCH_UNMAPPED(21), WRITE_PROT(22),
  READ_PROT(23), FETCH_PROT(24), READ_AFTER(25);

  private final int code;
  /**
   * The constants by {@code code - 16}: {@link #of} runs at every memory-hook callback, and {@code values()} clones
   * its array at every call (a clone per watched write under the first-tier JIT, helper "mlcost").
   */
  private static final MemAccess[] BY_CODE = values();

  MemAccess(int code) {
    this.code = code;
  }

  /** The constant for a native {@code uc_mem_type}. */
  public static MemAccess of(int code) {
    int i = code - 16;
    if (i >= 0 && i < BY_CODE.length && BY_CODE[i].code == code) return BY_CODE[i];
    for (MemAccess m : BY_CODE) if (m.code == code) return m;
    throw new IllegalArgumentException("unknown uc_mem_type " + code + " (expected 16..25)");
  }

  /** True for reads (including the *_UNMAPPED and *_PROT reads). */
  public boolean isRead() {
    return this == READ || this == READ_UNMAPPED || this == READ_PROT || this == READ_AFTER;
  }

  /** True for writes. */
  public boolean isWrite() {
    return this == WRITE || this == WRITE_UNMAPPED || this == WRITE_PROT;
  }

  /** True for instruction fetches. */
  public boolean isFetch() {
    return this == FETCH || this == FETCH_UNMAPPED || this == FETCH_PROT;
  }
}
