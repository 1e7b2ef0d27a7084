package org.efiemu.core.pe;

import java.util.Optional;

/**
 * Base relocation types efiemu applies (PE/COFF spec §6.6.2 "Base Relocation Types"). EDK2's
 * {@code PeCoffLoaderRelocateImage} handles the same three on x86-64; every other type is refused by the parser.
 */
public enum RelocationType {
  /** {@code IMAGE_REL_BASED_ABSOLUTE}: padding, skipped. */
  ABSOLUTE(0, 0),
  /** {@code IMAGE_REL_BASED_HIGHLOW}: add the low 32 bits of the delta to a 32-bit field. */
  HIGHLOW(3, 4),
  /** {@code IMAGE_REL_BASED_DIR64}: add the delta to a 64-bit field. */
  DIR64(10, 8);

  private final int value;
  private final int width;

  RelocationType(int value, int width) {
    this.value = value;
    this.width = width;
  }

  /** The 4-bit type value of a relocation entry. */
  public int value() {
    return value;
  }

  /** Bytes patched at the target (0 for ABSOLUTE). */
  public int width() {
    return width;
  }

  public static Optional<RelocationType> of(int value) {
    for (RelocationType t : values()) {
      if (t.value == value) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** Spec names of all 16 type values, for error messages. */
  static String describe(int value) {
    String[] names = {"ABSOLUTE", "HIGH", "LOW", "HIGHLOW", "HIGHADJ", "MIPS_JMPADDR/ARM_MOV32/RISCV_HIGH20",
        "reserved", "THUMB_MOV32/RISCV_LOW12I", "RISCV_LOW12S/LOONGARCH", "MIPS_JMPADDR16", "DIR64", "reserved",
        "reserved", "reserved", "reserved", "reserved"};
    return value + " (" + names[value & 0xF] + ")";
  }
}
