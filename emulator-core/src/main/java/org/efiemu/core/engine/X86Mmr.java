package org.efiemu.core.engine;

/** Memory-management registers written through {@code uc_x86_mmr} (Unicorn 2.0 {@code x86.h}). */
public enum X86Mmr {
  IDTR(242), GDTR(243), LDTR(244), TR(245);

  private final int id;

  X86Mmr(int id) {
    this.id = id;
  }

  /** The {@code UC_X86_REG_*} number. */
  public int id() {
    return id;
  }

  /**
   * The value of a memory-management register; {@code selector} and {@code flags} are unused for GDTR and IDTR.
   */
  public record Value(int selector, long base, int limit, int flags) {
    /** A GDTR/IDTR value: base and limit only. */
    public static Value table(long base, int limit) {
      return new Value(0, base, limit, 0);
    }

    @Override
    public String toString() {
      return String.format("base=0x%X limit=0x%X", base, limit);
    }
  }
}
